package model

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Index is an index a model declares in code, through a method
//
//	func (Post) Indexes() []schema.Index
//
// for the shapes a struct tag cannot say (a partial or covering index), or for any
// index at all. Package orm/schema re-exports it as schema.Index.
type Index struct {
	// Name is the index name; empty: <table>_<columns>_idx (or _key when Unique).
	Name string
	// Columns are the key columns in order, by column or Go field name, each written
	// as a sort key: a leading "-" (or DESC) makes it descending ("-created_at"), and
	// NULLS FIRST or NULLS LAST places NULLs against the default ("-score NULLS LAST").
	Columns []string
	// Unique makes it a unique index.
	Unique bool
	// Where is the predicate of a partial index, SQL written by the developer (never
	// user input), e.g. "deleted_at IS NULL". Empty: the index covers every row.
	Where string
	// Include lists non-key columns stored in the index (a covering index), by column
	// or Go field name.
	Include []string
}

// IndexDef is one index of a model, resolved against its columns: declared by
// `orm:"index…"`/`orm:"unique…"` tags or by an Indexes method.
type IndexDef struct {
	Name    string        // the index name
	Columns []IndexColumn // key columns in order
	Unique  bool
	Where   string    // partial-index predicate, or ""
	Include []*Column // covering columns
	Source  string    // where it was declared, for messages: "tag" or "Indexes()"
}

// IndexColumn is one key column of an index.
type IndexColumn struct {
	Column     *Column
	Desc       bool // descending
	NullsFirst bool // NULLs sort first (PostgreSQL's default: when descending)
}

// maxIdent is PostgreSQL's identifier length (NAMEDATALEN-1); longer names are cut
// by the server, so a declared name longer than this could never be found again.
const maxIdent = 63

// indexTag is one `index…` or `unique…` option of a field's orm tag.
type indexTag struct {
	col    *Column
	field  string // Go field name, for messages
	tag    string // the tag as written
	name   string // "" for an unnamed single-column index
	unique bool
	pos    int // 1-based explicit position; 0: field order
	desc   bool
}

// parseIndexOption parses `index`, `index:name`, `index:name:2`, `index:name:desc`,
// `index:name:2:desc` (and the same with unique).
func parseIndexOption(key, val string, hasVal bool) (indexTag, error) {
	it := indexTag{unique: key == "unique"}
	if !hasVal {
		return it, nil
	}
	parts := strings.Split(val, ":")
	it.name = parts[0]
	if err := checkIndexName(it.name); err != nil {
		return it, err
	}
	for _, p := range parts[1:] {
		switch {
		case p == "desc" && !it.desc:
			it.desc = true
		case p == "asc":
		case p != "" && p[0] >= '1' && p[0] <= '9' && it.pos == 0:
			n, err := strconv.Atoi(p)
			if err != nil || n > 32 {
				return it, fmt.Errorf("%s position %q: a number from 1 to 32", key, p)
			}
			it.pos = n
		default:
			return it, fmt.Errorf("%s option %q: after the name come a position (1..32) and desc or asc, e.g. %s:%s:2:desc", key, p, key, it.name)
		}
	}
	if it.name == "" && (it.pos != 0 || it.desc) {
		return it, fmt.Errorf("%s position or direction needs an index name, e.g. %s:my_idx:desc", key, key)
	}
	return it, nil
}

func checkIndexName(name string) error {
	if len(name) > maxIdent {
		return fmt.Errorf("index name %q is longer than %d bytes, the most PostgreSQL keeps", name, maxIdent)
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return fmt.Errorf("index name %q holds a control character", name)
	}
	return nil
}

// AutoIndexName is the name given to an index declared without one, after
// PostgreSQL's own convention: <table>_<col>[_<col>…]_idx, or _key when unique, cut
// to 63 bytes.
func AutoIndexName(table string, cols []string, unique bool) string {
	suffix := "_idx"
	if unique {
		suffix = "_key"
	}
	name := table + "_" + strings.Join(cols, "_")
	if len(name)+len(suffix) > maxIdent {
		name = name[:maxIdent-len(suffix)]
	}
	return name + suffix
}

type indexer interface{ Indexes() []Index }

// buildIndexes resolves the index tags collected from m's fields and the indexes of
// its Indexes method into m.Indexes, refusing a declaration that does not resolve.
func buildIndexes(m *Model, tags []indexTag) error {
	if err := indexesFromTags(m, tags); err != nil {
		return err
	}
	decl, ok := reflect.Zero(m.Type).Interface().(indexer)
	if !ok {
		decl, ok = reflect.New(m.Type).Interface().(indexer)
	}
	if ok {
		for _, ix := range decl.Indexes() {
			if err := addDeclared(m, ix); err != nil {
				return err
			}
		}
	}
	return nil
}

