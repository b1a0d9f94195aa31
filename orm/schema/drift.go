package schema

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/batchorm/batchorm/internal/model"
)

// ErrDrift is matched by errors.Is for the error of [Report.Err]: the live schema
// differs from what the models declare.
var ErrDrift = errors.New("schema: the database differs from the models")

// Kind names one sort of difference.
type Kind string

// The differences a Report can hold.
const (
	MissingTable      Kind = "missing table"
	MissingColumn     Kind = "missing column"
	ExtraColumn       Kind = "extra column"       // in the table, not in the model
	ColumnType        Kind = "column type"        // Want and Got are the types
	ColumnNullability Kind = "column nullability" // Want and Got are "NOT NULL" or "NULL"
	MissingIndex      Kind = "missing index"
	IndexShape        Kind = "index shape" // Want and Got are the index shapes
	MissingConstraint Kind = "missing constraint"
	// UnindexedForeignKey: no index over every row is led by a relation's foreign key
	// (an index with the key as second column does not count).
	UnindexedForeignKey Kind = "foreign key without an index led by it"
)

// Difference is one way the live table differs from the models.
type Difference struct {
	Kind  Kind
	Table string // the table
	Name  string // the column, index or constraint ("primary key", "foreign key (author_id)")
	Want  string // what the models declare ("" when not applicable)
	Got   string // what the database has ("" when absent)
}

