package model

import (
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// RelKind is the shape of a relation.
type RelKind uint8

const (
	// BelongsTo: the owner holds the foreign key (post.author_id -> users.id). Field: *T.
	BelongsTo RelKind = iota + 1
	// HasOne: the target holds the foreign key, at most one row (users.id <- profiles.user_id). Field: *T.
	HasOne
	// HasMany: the target holds the foreign key (users.id <- posts.user_id). Field: []T or []*T.
	HasMany
	// ManyToMany: a join table links the two (posts <- post_tags -> tags). Field: []T or []*T.
	ManyToMany
)

// String returns the tag spelling of k.
func (k RelKind) String() string {
	for s, v := range relKinds {
		if v == k {
			return s
		}
	}
	return "unknown"
}

// ToMany reports whether the relation loads a slice.
func (k RelKind) ToMany() bool { return k == HasMany || k == ManyToMany }

// Relation is one relation field of a model.
//
// Loading matches OwnerKey values of the owners against TargetKey values of the
// targets; for many-to-many the join table sits between them, its ThroughOwner columns
// matching OwnerKey and its ThroughTarget columns matching TargetKey.
type Relation struct {
	Name   string  // Go field name
	Kind   RelKind // shape
	Owner  *Model  // the model holding the field
	Target *Model  // the related model
	Tag    string  // the tag as written, for messages
	Offset uintptr // byte offset of the field in Owner
	Index  []int   // reflect index path
	Type   reflect.Type

	ElemPtr bool // to-many field is []*T (not []T)
	Ref     bool // to-one field is a Ref[T] (not *T): set through SetOne

	OwnerKey  []*Column // columns on Owner
	TargetKey []*Column // columns on Target

	Through       string   // join table, many-to-many only
	ThroughOwner  []string // join-table columns matching OwnerKey
	ThroughTarget []string // join-table columns matching TargetKey
	// ThroughSoftDelete is the join table's soft-delete column (`through_softdelete:`):
	// a link row whose value is not NULL links nothing. "": none.
	ThroughSoftDelete string
	// ThroughScopes are the join table's value scopes (`through_scope:NAME:COLUMN`,
	// several joined by +): a link row links only when its column holds the context's
	// value for NAME.
	ThroughScopes []LinkScope

	// NoIndex: the model said `noindex`, so the foreign key of this relation needs no
	// index led by it (DDL emits none and the audit does not ask for one).
	NoIndex bool
}

// LinkScope is a value scope of a many-to-many join table: its Column holds the
// scope Name's value.
type LinkScope struct{ Name, Column string }

// linkScopes parses through_softdelete and through_scope.
func linkScopes(r *Relation, keys map[string]string) error {
	if c, ok := keys["through_softdelete"]; ok {
		if err := checkTagName(c); err != nil {
			return fmt.Errorf("through_softdelete: %v", err)
		}
		r.ThroughSoftDelete = c
	}
	spec, ok := keys["through_scope"]
	if !ok {
		return nil
	}
	for _, item := range strings.Split(spec, "+") {
		name, col, ok := strings.Cut(item, ":")
		if !ok || !scopeName(name) || checkTagName(col) != nil {
			return fmt.Errorf("through_scope needs NAME:COLUMN (through_scope:tenant:tenant_id), got %q", item)
		}
		for _, s := range r.ThroughScopes {
			if s.Name == name {
				return fmt.Errorf("through_scope names scope %q twice", name)
			}
		}
		r.ThroughScopes = append(r.ThroughScopes, LinkScope{Name: name, Column: col})
	}
	return nil
}

// FieldPtr returns a reflect.Value addressing the relation field of the owner at base.
func (r *Relation) FieldPtr(base unsafe.Pointer) reflect.Value {
	return reflect.NewAt(r.Type, unsafe.Add(base, r.Offset))
}

type pendingRel struct {
	field  reflect.StructField
	offset uintptr
	index  []int
	opts   tagOptions
}

func resolveRelation(m *Model, p pendingRel, building map[reflect.Type]*Model) error {
	f := p.field
	tagText := fmt.Sprintf("`orm:%q`", p.opts.raw)
	bad := func(format string, a ...any) error {
		return &TagError{Type: m.Name, Field: f.Name, Tag: tagText, Reason: fmt.Sprintf(format, a...)}
	}
	r := &Relation{Name: f.Name, Kind: p.opts.kind, Owner: m, Tag: tagText, Offset: p.offset, Index: p.index, Type: f.Type,
		NoIndex: p.opts.noIndex}
	elem, err := relationElem(r, f.Type)
	if err != nil {
		return bad("%v", err)
	}
	target, err := analyse(elem, building)
	if err != nil {
		return err
	}
	r.Target = target
	keys := p.opts.keys
	var ownerNames, targetNames []string
	switch r.Kind {
	case BelongsTo:
		ownerNames = splitKey(keys["fk"], SnakeCase(f.Name)+"_id")
		targetNames = splitKey(keys["ref"], pkNames(target))
	case HasOne, HasMany:
		ownerNames = splitKey(keys["ref"], pkNames(m))
		targetNames = splitKey(keys["fk"], SnakeCase(m.Type.Name())+"_id")
	case ManyToMany:
		ownerNames = splitKey(keys["ref"], pkNames(m))
		targetNames = splitKey(keys["target_ref"], pkNames(target))
		r.Through = keys["through"]
		r.ThroughOwner = splitKey(keys["through_owner"], SnakeCase(m.Type.Name())+"_id")
		r.ThroughTarget = splitKey(keys["through_target"], SnakeCase(target.Type.Name())+"_id")
		if err := linkScopes(r, keys); err != nil {
			return bad("%v", err)
		}
		if len(r.ThroughOwner) != len(ownerNames) || len(r.ThroughTarget) != len(targetNames) {
			return bad("join-table columns (%s / %s) do not match the key columns (%s / %s)",
				strings.Join(r.ThroughOwner, "+"), strings.Join(r.ThroughTarget, "+"),
				strings.Join(ownerNames, "+"), strings.Join(targetNames, "+"))
		}
	}
	if len(ownerNames) == 0 {
		return bad("model %s has no primary key; name the key with ref:<column>", m.Name)
	}
	if len(targetNames) == 0 {
		return bad("model %s has no primary key; name the key with ref:<column>", target.Name)
	}
	if r.Kind != ManyToMany && len(ownerNames) != len(targetNames) {
		return bad("key column counts differ: %s has %d, %s has %d", m.Name, len(ownerNames), target.Name, len(targetNames))
	}
	if r.OwnerKey, err = lookupColumns(m, ownerNames); err != nil {
		return bad("%v", err)
	}
	if r.TargetKey, err = lookupColumns(target, targetNames); err != nil {
		return bad("%v", err)
	}
	for i := range r.OwnerKey {
		if r.Kind == ManyToMany {
			break // the two sides meet only through the join table
		}
		a, b := r.OwnerKey[i], r.TargetKey[i]
		if KeyType(a.Type) != KeyType(b.Type) {
			return bad("key types differ: %s.%s is %v, %s.%s is %v", m.Name, a.Field, a.Type, target.Name, b.Field, b.Type)
		}
	}
	if _, dup := m.relByName[r.Name]; dup {
		return bad("duplicate relation name")
	}
	m.Relations = append(m.Relations, r)
	m.relByName[r.Name] = r
	return nil
}

func relationElem(r *Relation, t reflect.Type) (reflect.Type, error) {
	if r.Kind.ToMany() {
		if t.Kind() != reflect.Slice {
			return nil, fmt.Errorf("%s field must be a slice of structs or of pointers to structs, not %v", r.Kind, t)
		}
		e := t.Elem()
		if e.Kind() == reflect.Pointer {
			r.ElemPtr = true
			e = e.Elem()
		}
		if e.Kind() != reflect.Struct {
			return nil, fmt.Errorf("%s field must be a slice of structs or of pointers to structs, not %v", r.Kind, t)
		}
		return e, nil
	}
	if e, ok := RefTarget(t); ok && e.Kind() == reflect.Struct {
		r.Ref = true
		return e, nil
	}
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s field must be a pointer to a struct (nil when there is no row) or a Ref of one, not %v", r.Kind, t)
	}
	return t.Elem(), nil
}

func splitKey(v, def string) []string {
	if v == "" {
		v = def
	}
	if v == "" {
		return nil
	}
	return strings.Split(v, "+")
}

func pkNames(m *Model) string {
	names := make([]string, len(m.PK))
	for i, c := range m.PK {
		names[i] = c.Name
	}
	return strings.Join(names, "+")
}

func lookupColumns(m *Model, names []string) ([]*Column, error) {
	out := make([]*Column, len(names))
	for i, n := range names {
		c, err := m.Column(n)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// KeyType normalises a key column's Go type for comparing two sides of a relation:
// pointers are dereferenced and signed integers of every size are one kind, so an
// int32 foreign key may reference an int64 primary key.
func KeyType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return reflect.TypeFor[int64]()
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return reflect.TypeFor[int64]()
	}
	if n, ok := nullInner[t]; ok {
		return n
	}
	return t
}
