package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/batchorm/batchorm/internal/join"
	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/preload"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Select is an immutable SELECT over the model T. Every method returns a new Select and
// leaves its receiver untouched, so a base query can be stored, forked and shared by
// goroutines:
//
//	active := orm.Query[User](db).Where("deleted_at IS NULL")
//	admins := active.Where(orm.Eq{"role": "admin"}) // active is unchanged
//
// A mistake made while chaining (an unknown column, a bad relation path) is kept and
// returned by the method that builds or runs the query, naming the call that caused it.
// The column list is always explicit; batchorm never sends SELECT *.
type Select[T any] struct {
	db       *DB
	m        *model.Model
	err      error
	where    []sqlw.Cond
	order    []string
	limit    int64 // -1: none
	offset   int64 // -1: none
	cols     []string
	joins    []join.Spec
	preloads []preload.Spec
	keyset   *keyset.Plan // set by Paginate: the page's keyset condition
	lock     lock
	group    []string         // GroupBy names
	having   []sqlw.Cond      // Having conditions
	distinct []string         // nil: none; empty: DISTINCT; else DISTINCT ON these names
	unscoped bool             // the models' scopes (soft delete, value scopes) are lifted
	scopes   sqlw.ScopeValues // the values of value scopes, from the running call's context
}

// Query starts a SELECT over the model T on db. db may be nil for a query that is only
// rendered with [Select.ToSQL].
func Query[T any](db *DB) Select[T] {
	var m *model.Model
	err := fmt.Errorf("orm: Query[%v]: the model must be a struct type (rows are returned as []T): %w",
		reflect.TypeFor[T](), ErrInvalidModel)
	if reflect.TypeFor[T]().Kind() == reflect.Struct {
		if m, err = model.Of[T](); err != nil {
			err = fmt.Errorf("orm: Query: %w", err)
		}
	}
	return Select[T]{db: db, m: m, err: err, limit: -1, offset: -1}
}

func (q Select[T]) fail(call string, err error) Select[T] {
	if q.err == nil && err != nil {
		q.err = fmt.Errorf("orm: %s: %w", call, err)
	}
	return q
}

// Where adds a condition, joined to the others with AND. pred is one of:
//   - a SQL fragment with '?' placeholders and its args: Where("age > ? AND name <> ?", 30, "x")
//     (write a literal '?' as '??', for example the jsonb operator);
//   - a condition of this package: [Eq], [NotEq], [Lt], [Lte], [Gt], [Gte] maps, whose
//     keys are field or column names checked against the model ("Author.name" reaches
//     a joined relation), [IsNull], [Or], [And], [Not], [Expr], [AllRows];
//   - any squirrel Sqlizer (sq.Or{...}, sq.Expr(...)), rendered as it is.
//
// Values are always sent as bound parameters. When there is more than one condition,
// each is rendered in parentheses, so Where("a = ? OR b = ?", 1, 2).Where("c") means
// (a OR b) AND c.
func (q Select[T]) Where(pred any, args ...any) Select[T] {
	c, err := sqlw.From(pred, args...)
	if err != nil {
		return q.fail("Where", err)
	}
	q.where = append(slices.Clip(q.where), c)
	return q
}

// OrderBy appends sort keys. Each is a field or column name of the model (or
// "Relation.column" of a joined relation), optionally prefixed with "-" or followed by
// " DESC" / " ASC", then optionally " NULLS FIRST" / " NULLS LAST" ("-score NULLS
// LAST"). Unknown names are an error; nothing given here is pasted into SQL.
func (q Select[T]) OrderBy(keys ...string) Select[T] {
	q.order = append(slices.Clip(q.order), keys...)
	return q
}

// Limit caps the number of rows; a negative n removes the cap.
func (q Select[T]) Limit(n int) Select[T] {
	if n < 0 {
		q.limit = -1
	} else {
		q.limit = int64(n)
	}
	return q
}

// Offset skips n rows. Offset pagination reads and throws away every skipped row, so a
// deep page costs as much as all pages before it; prefer [Select.Paginate]. Like
// Limit, it is sent as a bound parameter: queries that differ only in Limit and
// Offset share one statement text (and one prepared statement).
func (q Select[T]) Offset(n int) Select[T] {
	if n < 0 {
		return q.fail("Offset", fmt.Errorf("negative offset %d", n))
	}
	q.offset = int64(n)
	return q
}

// Columns restricts the SELECT to the named fields or columns (the rest of each struct
// keeps its zero value). Key columns needed by preloads are added automatically.
func (q Select[T]) Columns(names ...string) Select[T] {
	if len(names) == 0 {
		return q.fail("Columns", fmt.Errorf("no column named"))
	}
	q.cols = append(slices.Clip(q.cols), names...)
	return q
}

func (q Select[T]) err0() error {
	if q.err != nil {
		return q.err
	}
	if q.m == nil {
		return fmt.Errorf("orm: query has no model")
	}
	return nil
}

// built is a rendered query with what is needed to scan its rows.
type built struct {
	sql  string
	args []any
	cols []*model.Column
	join *join.Plan
	plan *preload.Plan
}

// ToSQL renders the query without a database: its SQL (with $n placeholders) and args.
func (q Select[T]) ToSQL() (string, []any, error) {
	b, err := q.build()
	if err != nil {
		return "", nil, err
	}
	return b.sql, b.args, nil
}

func (q Select[T]) build() (*built, error) {
	st, b, err := q.statement()
	if err != nil {
		return nil, err
	}
	if b.sql, b.args, err = st.ToSQL(); err != nil {
		return nil, fmt.Errorf("orm: %w", whereErr(err))
	}
	return b, nil
}