// String renders d on one line.
func (d Difference) String() string {
	s := fmt.Sprintf("%s: %s", d.Table, d.Kind)
	if d.Name != "" {
		s += " " + d.Name
	}
	if d.Want != "" || d.Got != "" {
		s += fmt.Sprintf(": want %s, got %s", orNone(d.Want), orNone(d.Got))
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Report lists the differences between the models and the live schema, table by
// table in the schema's order; empty when they agree.
type Report struct {
	Differences []Difference
}

// String lists the differences, one a line, or says the schema is in sync.
func (r *Report) String() string {
	if len(r.Differences) == 0 {
		return "schema: in sync with the models"
	}
	var b strings.Builder
	for i, d := range r.Differences {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// Err returns nil when the report is empty, else an error listing the differences,
// for which errors.Is(err, ErrDrift) is true.
func (r *Report) Err() error {
	if len(r.Differences) == 0 {
		return nil
	}
	return fmt.Errorf("%w (%d):\n%s", ErrDrift, len(r.Differences), r.String())
}

// Drift compares the models' schema (as [For] builds it) with the live catalog of the
// database q reaches, reading the catalog in one statement (marked
// /* batchorm:catalog */, so query logs count it apart): missing tables; missing,
// extra and different columns (type, nullability); missing and different indexes
// (columns, order, direction, unique, partial predicate, INCLUDE); missing primary,
// foreign and unique keys; foreign keys no index is led by. Tables are found through
// the search path. The error is for a model that cannot be analysed or a failed
// read; differences are in the report.
//
// An index is matched by name; one declared without a name, or found under another
// name with the same shape, counts as present. Types are compared as format_type
// spells them (timestamptz and "timestamp with time zone" agree); predicates after
// normalising case, spaces, parentheses and casts, so write a predicate simply.
func Drift(ctx context.Context, q Querier, models ...any) (*Report, error) {
	return compare(ctx, q, models, true)
}

func compare(ctx context.Context, q Querier, models []any, full bool) (*Report, error) {
	s, err := For(models...)
	if err != nil {
		return nil, err
	}
	all := slices.Concat(s.tables, s.external)
	names := make([]string, len(all))
	for i, t := range all {
		names[i] = t.name
	}
	live, err := readCatalog(ctx, q, names)
	if err != nil {
		return nil, err
	}
	r := &Report{}
	for _, t := range all {
		lt := live[t.name]
		if lt == nil || !lt.exists {
			r.add(Difference{Kind: MissingTable, Table: t.name})
			continue
		}
		if full && !t.external {
			r.columns(t, lt)
			r.constraints(t, lt, s.fks(t.name))
		}
		r.indexes(t, lt)
	}
	return r, nil
}

func (r *Report) add(d Difference) { r.Differences = append(r.Differences, d) }

// fks returns the table's foreign keys, with those deferred by a cycle.
func (s *Schema) fks(table string) []foreignKey {
	var out []foreignKey
	for _, t := range s.tables {
		if t.name == table {
			out = append(out, t.fks...)
		}
	}
	for _, d := range s.deferred {
		if d.table == table {
			out = append(out, d.fk)
		}
	}
	return out
}

func (r *Report) columns(t *table, lt *liveTable) {
	byName := map[string]liveColumn{}
	for _, c := range lt.cols {
		byName[c.Name] = c
	}
	for _, c := range t.cols {
		got, ok := byName[c.name]
		switch {
		case !ok:
			r.add(Difference{Kind: MissingColumn, Table: t.name, Name: c.name, Want: c.typ + nullText(c.notNull)})
			continue
		case canonicalType(c.typ) != canonicalType(got.Type):
			r.add(Difference{Kind: ColumnType, Table: t.name, Name: c.name, Want: canonicalType(c.typ), Got: got.Type})
		}
		if c.notNull != got.NotNull {
			r.add(Difference{Kind: ColumnNullability, Table: t.name, Name: c.name,
				Want: strings.TrimSpace(nullText(c.notNull)), Got: strings.TrimSpace(nullText(got.NotNull))})
		}
		delete(byName, c.name)
	}
	for _, c := range lt.cols {
		if _, extra := byName[c.Name]; extra {
			r.add(Difference{Kind: ExtraColumn, Table: t.name, Name: c.Name, Got: c.Type + nullText(c.NotNull)})
		}
	}
}

func nullText(notNull bool) string {
	if notNull {
		return " NOT NULL"
	}
	return " NULL"
}

func (r *Report) constraints(t *table, lt *liveTable, fks []foreignKey) {
	has := func(typ string, cols []string, refTable string, refCols []string) bool {
		return slices.ContainsFunc(lt.cons, func(c liveConstraint) bool {
			return c.Type == typ && slices.Equal(c.Cols, cols) && c.RefTable == refTable && slices.Equal(c.RefCols, refCols)
		})
	}
	if len(t.pk) > 0 && !has("p", t.pk, "", nil) {
		r.add(Difference{Kind: MissingConstraint, Table: t.name, Name: "primary key", Want: "(" + strings.Join(t.pk, ", ") + ")",
			Got: livePK(lt)})
	}
	for _, fk := range fks {
		if !has("f", fk.cols, fk.refTable, fk.refCols) {
			r.add(Difference{Kind: MissingConstraint, Table: t.name, Name: "foreign key (" + strings.Join(fk.cols, ", ") + ")",
				Want: fk.refTable + " (" + strings.Join(fk.refCols, ", ") + ")"})
		}
	}
}

func livePK(lt *liveTable) string {
	for _, c := range lt.cons {
		if c.Type == "p" {
			return "(" + strings.Join(c.Cols, ", ") + ")"
		}
	}
	return ""
}

// indexes checks the declared indexes by name (or by shape under another name) and
// that every foreign key needing one has an index led by it.
func (r *Report) indexes(t *table, lt *liveTable) {
	for _, ix := range t.indexes {
		if ix.fk {
			continue // checked as a foreign key below: any index led by it will do
		}
		want := ix.shape()
		i := slices.IndexFunc(lt.indexes, func(l liveIndex) bool { return l.Name == ix.name })
		switch {
		case i >= 0 && sameShape(want, lt.indexes[i].shape()):
		case i >= 0:
			r.add(Difference{Kind: IndexShape, Table: t.name, Name: ix.name, Want: want, Got: lt.indexes[i].shape()})
		case !slices.ContainsFunc(lt.indexes, func(l liveIndex) bool { return sameShape(want, l.shape()) }):
			r.add(Difference{Kind: MissingIndex, Table: t.name, Name: ix.name, Want: want})
		}
	}
	for _, cols := range t.fkLed {
		if !slices.ContainsFunc(lt.indexes, func(l liveIndex) bool { return l.ledBy(cols) }) {
			r.add(Difference{Kind: UnindexedForeignKey, Table: t.name, Name: "(" + strings.Join(cols, ", ") + ")",
				Want: "an index led by (" + strings.Join(cols, ", ") + ")"})
		}
	}
}

// shape renders an index as "UNIQUE (a, b DESC, c NULLS FIRST) INCLUDE (d) WHERE p".
func shapeOf(cols []string, desc, nulls []bool, unique bool, include []string, where string) string {
	var b strings.Builder
	if unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("(")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c)
		d := i < len(desc) && desc[i]
		b.WriteString(model.OrderSuffix(d, i < len(nulls) && nulls[i]))
	}
	b.WriteString(")")
	if len(include) > 0 {
		b.WriteString(" INCLUDE (" + strings.Join(include, ", ") + ")")
	}
	if where != "" {
		b.WriteString(" WHERE " + where)
	}
	return b.String()
}

func (ix index) shape() string {
	return shapeOf(ix.cols, ix.desc, ix.nulls, ix.unique, ix.include, ix.where)
}

func (l liveIndex) shape() string {
	return shapeOf(l.Cols, l.Desc, l.Nulls, l.Unique, l.Include, l.Where)
}

func (l liveIndex) ledBy(cols []string) bool {
	return l.Where == "" && len(cols) <= len(l.Cols) && slices.Equal(l.Cols[:len(cols)], cols)
}

var (
	castRE  = regexp.MustCompile(`::(character varying|timestamp with(out)? time zone|time with(out)? time zone|double precision|bit varying|[a-z_0-9]+)(\[\])?`)
	parenRE = regexp.MustCompile(`[()\s]+`)
)

// sameShape compares two shapes, normalising only the predicate: case, spaces,
// parentheses and casts (pg_get_expr writes "(status = 'a'::text)" for status = 'a').
func sameShape(a, b string) bool {
	ka, pa, _ := strings.Cut(a, " WHERE ")
	kb, pb, _ := strings.Cut(b, " WHERE ")
	norm := func(s string) string {
		s = strings.ToLower(s)
		s = castRE.ReplaceAllString(s, "")
		return strings.TrimSpace(parenRE.ReplaceAllString(s, " "))
	}
	return ka == kb && norm(pa) == norm(pb)
}
