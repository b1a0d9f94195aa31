package bulk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlb"
)

// Set is the SET list of [UpdateWhere]: field or column names (checked against the
// model) mapped to values. A value is sent as a bound parameter, or rendered as SQL
// when it is an [Expr] (or any squirrel Sqlizer).
type Set map[string]any

// Expr is a SQL expression with '?' placeholders and their arguments, for a [Set]
// value computed by the database (bulk.Expr("visits + ?", 1)) or a WHERE condition
// (bulk.Expr("age > ?", 30)). Identifiers inside it are written by the caller and
// not checked; arguments are bound parameters.
func Expr(sql string, args ...any) sq.Sqlizer { return sq.Expr(sql, args...) }

// Eq is a WHERE condition on field or column names (checked against the model): each
// key equals its value. A nil value renders IS NULL, a slice (other than []byte)
// renders = ANY($n) with one array parameter.
type Eq map[string]any

// ToSql implements squirrel's Sqlizer; it refuses, because the keys must be checked
// against a model first: pass the map to [UpdateWhere] or [DeleteWhere].
func (e Eq) ToSql() (string, []any, error) {
	return "", nil, errors.New("bulk: bulk.Eq used outside a bulk call: its keys must be checked against a model")
}

type allRows struct{}

// ToSql renders no condition.
func (allRows) ToSql() (string, []any, error) { return "", nil, nil }

// AllRows is the explicit "no WHERE" condition: [UpdateWhere] and [DeleteWhere]
// refuse to run without a condition unless it is given.
var AllRows sq.Sqlizer = allRows{}

// UpdateWhere runs one UPDATE of the model's table setting the columns of set on the
// rows matching every condition in where, and returns the number of rows updated.
// A condition is an [Eq], an [Expr] or any squirrel Sqlizer; several are joined with
// AND. No condition is [ErrMissingWhere] unless [AllRows] is given; an empty set is
// [ErrNothingToUpdate]; an unknown name is a *[ColumnError]; read-only columns cannot
// be set. Nothing is sent when the arguments are refused.
func UpdateWhere[T any](ctx context.Context, q Querier, set Set, where ...sq.Sqlizer) (_ int64, err error) {
	defer tidy(&err)
	m, err := modelOf[T]("UpdateWhere")
	if err != nil {
		return 0, err
	}
	sql, args, err := renderUpdateWhere(m, set, where, false)
	if err != nil {
		return 0, err
	}
	return execCount(ctx, q, "UpdateWhere", m, sql, args)
}

// UpdateWhereReturning is [UpdateWhere] returning the updated rows, every column read
// back (RETURNING), in no particular order.
func UpdateWhereReturning[T any](ctx context.Context, q Querier, set Set, where ...sq.Sqlizer) (_ []T, err error) {
	defer tidy(&err)
	m, err := modelOf[T]("UpdateWhereReturning")
	if err != nil {
		return nil, err
	}
	sql, args, err := renderUpdateWhere(m, set, where, true)
	if err != nil {
		return nil, err
	}
	return queryRows[T](ctx, q, "UpdateWhereReturning", m, sql, args)
}

// DeleteWhere runs one DELETE from the model's table of the rows matching every
// condition in where (see [UpdateWhere]) and returns the number of rows deleted. No
// condition is [ErrMissingWhere] unless [AllRows] is given.
func DeleteWhere[T any](ctx context.Context, q Querier, where ...sq.Sqlizer) (_ int64, err error) {
	defer tidy(&err)
	m, err := modelOf[T]("DeleteWhere")
	if err != nil {
		return 0, err
	}
	sql, args, err := renderDeleteWhere(m, where, false)
	if err != nil {
		return 0, err
	}
	return execCount(ctx, q, "DeleteWhere", m, sql, args)
}

// DeleteWhereReturning is [DeleteWhere] returning the deleted rows, in no particular
// order.
func DeleteWhereReturning[T any](ctx context.Context, q Querier, where ...sq.Sqlizer) (_ []T, err error) {
	defer tidy(&err)
	m, err := modelOf[T]("DeleteWhereReturning")
	if err != nil {
		return nil, err
	}
	sql, args, err := renderDeleteWhere(m, where, true)
	if err != nil {
		return nil, err
	}
	return queryRows[T](ctx, q, "DeleteWhereReturning", m, sql, args)
}