// statement prepares q's SELECT of model rows and what is needed to scan them.
func (q Select[T]) statement() (*sqlw.Select, *built, error) {
	if err := q.err0(); err != nil {
		return nil, nil, err
	}
	if len(q.group) > 0 || len(q.having) > 0 {
		return nil, nil, errors.New("orm: GroupBy and Having read groups, not model rows: run the query with orm.Scan")
	}
	b := &built{}
	var err error
	if b.join, err = q.joinPlan(); err != nil {
		return nil, nil, err
	}
	if len(q.preloads) > 0 {
		newPlan := preload.For
		if q.unscoped {
			newPlan = preload.NewUnscoped
		}
		if b.plan, err = newPlan(q.m, q.preloads...); err != nil {
			return nil, nil, fmt.Errorf("orm: Preload: %w", err)
		}
		if err = b.plan.CheckScopes(q.scopes); err != nil {
			return nil, nil, fmt.Errorf("orm: Preload: %w", err)
		}
	}
	if b.cols, err = q.selectedColumns(); err != nil {
		return nil, nil, err
	}
	list := q.m.SelectList
	if len(q.cols) > 0 {
		list = q.m.QualifiedList(q.m.Table, b.cols)
	}
	st := sqlw.Select{Columns: list, From: q.m.QTable, Where: q.scoped(), Resolver: resolver{m: q.m, join: b.join},
		Limit: q.limit, Offset: q.offset, Scopes: q.scopes}
	if b.join != nil {
		st.Columns += ", " + b.join.SelectList()
		st.FromItem = b.join
	}
	if st.Lock, err = q.lockSQL(b.join != nil); err != nil {
		return nil, nil, err
	}
	if st.OrderBy, err = q.orderSQL(b.join); err != nil {
		return nil, nil, err
	}
	if q.keyset != nil {
		q.applyKeyset(&st, b.cols, b.join)
	}
	if st.Distinct, err = q.distinctSQL(b.join); err != nil {
		return nil, nil, err
	}
	return &st, b, nil
}

// joinPlan returns the plan of q's joins, or nil without joins.
func (q Select[T]) joinPlan() (*join.Plan, error) {
	if len(q.joins) == 0 {
		return nil, nil
	}
	newPlan := join.New
	if q.unscoped {
		newPlan = join.NewUnscoped
	}
	jp, err := newPlan(q.m, q.joins...)
	if err != nil {
		return nil, fmt.Errorf("orm: Join: %w", err)
	}
	return jp, nil
}

// whereErr names the call that gave a condition the renderer refused.
// A missing scope value names itself.
func whereErr(err error) error {
	if se := (*ScopeError)(nil); errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("Where: %w", err)
}

func (q Select[T]) selectedColumns() ([]*model.Column, error) {
	if len(q.cols) == 0 {
		return q.m.Columns, nil
	}
	seen := map[*model.Column]bool{}
	var out []*model.Column
	add := func(c *model.Column) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, n := range q.cols {
		c, err := q.m.Column(n)
		if err != nil {
			return nil, fmt.Errorf("orm: Columns: %w", err)
		}
		add(c)
	}
	if len(q.preloads) > 0 {
		for _, c := range preload.KeyColumns(q.m, q.preloads...) {
			add(c)
		}
	}
	return out, nil
}

func (q Select[T]) orderSQL(jp *join.Plan) ([]string, error) {
	r := resolver{m: q.m, join: jp}
	out := make([]string, 0, len(q.order))
	for _, key := range q.order {
		k, err := model.ParseOrderKey(key)
		if err != nil {
			return nil, fmt.Errorf("orm: OrderBy(%q): %w", key, err)
		}
		col, err := r.Column(k.Name)
		if err != nil {
			return nil, fmt.Errorf("orm: OrderBy(%q): %w", key, err)
		}
		out = append(out, col+model.OrderSuffix(k.Desc, k.NullsFirst()))
	}
	return out, nil
}

// columnPosition returns the 1-based position of a column, by name, among cols (the
// head of the select list).
func columnPosition(cols []*model.Column) func(name string) int {
	return func(name string) int {
		return 1 + slices.IndexFunc(cols, func(c *model.Column) bool { return c.Name == name })
	}
}

// resolver turns field names into quoted, qualified column references.
type resolver struct {
	m    *model.Model
	join *join.Plan
}

// Base implements sqlw.Scope: conditions such as Has reach the model's relations.
func (r resolver) Base() (*model.Model, string) { return r.m, r.m.QTable }

// Column implements sqlw.Resolver.
func (r resolver) Column(name string) (string, error) {
	if r.join != nil && strings.Contains(name, ".") {
		return r.join.Column(name)
	}
	if strings.Contains(name, ".") {
		return "", fmt.Errorf("%q names a relation that is not joined: add Join(%q)", name, name[:strings.LastIndex(name, ".")])
	}
	c, err := r.m.Column(name)
	if err != nil {
		return "", err
	}
	return c.Qualified, nil
}

// scoped returns q's conditions after its model's scope (the soft-delete condition),
// unless q is Unscoped.
func (q Select[T]) scoped() []sqlw.Cond {
	if q.unscoped {
		return q.where
	}
	return sqlw.ScopeConds(q.m, q.m.QTable, q.where)
}

// in returns q with the scope values of ctx, which its statements bind.
func (q Select[T]) in(ctx context.Context) Select[T] {
	q.scopes = sqlw.ScopesFrom(ctx)
	return q
}

// Unscoped lifts the models' scopes for this query, its joins and its preloads: rows
// soft-deleted (a non-NULL `orm:"softdelete"` column) are read too. Every query
// leaves them out by default; Count, pages, UpdateAll and relation filters included.
func (q Select[T]) Unscoped() Select[T] {
	q.unscoped = true
	return q
}
