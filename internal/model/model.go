// Package model analyses Go struct types into table metadata once per type and caches
// it: the table name, the columns with their field offsets, the primary key and the
// relations. Every engine (orm, loader, bulk, paginate) works from this metadata, so a
// name a user supplies is always checked against it before any SQL is built.
//
// Conventions:
//
//   - Exported fields are columns. The column name is the `db` tag, or the snake_case of
//     the field name; `db:"-"` skips a field. Embedded structs (not pointers) are
//     flattened.
//   - The `orm` tag carries options: `pk` marks a primary-key column (several make a
//     composite key), `default` lets the database choose the value when the Go value is
//     the zero value (Insert omits the column and reads the value back), `readonly`
//     columns are read but never written (generated columns).
//     Without any `pk`, a field named ID is the key; an integer ID is also `default`.
//   - For DDL (package orm/schema): `type:numeric(10,2)` gives the SQL type,
//     `default:now()` the expression the database fills in; `index`, `index:name`,
//     `index:name:2:desc`, `unique`, `unique:name` declare indexes (see [IndexDef]),
//     and an Indexes() []Index method declares partial and covering ones.
//     Commas inside parentheses or single quotes do not split options.
//   - A field with a relation kind in its `orm` tag (belongs-to, has-one, has-many,
//     many-to-many) is a relation, not a column; see [Relation].
//   - The table is TableName() when the type has that method (value receiver), else
//     the plural snake_case of the type name.
package model

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/jackc/pgx/v5"
)

// Model is the metadata of one struct type.
type Model struct {
	Type    reflect.Type // the struct type
	Name    string       // Go type name with package, for messages
	Table   string       // table name, unquoted
	Columns []*Column    // in field order
	PK      []*Column    // primary key columns; empty if the model has none
	// SoftDelete is the column tagged `orm:"softdelete"`: a row whose value is not
	// NULL is deleted, and every statement on the table leaves it out. Nil: none.
	SoftDelete *Column
	// Scopes are the columns tagged `orm:"scope:NAME"` (a tenant id): every statement
	// on the table compares each with the value its context holds for NAME.
	Scopes    []ScopeColumn
	Relations []*Relation // in field order
	// Indexes are the indexes the model declares (`orm:"index…"`, `orm:"unique…"`,
	// an Indexes method), tags first in field order. Foreign-key indexes implied by
	// relations are not listed; see Relation.NoIndex.
	Indexes []*IndexDef

	indexTags []indexTag         // collected from the fields, resolved by buildIndexes
	byName    map[string]*Column // column name and Go field name to column
	relByName map[string]*Relation

	// QTable is the quoted table name; SelectList is the quoted, table-qualified
	// column list, rendered once.
	QTable     string
	SelectList string
}

// ScopeColumn is a column every statement restricts to a value from the context.
type ScopeColumn struct {
	Name string // the scope's name, e.g. "tenant"
	Col  *Column
}

// Column is one mapped field.
type Column struct {
	Name     string       // column name
	Field    string       // Go field name (dotted through embedded structs)
	Type     reflect.Type // Go type of the field
	Offset   uintptr      // byte offset from the start of the struct
	Index    []int        // reflect field index path
	PK       bool         // part of the primary key
	Default  bool         // zero value means "let the database choose"
	ReadOnly bool         // never written
	Quoted   string       // quoted column name
	// Qualified is Quoted after the quoted table name: "users"."id".
	Qualified string
	Nullable  bool // the Go type can hold NULL (pointer, sql.Null*, pgtype, ...)
	// SQLType is the column's SQL type for DDL when the tag says (`orm:"type:numeric(10,2)"`);
	// empty: derived from Type.
	SQLType string
	// DefaultExpr is the SQL expression the database fills in (`orm:"default:now()"`,
	// which also sets Default); empty: none given.
	DefaultExpr string

	ptrType unsafe.Pointer // the type word of an interface holding *Type; nil: not set
}

// eface is the layout of an interface value without methods (any).
type eface struct {
	typ, data unsafe.Pointer
}

// setPtrType records the type word of *c.Type, which Ptr puts in the interfaces it
// returns: scanning a row calls Ptr once per column, and going through reflect each
// time costs more than the scan of a small column.
func (c *Column) setPtrType() {
	x := reflect.New(c.Type).Interface()
	c.ptrType = (*eface)(unsafe.Pointer(&x)).typ
}

// Ptr returns a pointer to c's field in the struct at base, as an interface holding
// *FieldType (no allocation).
func (c *Column) Ptr(base unsafe.Pointer) any {
	if c.ptrType == nil {
		return reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Interface()
	}
	var x any
	*(*eface)(unsafe.Pointer(&x)) = eface{typ: c.ptrType, data: unsafe.Add(base, c.Offset)}
	return x
}

