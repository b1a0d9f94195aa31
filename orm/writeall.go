package orm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Set maps field or column names (checked against the model) to what an UPDATE writes
// into them: a value, sent as a bound parameter, or an [Expr] computed by the
// database (orm.Expr("visits + ?", 1)).
type Set map[string]any

// ErrMissingWhere is returned by [Select.UpdateAll] and [Select.DeleteAll] for a query
// without a condition: say Where(orm.AllRows) to touch every row on purpose.
var ErrMissingWhere = errors.New("orm: missing WHERE: add a condition, or Where(orm.AllRows) to touch every row")

// UpdateAll sets the columns of set on every row the query's Where conditions match,
// in one UPDATE, and returns the number of rows updated:
//
//	n, err := orm.Query[User](db).Where(orm.Eq{"team_id": 7}).UpdateAll(ctx, orm.Set{"active": false})
//
// A query without Where is refused with [ErrMissingWhere]; say Where(orm.AllRows) to
// update every row. Set keys are checked against the model and read-only columns
// cannot be set; an empty set is [ErrNothingToUpdate]. OrderBy, Limit, Offset, Columns,
// Join and Preload do not apply to an UPDATE and are an error. Nothing is sent when
// the call is refused.
func (q Select[T]) UpdateAll(ctx context.Context, set Set) (int64, error) {
	return q.execWrite(ctx, "UpdateAll", set, update)
}

// UpdateAllReturning is [Select.UpdateAll] returning the updated rows, every column
// read back, in no particular order.
func (q Select[T]) UpdateAllReturning(ctx context.Context, set Set) ([]T, error) {
	return q.queryWrite(ctx, "UpdateAllReturning", set, update)
}

// DeleteAll deletes every row the query's Where conditions match, in one DELETE, and
// returns the number of rows deleted. On a model with a soft-delete column it marks
// the live ones deleted instead (one UPDATE setting the column to now());
// [Select.HardDeleteAll] removes rows. As with [Select.UpdateAll], a query without
// Where is refused unless it says Where(orm.AllRows).
func (q Select[T]) DeleteAll(ctx context.Context) (int64, error) {
	return q.execWrite(ctx, "DeleteAll", nil, softDelete)
}

// DeleteAllReturning is [Select.DeleteAll] returning the deleted rows.
func (q Select[T]) DeleteAllReturning(ctx context.Context) ([]T, error) {
	return q.queryWrite(ctx, "DeleteAllReturning", nil, softDelete)
}

func (q Select[T]) execWrite(ctx context.Context, call string, set Set, del writeKind) (n int64, err error) {
	ctx, op := q.startOp(ctx, call)
	defer func() { op.End(n, err) }()
	q = q.in(ctx)
	sql, args, err := q.writeSQL(call, set, del, false)
	if err != nil {
		return 0, err
	}
	tag, err := q.db.q.Exec(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("orm: %s %s: %w", call, q.m.Table, err)
	}
	return tag.RowsAffected(), nil
}

func (q Select[T]) queryWrite(ctx context.Context, call string, set Set, del writeKind) (out []T, err error) {
	ctx, op := q.startOp(ctx, call)
	defer func() { op.End(int64(len(out)), err) }()
	q = q.in(ctx)
	sql, args, err := q.writeSQL(call, set, del, true)
	if err != nil {
		return nil, err
	}
	rows, err := scan.Query[T](ctx, q.db.q, sql, args, scan.NewRow(nil, q.m.Columns, nil), 0)
	if err != nil {
		return nil, fmt.Errorf("orm: %s %s: %w", call, q.m.Table, err)
	}
	return rows, nil
}

