package model

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"unicode"
)

// tagOptions is the parsed `orm` tag of one field.
type tagOptions struct {
	raw      string
	pk       bool
	def      bool
	readOnly bool
	soft     bool              // softdelete
	scope    string            // scope:NAME
	kind     RelKind           // 0 when the field is a column
	keys     map[string]string // fk, ref, through, through_owner, through_target, target_ref, order
	noIndex  bool              // relation: its foreign key needs no index of its own
	sqlType  string            // type:<sql type>, for DDL
	defExpr  string            // default:<sql expression>, for DDL
	indexes  []indexTag        // index… and unique… options
}

var relKinds = map[string]RelKind{
	"belongs-to":   BelongsTo,
	"has-one":      HasOne,
	"has-many":     HasMany,
	"many-to-many": ManyToMany,
}

var relKeys = map[string]bool{
	"fk": true, "ref": true, "through": true, "through_owner": true, "through_target": true, "target_ref": true,
	"through_softdelete": true, "through_scope": true,
}

func parseTag(m *Model, f reflect.StructField) (tagOptions, error) {
	raw := f.Tag.Get("orm")
	o := tagOptions{raw: raw, keys: map[string]string{}}
	bad := func(format string, a ...any) error {
		return &TagError{Type: m.Name, Field: f.Name, Tag: fmt.Sprintf("`orm:%q`", raw), Reason: fmt.Sprintf(format, a...)}
	}
	if raw == "" {
		return o, nil
	}
	for _, item := range splitOptions(raw) {
		item = strings.TrimSpace(item)
		key, val, hasVal := strings.Cut(item, ":")
		switch {
		case item == "":
			return o, bad("empty option")
		case key == "index" || key == "unique":
			it, err := parseIndexOption(key, val, hasVal)
			if err != nil {
				return o, bad("%v", err)
			}
			o.indexes = append(o.indexes, it)
		case !hasVal && key == "noindex":
			o.noIndex = true
		case hasVal && (key == "type" || key == "default"):
			if err := checkSQLText(val); err != nil {
				return o, bad("option %s: %v", key, err)
			}
			if key == "type" {
				o.sqlType = val
			} else {
				o.def, o.defExpr = true, val
			}
		case !hasVal && key == "pk":
			o.pk = true
		case !hasVal && key == "default":
			o.def = true
		case !hasVal && key == "readonly":
			o.readOnly = true
		case !hasVal && key == "softdelete":
			o.soft = true
		case !hasVal && relKinds[key] != 0:
			if o.kind != 0 {
				return o, bad("two relation kinds")
			}
			o.kind = relKinds[key]
		case hasVal && key == "scope":
			if !scopeName(val) {
				return o, bad("scope needs a name of letters, digits and _ (scope:tenant)")
			}
			o.scope = val
		case hasVal && relKeys[key]:
			if val == "" {
				return o, bad("option %s needs a value", key)
			}
			o.keys[key] = val
		default:
			return o, bad("unknown option %q (options: pk, default, default:, readonly, softdelete, scope:, index, index:, unique, unique:, type:, belongs-to, has-one, has-many, many-to-many, noindex, fk:, ref:, through:, through_owner:, through_target:, target_ref:, through_softdelete:, through_scope:)", item)
		}
	}
	if o.kind == 0 && (len(o.keys) > 0 || o.noIndex) {
		return o, bad("relation options without a relation kind")
	}
	if o.kind != 0 && (o.pk || o.def || o.readOnly || o.soft || o.scope != "" || o.sqlType != "" || len(o.indexes) > 0) {
		return o, bad("column options on a relation field")
	}
	if o.kind != ManyToMany {
		for _, k := range []string{"through", "through_owner", "through_target", "target_ref", "through_softdelete", "through_scope"} {
			if _, ok := o.keys[k]; ok {
				return o, bad("option %s is only for many-to-many", k)
			}
		}
	} else if o.keys["through"] == "" {
		return o, bad("many-to-many needs through:<join table>")
	}
	return o, nil
}