// Value returns the value of c's field in the struct at base.
func (c *Column) Value(base unsafe.Pointer) any {
	return reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Elem().Interface()
}

// IsZero reports whether c's field in the struct at base holds the zero value.
func (c *Column) IsZero(base unsafe.Pointer) bool {
	return reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Elem().IsZero()
}

// Column returns the column called name, accepting either the column name or the Go
// field name, or a *ColumnError listing the model's columns.
func (m *Model) Column(name string) (*Column, error) {
	if c, ok := m.byName[name]; ok {
		return c, nil
	}
	return nil, &ColumnError{Model: m.Name, Name: name, Known: m.ColumnNames()}
}

// ColumnNames returns the model's column names in field order.
func (m *Model) ColumnNames() []string {
	out := make([]string, len(m.Columns))
	for i, c := range m.Columns {
		out[i] = c.Name
	}
	return out
}

// Relation returns the relation on field name, or nil.
func (m *Model) Relation(name string) *Relation {
	return m.relByName[name]
}

// RelationNames returns the names of the model's relations, sorted.
func (m *Model) RelationNames() []string {
	out := make([]string, 0, len(m.Relations))
	for _, r := range m.Relations {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

// Base returns the address of the struct that v points to; v must be a non-nil pointer
// to m.Type.
func Base(v reflect.Value) unsafe.Pointer { return v.UnsafePointer() }

// QualifiedList renders the model's columns qualified by alias (quoted), e.g.
// `"u"."id", "u"."name"`.
func (m *Model) QualifiedList(alias string, cols []*Column) string {
	qa := QuoteIdent(alias)
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(qa)
		b.WriteByte('.')
		b.WriteString(c.Quoted)
	}
	return b.String()
}

// QuoteIdent quotes one identifier for PostgreSQL.
func QuoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

var (
	cacheMu sync.Mutex // serialises analysis, so recursive types resolve once
	cache   sync.Map   // reflect.Type -> *Model (complete)
)

// Of returns the metadata of T, which must be a struct type (or pointer to one).
func Of[T any]() (*Model, error) {
	return For(reflect.TypeFor[T]())
}

// For returns the metadata of t, a struct type or a pointer to one. The first call
// for a type analyses it; later calls read the cache.
func For(t reflect.Type) (*Model, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%v is not a struct type: %w", t, ErrInvalidModel)
	}
	if m, ok := cache.Load(t); ok {
		return m.(*Model), nil
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if m, ok := cache.Load(t); ok {
		return m.(*Model), nil
	}
	building := map[reflect.Type]*Model{}
	m, err := analyse(t, building)
	if err != nil {
		return nil, err
	}
	for bt, bm := range building {
		cache.Store(bt, bm)
	}
	return m, nil
}

// analyse builds t's model, resolving relations recursively. Models under
// construction are kept in building so that self and mutual references terminate; the
// caller publishes them all at once, only when every one is valid.
func analyse(t reflect.Type, building map[reflect.Type]*Model) (*Model, error) {
	if m, ok := cache.Load(t); ok {
		return m.(*Model), nil
	}
	if m, ok := building[t]; ok {
		return m, nil
	}
	m := &Model{Type: t, Name: t.String(), byName: map[string]*Column{}, relByName: map[string]*Relation{}}
	m.Table = tableName(t)
	m.QTable = QuoteIdent(m.Table)
	building[t] = m
	var pending []pendingRel
	if err := collectFields(m, t, 0, nil, "", &pending); err != nil {
		return nil, err
	}
	if err := choosePK(m); err != nil {
		return nil, err
	}
	m.SelectList = m.QualifiedList(m.Table, m.Columns)
	if err := buildIndexes(m, m.indexTags); err != nil {
		return nil, err
	}
	m.indexTags = nil
	for _, p := range pending {
		if err := resolveRelation(m, p, building); err != nil {
			return nil, err
		}
	}
	return m, nil
}

type tabler interface{ TableName() string }

func tableName(t reflect.Type) string {
	if tn, ok := reflect.Zero(t).Interface().(tabler); ok {
		return tn.TableName()
	}
	if tn, ok := reflect.New(t).Interface().(tabler); ok {
		return tn.TableName()
	}
	return Plural(SnakeCase(t.Name()))
}

func choosePK(m *Model) error {
	for _, c := range m.Columns {
		if c.PK {
			m.PK = append(m.PK, c)
		}
	}
	if len(m.PK) > 0 {
		return nil
	}
	if c, ok := m.byName["ID"]; ok && c.Field == "ID" {
		c.PK = true
		switch c.Type.Kind() {
		case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
			c.Default = true
		}
		m.PK = []*Column{c}
	}
	return nil
}

// Each calls fn for every model analysed so far, in no particular order.
func Each(fn func(*Model)) {
	cache.Range(func(_, v any) bool { fn(v.(*Model)); return true })
}