// writeSQL renders the UPDATE (set) or DELETE (del) of the rows q's conditions match,
// refusing what such a statement cannot honour.
func (q Select[T]) writeSQL(call string, set Set, kind writeKind, returning bool) (string, []any, error) {
	if err := q.err0(); err != nil {
		return "", nil, err
	}
	if q.db == nil {
		return "", nil, fmt.Errorf("orm: %s: query has no DB: build it with orm.Query[T](db)", call)
	}
	var unsupported string
	switch {
	case len(q.order) > 0:
		unsupported = "OrderBy"
	case q.limit >= 0:
		unsupported = "Limit"
	case q.offset >= 0:
		unsupported = "Offset"
	case len(q.cols) > 0:
		unsupported = "Columns"
	case len(q.joins) > 0:
		unsupported = "Join"
	case len(q.preloads) > 0:
		unsupported = "Preload"
	case q.lock.mode != "" || q.lock.wait != "":
		unsupported = "a row lock"
	case q.distinct != nil || len(q.group) > 0 || len(q.having) > 0:
		unsupported = "Distinct, GroupBy or Having"
	}
	if unsupported != "" {
		return "", nil, fmt.Errorf("orm: %s: %s does not apply to a bulk %s; keep only Where", call, unsupported, call)
	}
	m := q.m
	if empty, err := rendersNothing(q.where, m); err != nil {
		return "", nil, fmt.Errorf("orm: %s: %w", call, whereErr(err))
	} else if empty && !slices.ContainsFunc(q.where, sqlw.IsAllRows) {
		return "", nil, sentinel(call+" "+m.Table, ErrMissingWhere)
	}
	if i := slices.IndexFunc(q.where, alwaysTrue); i >= 0 {
		return "", nil, sentinel(fmt.Sprintf("%s %s: condition %d restricts nothing", call, m.Table, i+1), ErrMissingWhere)
	}
	if kind == softDelete && m.SoftDelete == nil {
		kind = hardDelete
	}
	w := sqlw.NewWriter(128 + len(m.SelectList))
	w.SetScopes(q.scopes)
	switch kind {
	case hardDelete:
		w.SQL("DELETE FROM ")
		w.SQL(m.QTable)
	case softDelete:
		w.SQL("UPDATE " + m.QTable + " SET " + m.SoftDelete.Quoted + " = now()")
	default:
		w.SQL("UPDATE ")
		w.SQL(m.QTable)
		w.SQL(" SET ")
		if err := writeSet(w, m, set); err != nil {
			return "", nil, fmt.Errorf("orm: %s: %w", call, err)
		}
	}
	where := q.where
	switch {
	case !q.unscoped:
		where = sqlw.ScopeConds(m, m.QTable, where)
	case kind == softDelete: // a soft delete touches live rows only
		where = append([]sqlw.Cond{sqlw.SoftDeleteCond(m, m.QTable)}, where...)
	}
	if err := w.Where(where, sqlw.Table{M: m}); err != nil {
		return "", nil, fmt.Errorf("orm: %s: %w", call, whereErr(err))
	}
	if returning {
		w.SQL(" RETURNING ")
		w.SQL(m.SelectList)
	}
	return w.String(), w.Args(), nil
}

// alwaysTrue reports whether c is a squirrel condition that restricts nothing: an
// empty sq.Eq or sq.And renders "(1=1)", which must not let an UPDATE or DELETE touch
// every row without orm.AllRows.
func alwaysTrue(c sqlw.Cond) bool {
	if sqlw.IsAllRows(c) {
		return false
	}
	sql, _, err := c.ToSql()
	s := strings.TrimSpace(sql)
	return err == nil && (s == "" || s == "(1=1)")
}

// writeSet writes "col = value, ..." in key order, values bound and Sqlizers
// rendered in place.
func writeSet(w *sqlw.Writer, m *model.Model, set Set) error {
	if len(set) == 0 {
		return ErrNothingToUpdate
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := map[*model.Column]string{}
	for i, k := range keys {
		c, err := m.Column(k)
		if err != nil {
			return err
		}
		if c.ReadOnly {
			return fmt.Errorf("column %q of %s is read-only", c.Name, m.Name)
		}
		if err := scopeColumn(m, c); err != nil {
			return err
		}
		if prev, dup := seen[c]; dup {
			return fmt.Errorf("%q and %q name the same column %s", prev, k, c.Name)
		}
		seen[c] = k
		if i > 0 {
			w.SQL(", ")
		}
		w.SQL(c.Quoted)
		w.SQL(" = ")
		if s, ok := set[k].(sq.Sqlizer); ok {
			e, err := sqlw.From(s)
			if err == nil {
				err = w.Cond(e, nil)
			}
			if err != nil {
				return fmt.Errorf("Set %q: %w", k, err)
			}
			continue
		}
		w.Arg(set[k])
	}
	return nil
}

// writeKind is what a where-write does.
type writeKind uint8

const (
	update     writeKind = iota
	softDelete           // DELETE, or UPDATE of the soft-delete column when the model has one
	hardDelete           // DELETE, also on a model with a soft-delete column
)

// rendersNothing reports whether conds write no condition (none given, or only ones
// that render nothing): a where-write needs one, or orm.AllRows.
func rendersNothing(conds []sqlw.Cond, m *model.Model) (bool, error) {
	var w sqlw.Writer
	if err := w.Where(conds, sqlw.Table{M: m}); err != nil {
		return false, err
	}
	return w.Len() == 0, nil
}

// HardDeleteAll deletes the rows the query matches with a real DELETE, on a model with
// a soft-delete column too (where [Select.DeleteAll] only marks them deleted). Already
// soft-deleted rows are left out unless the query is [Select.Unscoped]. Like
// DeleteAll, it needs a Where or orm.AllRows.
func (q Select[T]) HardDeleteAll(ctx context.Context) (int64, error) {
	return q.execWrite(ctx, "HardDeleteAll", nil, hardDelete)
}
