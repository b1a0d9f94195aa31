package orm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"unsafe"

	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// errStop ends a row loop whose consumer stopped.
var errStop = errors.New("stop")

// ErrMultipleRows is returned by [Select.One] when more than one row matches.
var ErrMultipleRows = errors.New("orm: more than one row matches")

func (q Select[T]) querier() (Querier, error) {
	if q.db == nil {
		return nil, errors.New("orm: query has no DB: build it with orm.Query[T](db)")
	}
	if err := q.checkLock(); err != nil {
		return nil, err
	}
	return q.db.reader(), nil
}

// ready builds q and returns it with the querier to send it on.
func (q Select[T]) ready() (*built, Querier, error) {
	b, err := q.build()
	if err != nil {
		return nil, nil, err
	}
	db, err := q.querier()
	if err != nil {
		return nil, nil, err
	}
	return b, db, nil
}

// All runs the query and returns every row, with the preloads loaded (one statement per
// relation edge, siblings pipelined). The number of statements does not depend on the
// number of rows: 1 plus one round trip per preload depth.
func (q Select[T]) All(ctx context.Context) (items []T, err error) {
	ctx, op := q.startOp(ctx, "All")
	defer func() { op.End(int64(len(items)), err) }()
	q = q.in(ctx)
	b, db, err := q.ready()
	if err != nil {
		return nil, err
	}
	items, err = fetch[T](ctx, db, b, q.limit)
	if err != nil {
		return nil, err
	}
	if b.plan != nil && len(items) > 0 {
		if err := b.plan.Load(ctx, db, items); err != nil {
			return nil, fmt.Errorf("orm: %w", err)
		}
	}
	return items, nil
}

// One returns the only row the query matches: [ErrNotFound] when there is none and
// [ErrMultipleRows] when there are several.
func (q Select[T]) One(ctx context.Context) (_ T, err error) {
	ctx, op := q.startOp(ctx, "One")
	defer func() { op.End(oneRow(err), err) }()
	var zero T
	items, err := q.Limit(2).All(ctx)
	if err != nil {
		return zero, err
	}
	switch len(items) {
	case 0:
		return zero, ErrNotFound
	case 1:
		return items[0], nil
	default:
		return zero, ErrMultipleRows
	}
}

// First returns the first row in the query's order (by primary key when no order is
// set), or [ErrNotFound].
func (q Select[T]) First(ctx context.Context) (_ T, err error) {
	ctx, op := q.startOp(ctx, "First")
	defer func() { op.End(oneRow(err), err) }()
	var zero T
	if len(q.order) == 0 && q.m != nil {
		for _, c := range q.m.PK {
			q = q.OrderBy(c.Name)
		}
	}
	items, err := q.Limit(1).All(ctx)
	if err != nil {
		return zero, err
	}
	if len(items) == 0 {
		return zero, ErrNotFound
	}
	return items[0], nil
}

// Count returns the number of rows the query matches (within its Limit and Offset).
func (q Select[T]) Count(ctx context.Context) (_ int64, err error) {
	ctx, op := q.startOp(ctx, "Count")
	defer func() { op.End(-1, err) }()
	q = q.in(ctx)
	sql, args, err := q.countSQL()
	if err != nil {
		return 0, err
	}
	db, err := q.querier()
	if err != nil {
		return 0, err
	}
	var n int64
	if err := db.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("orm: count %s: %w", q.m.Table, err)
	}
	return n, nil
}

func (q Select[T]) countSQL() (string, []any, error) {
	return q.wrapped("SELECT count(*) FROM (", ") AS c")
}

// Exists reports whether the query matches at least one row.
func (q Select[T]) Exists(ctx context.Context) (_ bool, err error) {
	ctx, op := q.startOp(ctx, "Exists")
	defer func() { op.End(-1, err) }()
	q = q.in(ctx)
	sql, args, err := q.wrapped("SELECT EXISTS (", ")")
	if err != nil {
		return false, err
	}
	db, err := q.querier()
	if err != nil {
		return false, err
	}
	var ok bool
	if err := db.QueryRow(ctx, sql, args...).Scan(&ok); err != nil {
		return false, fmt.Errorf("orm: exists %s: %w", q.m.Table, err)
	}
	return ok, nil
}