func renderUpdateWhere(m *model.Model, set Set, where []sq.Sqlizer, returning bool) (string, []any, error) {
	const call = "UpdateWhere"
	if len(set) == 0 {
		return "", nil, fmt.Errorf("bulk: %s: %w", call, ErrNothingToUpdate)
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ub := sqlb.Builder.Update(m.QTable)
	seen := map[*model.Column]string{}
	for _, k := range keys {
		c, err := m.Column(k)
		if err != nil {
			return "", nil, fmt.Errorf("bulk: %s: %w", call, err)
		}
		if c.ReadOnly {
			return "", nil, fmt.Errorf("bulk: %s: column %q of %s is read-only: %w", call, c.Name, m.Name, ErrInvalidOption)
		}
		if prev, dup := seen[c]; dup {
			return "", nil, fmt.Errorf("bulk: %s: %q and %q name the same column %s", call, prev, k, c.Name)
		}
		seen[c] = k
		ub = ub.Set(c.Quoted, set[k])
	}
	conds, err := resolveWhere(m, call, where)
	if err != nil {
		return "", nil, err
	}
	for _, w := range conds {
		ub = ub.Where(parens(w, len(conds)))
	}
	if returning {
		ub = ub.Suffix("RETURNING " + m.QualifiedList(m.Table, m.Columns))
	}
	sql, args, err := ub.ToSql()
	if err != nil {
		return "", nil, fmt.Errorf("bulk: %s: render: %w", call, err)
	}
	return sql, args, nil
}

func renderDeleteWhere(m *model.Model, where []sq.Sqlizer, returning bool) (string, []any, error) {
	const call = "DeleteWhere"
	conds, err := resolveWhere(m, call, where)
	if err != nil {
		return "", nil, err
	}
	db := sqlb.Builder.Delete(m.QTable)
	for _, w := range conds {
		db = db.Where(parens(w, len(conds)))
	}
	if returning {
		db = db.Suffix("RETURNING " + m.QualifiedList(m.Table, m.Columns))
	}
	sql, args, err := db.ToSql()
	if err != nil {
		return "", nil, fmt.Errorf("bulk: %s: render: %w", call, err)
	}
	return sql, args, nil
}

// parens puts one of n conditions in parentheses when n > 1: squirrel ANDs WHERE parts
// as they are, so Expr("a = ? OR b = ?") followed by another condition would read
// "a = $1 OR (b = $2 AND ...)". (sq.And of one part is that part in parentheses.)
func parens(w sq.Sqlizer, n int) sq.Sqlizer {
	if n > 1 {
		return sq.And{w}
	}
	return w
}

// resolveWhere checks the conditions: Eq keys against the model, no nil, no condition
// that renders nothing, and at least one condition unless AllRows is given.
func resolveWhere(m *model.Model, call string, where []sq.Sqlizer) ([]sq.Sqlizer, error) {
	var out []sq.Sqlizer
	all := false
	for i, w := range where {
		switch c := w.(type) {
		case nil:
			return nil, fmt.Errorf("bulk: %s: condition %d is nil", call, i)
		case allRows:
			all = true
			continue
		case Eq:
			s, err := c.resolve(m)
			if err != nil {
				return nil, fmt.Errorf("bulk: %s: %w", call, err)
			}
			w = s
		}
		sql, _, err := w.ToSql()
		if err != nil {
			return nil, fmt.Errorf("bulk: %s: condition %d: %w", call, i, err)
		}
		if s := strings.TrimSpace(sql); s == "" || s == "(1=1)" {
			return nil, fmt.Errorf("bulk: %s: condition %d (%T) renders no condition: %w", call, i, w, ErrMissingWhere)
		}
		out = append(out, w)
	}
	if len(out) == 0 && !all {
		return nil, fmt.Errorf("bulk: %s: %w", call, ErrMissingWhere)
	}
	return out, nil
}

func (e Eq) resolve(m *model.Model) (sq.Sqlizer, error) {
	if len(e) == 0 {
		return nil, fmt.Errorf("empty bulk.Eq: %w", ErrMissingWhere)
	}
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	and := make(sq.And, 0, len(keys))
	for _, k := range keys {
		c, err := m.Column(k)
		if err != nil {
			return nil, err
		}
		v := e[k]
		rv := reflect.ValueOf(v)
		switch {
		case v == nil || (rv.Kind() == reflect.Pointer && rv.IsNil()):
			and = append(and, sq.Expr(c.Quoted+" IS NULL"))
		case (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) && rv.Type().Elem().Kind() != reflect.Uint8:
			and = append(and, sq.Expr(c.Quoted+" = ANY(?)", v))
		default:
			and = append(and, sq.Expr(c.Quoted+" = ?", v))
		}
	}
	if len(and) == 1 {
		return and[0], nil
	}
	return and, nil
}

func execCount(ctx context.Context, q Querier, call string, m *model.Model, sql string, args []any) (int64, error) {
	if q == nil {
		return 0, fmt.Errorf("bulk: %s: nil Querier", call)
	}
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("bulk: %s %s: %w", call, m.Table, err)
	}
	return tag.RowsAffected(), nil
}

// queryRows runs sql and scans every row, all columns of the model, into a new []T.
func queryRows[T any](ctx context.Context, q Querier, call string, m *model.Model, sql string, args []any) ([]T, error) {
	if q == nil {
		return nil, fmt.Errorf("bulk: %s: nil Querier", call)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("bulk: %s %s: %w", call, m.Table, err)
	}
	defer rows.Close()
	out, err := scanAll[T](rows, m)
	if err != nil {
		return nil, fmt.Errorf("bulk: %s %s: %w", call, m.Table, err)
	}
	return out, nil
}

func scanAll[T any](rows pgx.Rows, m *model.Model) ([]T, error) {
	out := []T{}
	isPtr := reflect.TypeFor[T]().Kind() == reflect.Pointer
	dest := make([]any, len(m.Columns))
	for rows.Next() {
		var item T
		base := basePtr(&item, isPtr, m)
		for i, c := range m.Columns {
			dest[i] = c.Ptr(base)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, item)
	}
	return out, rows.Err()
}
