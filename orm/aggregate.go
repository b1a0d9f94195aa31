package orm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/georgysavva/scany/v2/pgxscan"

	"github.com/batchorm/batchorm/internal/join"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Agg is one column of an aggregate query run by [Scan]: a grouped column ([Col]) or an
// aggregate function ([Count], [Sum], ...), named by As for the DTO field it fills.
// It is a value: As returns a copy.
type Agg struct {
	fn       string // "" for a plain column; "count", "sum", ...
	name     string // the model column, or "" for count(*) and raw expressions
	distinct bool
	raw      string // AggExpr's SQL
	alias    string
}

// Col selects a column (field or column name of the model, "Relation.column" of a
// joined relation), named after the column unless As renames it.
func Col(name string) Agg { return Agg{name: name} }

// Count counts the rows of each group: count(*).
func Count() Agg { return Agg{fn: "count"} }

// CountOf counts the non-NULL values of a column; CountDistinct its distinct values.
func CountOf(name string) Agg { return Agg{fn: "count", name: name} }

// CountDistinct counts the distinct non-NULL values of a column.
func CountDistinct(name string) Agg { return Agg{fn: "count", name: name, distinct: true} }

// Sum adds up a column; Avg, Min and Max likewise aggregate one.
func Sum(name string) Agg { return Agg{fn: "sum", name: name} }

// Avg averages a column.
func Avg(name string) Agg { return Agg{fn: "avg", name: name} }

// Min is a column's smallest value.
func Min(name string) Agg { return Agg{fn: "min", name: name} }

// Max is a column's largest value.
func Max(name string) Agg { return Agg{fn: "max", name: name} }

// AggExpr is an aggregate written as SQL, for the functions above do not cover
// (percentile_cont(0.5) WITHIN GROUP (ORDER BY score), string_agg(...)). Its names
// are not checked and it takes no arguments: never build it from user input.
func AggExpr(sql string) Agg { return Agg{fn: "expr", raw: sql} }

// As names the result column, and so the DTO field it fills (by db tag or snake_case
// field name, as scany maps them).
func (a Agg) As(name string) Agg { a.alias = name; return a }

// label returns the output name of a.
func (a Agg) label() (string, error) {
	switch {
	case a.alias != "":
		return a.alias, nil
	case a.fn == "" && a.name != "":
		if i := strings.LastIndexByte(a.name, '.'); i >= 0 {
			return a.name[i+1:], nil
		}
		return model.SnakeCase(a.name), nil
	}
	return "", fmt.Errorf("%s needs As(name) to name its result column", a.describe())
}

func (a Agg) describe() string {
	switch a.fn {
	case "":
		return fmt.Sprintf("Col(%q)", a.name)
	case "expr":
		return fmt.Sprintf("AggExpr(%q)", a.raw)
	case "count":
		if a.name == "" {
			return "Count()"
		}
	}
	return fmt.Sprintf("%s(%q)", a.fn, a.name)
}

// sql renders a's expression with names resolved by r.
func (a Agg) sql(r sqlw.Resolver) (string, error) {
	if a.fn == "expr" {
		return a.raw, nil
	}
	if a.fn == "count" && a.name == "" {
		return "count(*)", nil
	}
	col, err := r.Column(a.name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", a.describe(), err)
	}
	switch {
	case a.fn == "":
		return col, nil
	case a.distinct:
		return a.fn + "(DISTINCT " + col + ")", nil
	}
	return a.fn + "(" + col + ")", nil
}

// GroupBy groups the rows by the named columns (field or column names, checked), for
// [Scan]: each result row is a group.
func (q Select[T]) GroupBy(names ...string) Select[T] {
	if len(names) == 0 {
		return q.fail("GroupBy", errors.New("no column named"))
	}
	q.group = append(slices.Clip(q.group), names...)
	return q
}

// Having adds a condition on the groups of a query with GroupBy, taking what Where
// takes; names in its maps may be the As names of the query's aggregates
// (orm.Gt{"posts": 10}) or model columns. HAVING without GROUP BY is an error.
func (q Select[T]) Having(pred any, args ...any) Select[T] {
	c, err := sqlw.From(pred, args...)
	if err != nil {
		return q.fail("Having", err)
	}
	q.having = append(slices.Clip(q.having), c)
	return q
}

// Distinct returns each distinct row once (SELECT DISTINCT).
func (q Select[T]) Distinct() Select[T] {
	q.distinct = []string{}
	return q
}

// DistinctOn returns the first row of each group of rows equal on the named columns
// (SELECT DISTINCT ON), first in the query's order, which must start with them.
func (q Select[T]) DistinctOn(names ...string) Select[T] {
	if len(names) == 0 {
		return q.fail("DistinctOn", errors.New("no column named"))
	}
	q.distinct = append(slices.Clip(q.distinct), names...)
	return q
}

// distinctSQL renders DISTINCT or DISTINCT ON (...), checking that the order starts
// with the DISTINCT ON columns.
func (q Select[T]) distinctSQL(jp *join.Plan) (string, error) {
	switch {
	case q.distinct == nil:
		return "", nil
	case len(q.distinct) == 0:
		return "DISTINCT", nil
	}
	r := resolver{m: q.m, join: jp}
	cols := make([]string, len(q.distinct))
	for i, n := range q.distinct {
		c, err := r.Column(n)
		if err != nil {
			return "", fmt.Errorf("orm: DistinctOn: %w", err)
		}
		cols[i] = c
	}
	order, err := q.orderSQL(jp)
	if err != nil {
		return "", err
	}
	for i, c := range cols {
		if len(order) > 0 && (i >= len(order) || (order[i] != c && !strings.HasPrefix(order[i], c+" "))) {
			return "", fmt.Errorf("orm: DistinctOn: the order must start with %s", strings.Join(q.distinct, ", "))
		}
	}
	return "DISTINCT ON (" + strings.Join(cols, ", ") + ")", nil
}