// wrapped renders the query selecting only 1 (no ORDER BY) inside pre and post.
func (q Select[T]) wrapped(pre, post string) (string, []any, error) {
	if err := q.err0(); err != nil {
		return "", nil, err
	}
	if q.lock.mode != "" || q.lock.wait != "" {
		return "", nil, errors.New("orm: a row lock does not apply to Count or Exists: count the rows without locking them")
	}
	if q.distinct != nil || len(q.group) > 0 || len(q.having) > 0 {
		return "", nil, errors.New("orm: Count and Exists count rows: for groups or distinct values, use orm.Scan with orm.Count()")
	}
	jp, err := q.joinPlan()
	if err != nil {
		return "", nil, err
	}
	if _, err := q.selectedColumns(); err != nil { // refused here as by All
		return "", nil, err
	}
	st := sqlw.Select{Prefix: pre, Columns: "1", From: q.m.QTable, Where: q.scoped(), Resolver: resolver{m: q.m, join: jp},
		Limit: q.limit, Offset: q.offset, Suffix: post, Scopes: q.scopes}
	if jp != nil {
		st.FromItem = jp
	}
	sql, args, err := st.ToSQL()
	if err != nil {
		return "", nil, fmt.Errorf("orm: %w", whereErr(err))
	}
	return sql, args, nil
}

// Iter runs the query and yields its rows one at a time without holding them all: the
// memory used does not grow with the number of rows. The connection stays acquired
// until the loop ends; breaking out of the loop closes the rows. A query with preloads
// cannot stream (each row would need its own statements): use [Select.Batches] or
// [Select.Each], which preload a batch at a time.
func (q Select[T]) Iter(ctx context.Context) iter.Seq2[T, error] {
	q = q.in(ctx)
	return func(yield func(T, error) bool) {
		ctx, op := q.startOp(ctx, "Iter")
		n, err := int64(0), error(nil)
		defer func() {
			if op.Live() {
				if p := recover(); p != nil { // from the loop's body: end the span, go on
					op.EndPanicked()
					panic(p)
				}
			}
			op.End(n, err)
		}()
		var zero T
		b, err := q.build()
		if err == nil && b.plan != nil {
			err = errors.New("orm: Iter cannot preload: iterate with Select.Batches or Select.Each, which preload a batch at a time")
		}
		var db Querier
		if err == nil {
			db, err = q.querier()
		}
		if err != nil {
			yield(zero, err)
			return
		}
		rows, err := db.Query(ctx, b.sql, b.args...)
		if err != nil {
			yield(zero, fmt.Errorf("orm: query %s: %w", q.m.Table, err))
			return
		}
		r := b.row()
		err = scan.Each(rows, func() error {
			var item T
			if err := r.Scan(rows, unsafe.Pointer(&item)); err != nil {
				return err
			}
			n++
			if !yield(item, nil) {
				return errStop
			}
			return nil
		})
		if err == errStop {
			err = nil
		}
		if err != nil {
			yield(zero, fmt.Errorf("orm: query %s: %w", q.m.Table, err))
		}
	}
}

// row returns the scanner of b's rows: the selected columns, then the joined ones.
func (b *built) row() *scan.Row {
	if b.join != nil {
		return scan.NewRow(nil, b.cols, b.join.NewScanner())
	}
	return scan.NewRow(nil, b.cols, nil)
}

// hint is the number of rows to make room for: the limit when set.
func hint(limit int64) int { return int(max(min(limit, 1024), 0)) }

// fetch runs b and scans every row into a new slice.
func fetch[T any](ctx context.Context, db Querier, b *built, limit int64) ([]T, error) {
	items, err := scan.Query[T](ctx, db, b.sql, b.args, b.row(), hint(limit))
	if err != nil {
		return nil, fmt.Errorf("orm: query: %w", err)
	}
	return items, nil
}

// fetchCounted sends b and the COUNT statement count in one round trip (a pipelined
// batch) and returns the rows and the count.
func fetchCounted[T any](ctx context.Context, db Querier, b *built, limit int64, count string, countArgs []any) ([]T, int64, error) {
	items, total, err := scan.QueryCounted[T](ctx, db, b.sql, b.args, b.row(), hint(limit), count, countArgs)
	if err != nil {
		return nil, 0, fmt.Errorf("orm: query: %w", err)
	}
	return items, total, nil
}
