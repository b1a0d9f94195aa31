package keyset

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Sort keys on joined relations.
//
// A key may name a column of a to-one relation, "Author.name" or "Author.Profile.bio":
// list screens sort posts by their author's name. Such a key is resolved against the
// model's relations when the Order is made (no query is needed, so paginate.OrderBy
// and ParseSort take it) and bound to the joins of the query that runs the page by
// [Order.Bind]: the relation must be joined there, under the alias join gives each
// path (`"Author"."name"`).
//
// A LEFT JOIN yields NULL in every joined column when the related row is absent (or
// left out by its scope), whatever the column's own type says, so an Order treats
// every joined key as nullable: its fingerprint and cursors do not depend on how the
// query joins. Bind tightens that for an INNER-joined path, where only the column's
// own nullability remains, so the keyset condition takes its simpler form and a
// cursor carrying NULL there is refused.
//
// The value of a joined key is read from the row's relation fields, which the join
// scanner has set: a nil pointer (or an unloaded Ref) anywhere on the path is NULL,
// which is what the row's joined columns held.

// Name returns the key's name as OrderBy reads it: the column name, after the
// relation path for a joined key ("Author.name").
func (k Key) Name() string {
	if k.Path == "" {
		return k.Col.Name
	}
	return k.Path + "." + k.Col.Name
}

// SQL returns the quoted reference the key is written as: the model's qualified
// column, or the column under its relation's alias (`"Author"."name"`).
func (k Key) SQL() string {
	if k.ref != "" {
		return k.ref
	}
	return k.Col.Qualified
}

// sortColumn is a resolved sort-key name: a column of the model (no rels) or of a
// relation reached through rels.
type sortColumn struct {
	col  *model.Column
	path string
	rels []*model.Relation
}

// resolveColumn resolves a sort-key name against m: a column or field name, or a
// to-one relation path and a column of its target ("Author.name"). An unknown column
// is a *model.ColumnError, an unknown relation a *model.RelationError.
func resolveColumn(m *model.Model, name string) (sortColumn, error) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		c, err := m.Column(name)
		return sortColumn{col: c}, err
	}
	path, col := name[:i], name[i+1:]
	var rels []*model.Relation
	cur := m
	for _, seg := range strings.Split(path, ".") {
		rel := cur.Relation(seg)
		switch {
		case rel == nil:
			return sortColumn{}, &model.RelationError{Model: cur.Name, Path: path, Segment: seg, Reason: "unknown relation", Relations: cur.RelationNames()}
		case rel.Kind.ToMany():
			return sortColumn{}, &model.RelationError{Model: cur.Name, Path: path, Segment: seg,
				Reason: "cannot sort by a column of " + rel.Kind.String() + " relation", Relations: cur.RelationNames()}
		}
		rels = append(rels, rel)
		cur = rel.Target
	}
	c, err := cur.Column(col)
	if err != nil {
		return sortColumn{}, err
	}
	return sortColumn{col: c, path: path, rels: rels}, nil
}

// read reads the key's value from the struct at base, a value of the order's model:
// through the relation fields for a joined key, a nil relation being NULL.
func (k Key) read(base unsafe.Pointer) (any, error) {
	for _, r := range k.rels {
		if base = r.One(base); base == nil {
			return nil, nil
		}
	}
	return readValue(k.Col, k.kind, base)
}

// Joins is what [Order.Bind] needs of a query's joins (join.Plan has it).
type Joins interface {
	// Column returns the quoted reference of "Author.name" under its relation's alias,
	// or an error saying which Join to add when the relation is not joined.
	Column(name string) (string, error)
	// Inner reports whether the relation at path is joined INNER: every row has it.
	Inner(path string) bool
}

// Joined reports whether some key of o is on a joined relation.
func (o Order) Joined() bool {
	return slices.ContainsFunc(o.Keys(), func(k Key) bool { return k.Path != "" })
}

// Bind returns o bound to a query's joins j (nil: the query joins nothing): every
// joined key must be on a joined relation, written under its alias, and is nullable
// unless its relation is joined INNER and its column is NOT NULL. The fingerprint is
// unchanged, so cursors move between o and its bindings. An order without joined
// keys is returned as it is.
func (o Order) Bind(j Joins) (Order, error) {
	if !o.Joined() {
		return o, nil
	}
	b := &order{m: o.o.m, keys: slices.Clone(o.o.keys), fp: o.o.fp}
	for i := range b.keys {
		k := &b.keys[i]
		if k.Path == "" {
			continue
		}
		if j == nil {
			return Order{}, &SortError{Model: b.m.Name, Field: k.Name(),
				Reason: fmt.Sprintf("names relation %q, which is not joined: add Join(%q)", k.Path, k.Path)}
		}
		ref, err := j.Column(k.Name())
		if err != nil {
			return Order{}, &SortError{Model: b.m.Name, Field: k.Name(), Reason: err.Error()}
		}
		k.ref = ref
		k.Nullable = k.Col.Nullable || !j.Inner(k.Path)
	}
	return Order{b}, nil
}

// joinedRef is the reference a joined key is written as before it is bound: the
// column under the alias join gives its path.
func joinedRef(path string, c *model.Column) string { return sqlw.QuoteIdent(path) + "." + c.Quoted }