// Scan runs q as an aggregate query, selecting cols (grouped columns and aggregates),
// and scans each row into an R, a DTO struct whose fields match the As names (or a
// scalar for a single column), with scany:
//
//	type AuthorStats struct {
//		UserID int64   `db:"user_id"`
//		Posts  int64   `db:"posts"`
//		Best   float64 `db:"best"`
//	}
//	stats, err := orm.Scan[AuthorStats](ctx, orm.Query[Post](db).Where(orm.Eq{"published": true}).
//		GroupBy("user_id").Having(orm.Gt{"posts": 2}).OrderBy("-posts"),
//		orm.Col("user_id"), orm.Count().As("posts"), orm.Max("score").As("best"))
//
// Names are checked against the model (and joined relations); OrderBy may name an As
// name. One statement. Preload and row locks do not apply and are errors, as are an
// aggregate without As and Having without GroupBy, before anything is sent.
func Scan[R any, T any](ctx context.Context, q Select[T], cols ...Agg) (_ []R, err error) {
	ctx, op := q.db.startOp(ctx, "Scan", q.m)
	defer func() { op.End(-1, err) }()
	q = q.in(ctx)
	sql, args, err := q.aggregateSQL(cols)
	if err != nil {
		return nil, err
	}
	db, err := q.querier()
	if err != nil {
		return nil, err
	}
	var out []R
	if err := pgxscan.Select(ctx, db, &out, sql, args...); err != nil {
		return nil, fmt.Errorf("orm: Scan %s: %w", q.m.Table, err)
	}
	if out == nil {
		out = []R{}
	}
	return out, nil
}

// aggregateSQL renders q's aggregate query selecting cols.
func (q Select[T]) aggregateSQL(cols []Agg) (string, []any, error) {
	if err := q.err0(); err != nil {
		return "", nil, err
	}
	switch {
	case len(cols) == 0:
		return "", nil, errors.New("orm: Scan: no column to select: give orm.Col or an aggregate such as orm.Count()")
	case len(q.preloads) > 0:
		return "", nil, errors.New("orm: Scan: Preload does not apply to an aggregate query")
	case q.lock.mode != "" || q.lock.wait != "":
		return "", nil, errors.New("orm: Scan: a row lock does not apply to an aggregate query")
	case len(q.having) > 0 && len(q.group) == 0:
		return "", nil, errors.New("orm: Scan: Having needs GroupBy")
	}
	jp, err := q.joinPlan()
	if err != nil {
		return "", nil, err
	}
	r := resolver{m: q.m, join: jp}
	aggs := aggResolver{base: r, exprs: map[string]string{}}
	list := make([]string, len(cols))
	for i, a := range cols {
		label, err := a.label()
		if err == nil {
			var expr string
			if expr, err = a.sql(r); err == nil {
				aggs.exprs[label] = expr
				list[i] = expr + " AS " + sqlw.QuoteIdent(label)
			}
		}
		if err != nil {
			return "", nil, fmt.Errorf("orm: Scan: %w", err)
		}
	}
	st := sqlw.Select{Columns: strings.Join(list, ", "), From: q.m.QTable, Where: q.scoped(), Resolver: r,
		Having: q.having, HavingResolver: aggs, Limit: q.limit, Offset: q.offset, Scopes: q.scopes}
	if jp != nil {
		st.FromItem = jp
	}
	for _, g := range q.group {
		c, err := r.Column(g)
		if err != nil {
			return "", nil, fmt.Errorf("orm: GroupBy: %w", err)
		}
		st.GroupBy = append(st.GroupBy, c)
	}
	if st.OrderBy, err = q.aggregateOrder(r, aggs); err != nil {
		return "", nil, err
	}
	if st.Distinct, err = q.distinctSQL(jp); err != nil {
		return "", nil, err
	}
	sql, args, err := st.ToSQL()
	if err != nil {
		return "", nil, fmt.Errorf("orm: Scan: %w", err)
	}
	return sql, args, nil
}

// aggregateOrder resolves OrderBy keys against the aggregates' As names first, then
// the model.
func (q Select[T]) aggregateOrder(r resolver, aggs aggResolver) ([]string, error) {
	out := make([]string, 0, len(q.order))
	for _, key := range q.order {
		k, err := model.ParseOrderKey(key)
		if err != nil {
			return nil, fmt.Errorf("orm: OrderBy(%q): %w", key, err)
		}
		col := sqlw.QuoteIdent(k.Name)
		if _, ok := aggs.exprs[k.Name]; !ok {
			if col, err = r.Column(k.Name); err != nil {
				return nil, fmt.Errorf("orm: OrderBy(%q): %w", key, err)
			}
		}
		out = append(out, col+model.OrderSuffix(k.Desc, k.NullsFirst()))
	}
	return out, nil
}

// aggResolver resolves HAVING names: an aggregate's As name to its expression (HAVING
// cannot name output columns), else a model column.
type aggResolver struct {
	base  resolver
	exprs map[string]string
}

// Column implements sqlw.Resolver.
func (a aggResolver) Column(name string) (string, error) {
	if e, ok := a.exprs[name]; ok {
		return e, nil
	}
	return a.base.Column(name)
}