func indexesFromTags(m *Model, tags []indexTag) error {
	groups := map[string][]indexTag{}
	var order []string
	for _, it := range tags {
		if it.name == "" {
			def := &IndexDef{Name: AutoIndexName(m.Table, []string{it.col.Name}, it.unique), Unique: it.unique,
				Columns: []IndexColumn{{Column: it.col}}, Source: "tag"}
			if err := addIndex(m, def, it.field, it.tag); err != nil {
				return err
			}
			continue
		}
		if _, seen := groups[it.name]; !seen {
			order = append(order, it.name)
		}
		groups[it.name] = append(groups[it.name], it)
	}
	for _, name := range order {
		def, err := groupIndex(m, name, groups[name])
		if err != nil {
			return err
		}
		if err := addIndex(m, def, groups[name][0].field, groups[name][0].tag); err != nil {
			return err
		}
	}
	return nil
}

// groupIndex makes one index of the fields naming it: in field order, or by the
// positions they give (then every field must give one, 1..n).
func groupIndex(m *Model, name string, its []indexTag) (*IndexDef, error) {
	first := its[0]
	bad := func(it indexTag, format string, a ...any) error {
		return &TagError{Type: m.Name, Field: it.field, Tag: it.tag, Reason: fmt.Sprintf(format, a...)}
	}
	withPos := 0
	for _, it := range its {
		if it.unique != first.unique {
			return nil, bad(it, "index %q is declared both unique (on one field) and not (on another)", name)
		}
		if it.pos != 0 {
			withPos++
		}
	}
	if withPos != 0 && withPos != len(its) {
		return nil, bad(first, "index %q: give a position to every field of it or to none", name)
	}
	if withPos != 0 {
		its = slices.Clone(its)
		slices.SortStableFunc(its, func(a, b indexTag) int { return a.pos - b.pos })
		for i, it := range its {
			if it.pos != i+1 {
				return nil, bad(it, "index %q: positions must be 1..%d, each once", name, len(its))
			}
		}
	}
	def := &IndexDef{Name: name, Unique: first.unique, Source: "tag"}
	for _, it := range its {
		def.Columns = append(def.Columns, IndexColumn{Column: it.col, Desc: it.desc, NullsFirst: it.desc})
	}
	return def, nil
}

// addDeclared resolves one entry of an Indexes method.
func addDeclared(m *Model, ix Index) error {
	tag := fmt.Sprintf("%+v", ix)
	bad := func(format string, a ...any) error {
		return &TagError{Type: m.Name, Field: "Indexes()", Tag: tag, Reason: fmt.Sprintf(format, a...)}
	}
	if len(ix.Columns) == 0 {
		return bad("an index needs at least one column")
	}
	if len(ix.Columns)+len(ix.Include) > 32 {
		return bad("an index holds at most 32 columns")
	}
	if err := checkIndexName(ix.Name); err != nil {
		return bad("%v", err)
	}
	if strings.ContainsRune(ix.Where, 0) {
		return bad("the Where predicate holds a NUL byte")
	}
	def := &IndexDef{Name: ix.Name, Unique: ix.Unique, Where: strings.TrimSpace(ix.Where), Source: "Indexes()"}
	names := make([]string, 0, len(ix.Columns))
	for _, spec := range ix.Columns {
		k, err := ParseOrderKey(spec)
		if err != nil {
			return bad("column %q: %v", spec, err)
		}
		c, err := m.Column(k.Name)
		if err != nil {
			return bad("%v", err)
		}
		def.Columns = append(def.Columns, IndexColumn{Column: c, Desc: k.Desc, NullsFirst: k.NullsFirst()})
		names = append(names, c.Name)
	}
	for _, n := range ix.Include {
		c, err := m.Column(n)
		if err != nil {
			return bad("include: %v", err)
		}
		def.Include = append(def.Include, c)
	}
	if def.Name == "" {
		def.Name = AutoIndexName(m.Table, names, def.Unique)
	}
	return addIndex(m, def, "Indexes()", tag)
}

// addIndex appends def, refusing a second index of the same name or a column twice.
func addIndex(m *Model, def *IndexDef, field, tag string) error {
	bad := func(format string, a ...any) error {
		return &TagError{Type: m.Name, Field: field, Tag: tag, Reason: fmt.Sprintf(format, a...)}
	}
	for _, prev := range m.Indexes {
		if prev.Name == def.Name {
			return bad("a second index named %q (the first is declared by %s)", def.Name, prev.Source)
		}
	}
	seen := map[*Column]bool{}
	for _, c := range def.Columns {
		if seen[c.Column] {
			return bad("column %q appears twice in index %q", c.Column.Name, def.Name)
		}
		seen[c.Column] = true
	}
	for _, c := range def.Include {
		if seen[c] {
			return bad("column %q is both a key and an INCLUDE column of index %q", c.Name, def.Name)
		}
		seen[c] = true
	}
	m.Indexes = append(m.Indexes, def)
	return nil
}

// LedBy reports whether the index's first key columns are cols, in that order (its
// direction and any further columns do not matter): such an index serves a lookup by
// cols. A partial index does not count: it serves only the rows its predicate keeps.
func (d *IndexDef) LedBy(cols []*Column) bool {
	if d.Where != "" || len(cols) > len(d.Columns) {
		return false
	}
	for i, c := range cols {
		if d.Columns[i].Column != c {
			return false
		}
	}
	return true
}