// collectFields walks t's fields (flattening embedded structs) into m.
func collectFields(m *Model, t reflect.Type, offset uintptr, index []int, prefix string, pending *[]pendingRel) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		dbTag, hasDB := f.Tag.Lookup("db")
		if dbTag == "-" {
			continue
		}
		opts, err := parseTag(m, f)
		if err != nil {
			return err
		}
		if f.Anonymous && !hasDB && opts.raw == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				return &TagError{Type: m.Name, Field: f.Name, Tag: "(embedded)", Reason: "embedded pointer structs are not supported; embed the struct by value"}
			}
			if ft.Kind() == reflect.Struct {
				if err := collectFields(m, ft, offset+f.Offset, idx, prefix+f.Name+".", pending); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if opts.kind != 0 {
			*pending = append(*pending, pendingRel{field: f, offset: offset + f.Offset, index: idx, opts: opts})
			continue
		}
		if _, ok := RefTarget(f.Type); ok {
			return &TagError{Type: m.Name, Field: f.Name, Tag: fmt.Sprintf("`orm:%q`", opts.raw), Reason: "a Ref field is a to-one relation: tag it belongs-to or has-one"}
		}
		name := dbTag
		if name == "" {
			name = SnakeCase(f.Name)
		}
		if err := checkTagName(name); err != nil {
			return &TagError{Type: m.Name, Field: f.Name, Tag: fmt.Sprintf("`db:%q`", dbTag), Reason: err.Error()}
		}
		if err := checkFieldType(f.Type); err != nil {
			return &TagError{Type: m.Name, Field: f.Name, Tag: fmt.Sprintf("`db:%q`", name), Reason: err.Error()}
		}
		c := &Column{
			Name: name, Field: prefix + f.Name, Type: f.Type, Offset: offset + f.Offset, Index: idx,
			PK: opts.pk, Default: opts.def, ReadOnly: opts.readOnly, Quoted: QuoteIdent(name),
			Qualified: m.QTable + "." + QuoteIdent(name),
			Nullable:  nullable(f.Type),
			SQLType:   opts.sqlType, DefaultExpr: opts.defExpr,
		}
		if err := addColumn(m, f, c); err != nil {
			return err
		}
		if opts.soft {
			if err := setSoftDelete(m, f, c); err != nil {
				return err
			}
		}
		if opts.scope != "" {
			if err := addScope(m, f, c, opts.scope); err != nil {
				return err
			}
		}
		for _, it := range opts.indexes {
			it.col, it.field, it.tag = c, f.Name, fmt.Sprintf("`orm:%q`", opts.raw)
			m.indexTags = append(m.indexTags, it)
		}
	}
	return nil
}

func addColumn(m *Model, f reflect.StructField, c *Column) error {
	if prev, ok := m.byName[c.Name]; ok && prev.Name == c.Name {
		return &TagError{Type: m.Name, Field: f.Name, Tag: fmt.Sprintf("`db:%q`", c.Name),
			Reason: fmt.Sprintf("column %q is already mapped by field %s", c.Name, prev.Field)}
	}
	c.setPtrType()
	m.Columns = append(m.Columns, c)
	m.byName[c.Name] = c
	if _, taken := m.byName[c.Field]; !taken {
		m.byName[c.Field] = c
	}
	return nil
}

var (
	scannerType = reflect.TypeFor[sql.Scanner]()
)

// nullable reports whether a Go type can hold SQL NULL.
func nullable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	}
	return reflect.PointerTo(t).Implements(scannerType) && t.Kind() == reflect.Struct
}

// setSoftDelete makes c the model's soft-delete column: it must hold NULL (a live row)
// and be the only one.
func setSoftDelete(m *Model, f reflect.StructField, c *Column) error {
	bad := func(reason string) error {
		return &TagError{Type: m.Name, Field: f.Name, Tag: fmt.Sprintf("`orm:%q`", f.Tag.Get("orm")), Reason: reason}
	}
	switch {
	case m.SoftDelete != nil:
		return bad("a second softdelete column (the first is " + m.SoftDelete.Field + ")")
	case !c.Nullable:
		return bad("a softdelete column must hold NULL for live rows: use *time.Time, sql.NullTime or pgtype.Timestamptz")
	case c.PK || c.ReadOnly:
		return bad("a softdelete column cannot be a key or read-only")
	}
	m.SoftDelete = c
	return nil
}

// scopeName reports whether s is a scope name: letters, digits and _.
func scopeName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// addScope makes c a column every statement restricts to the context's value of the
// scope name; a model names each scope once.
func addScope(m *Model, f reflect.StructField, c *Column, name string) error {
	bad := func(reason string) error {
		return &TagError{Type: m.Name, Field: f.Name, Tag: fmt.Sprintf("`orm:%q`", f.Tag.Get("orm")), Reason: reason}
	}
	for _, s := range m.Scopes {
		if s.Name == name {
			return bad(fmt.Sprintf("scope %q is already the column of field %s", name, s.Col.Field))
		}
	}
	if c == m.SoftDelete {
		return bad("a softdelete column cannot be a scope")
	}
	m.Scopes = append(m.Scopes, ScopeColumn{Name: name, Col: c})
	return nil
}

// splitOptions splits an orm tag at the commas that are not inside parentheses or
// single quotes, so that type:numeric(10,2) and default:'a,b' stay one option.
func splitOptions(raw string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, raw[start:i])
			start = i + 1
		}
	}
	return append(out, raw[start:])
}

// checkSQLText refuses an empty type or default expression, or one holding a
// control character other than a space, or unbalanced parentheses or quotes.
func checkSQLText(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("needs a value")
	}
	depth, quoted := 0, false
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			return fmt.Errorf("%q holds the control character %U", s, r)
		case r == '\'':
			quoted = !quoted
		case quoted:
		case r == '(':
			depth++
		case r == ')':
			if depth--; depth < 0 {
				return fmt.Errorf("%q: unbalanced parentheses", s)
			}
		case r == ';':
			return fmt.Errorf("%q holds a semicolon", s)
		}
	}
	if depth != 0 || quoted {
		return fmt.Errorf("%q: unbalanced parentheses or quotes", s)
	}
	return nil
}
