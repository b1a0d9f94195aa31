package orm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlb"
	"github.com/batchorm/batchorm/loader"
)

// ErrMultipleRows is returned by [Select.One] when more than one row matches.
var ErrMultipleRows = errors.New("orm: more than one row matches")

func (q Select[T]) querier() (Querier, error) {
	if q.db == nil {
		return nil, errors.New("orm: query has no DB: build it with orm.Query[T](db)")
	}
	return q.db.q, nil
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
func (q Select[T]) All(ctx context.Context) ([]T, error) {
	b, db, err := q.ready()
	if err != nil {
		return nil, err
	}
	items, err := fetch[T](ctx, db, b, q.limit)
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
func (q Select[T]) One(ctx context.Context) (T, error) {
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
func (q Select[T]) First(ctx context.Context) (T, error) {
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
func (q Select[T]) Count(ctx context.Context) (int64, error) {
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
func (q Select[T]) Exists(ctx context.Context) (bool, error) {
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
	jp, err := q.joinPlan()
	if err != nil {
		return "", nil, err
	}
	if _, err := q.selectedColumns(); err != nil { // refused here as by All
		return "", nil, err
	}
	from := q.m.QTable
	if jp != nil {
		from = jp.From()
	}
	st := sqlb.Select{Prefix: pre, Columns: "1", From: from, Limit: q.limit, Offset: q.offset, Suffix: post}
	if st.Where, err = q.conditions(jp); err != nil {
		return "", nil, fmt.Errorf("orm: %w", err)
	}
	sql, args, err := st.ToSQL()
	if err != nil {
		return "", nil, fmt.Errorf("orm: render: %w", err)
	}
	return sql, args, nil
}

// Iter runs the query and yields its rows one at a time without holding them all: the
// memory used does not grow with the number of rows. The connection stays acquired
// until the loop ends; breaking out of the loop closes the rows. A query with preloads
// cannot stream (each row would need its own statements): use paginate's batch
// iteration, which preloads a batch at a time.
func (q Select[T]) Iter(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		b, err := q.build()
		if err == nil && b.plan != nil {
			err = errors.New("orm: Iter cannot preload: iterate in batches with paginate (each batch preloaded in 1 + depth statements)")
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
		defer rows.Close()
		s := newScanner(b)
		for rows.Next() {
			var item T
			if err := s.scan(rows, unsafe.Pointer(&item)); err != nil {
				yield(zero, err)
				return
			}
			if !yield(item, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, fmt.Errorf("orm: query %s: %w", q.m.Table, err))
		}
	}
}

// fetch runs b and scans every row into a new slice.
func fetch[T any](ctx context.Context, db Querier, b *built, limit int64) ([]T, error) {
	rows, err := db.Query(ctx, b.sql, b.args...)
	if err != nil {
		return nil, fmt.Errorf("orm: query: %w", err)
	}
	return collect[T](rows, b, limit)
}

// fetchCounted sends b and the COUNT statement count in one round trip (a pipelined
// batch) and returns the rows and the count.
func fetchCounted[T any](ctx context.Context, db Querier, b *built, limit int64, count string, countArgs []any) (_ []T, _ int64, err error) {
	batch := &pgx.Batch{}
	batch.Queue(b.sql, b.args...)
	batch.Queue(count, countArgs...)
	br := db.SendBatch(ctx, batch)
	defer func() {
		if cerr := br.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("orm: query: %w", cerr)
		}
	}()
	rows, err := br.Query()
	if err != nil {
		return nil, 0, fmt.Errorf("orm: query: %w", err)
	}
	items, err := collect[T](rows, b, limit)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("orm: count: %w", err)
	}
	return items, total, nil
}

// collect scans every row of rows into a new slice and closes rows.
func collect[T any](rows pgx.Rows, b *built, limit int64) ([]T, error) {
	defer rows.Close()
	var items []T
	if limit > 0 {
		items = make([]T, 0, min(limit, 1024))
	}
	s := newScanner(b)
	for rows.Next() {
		var zero T
		items = append(items, zero)
		if err := s.scan(rows, unsafe.Pointer(&items[len(items)-1])); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orm: query: %w", err)
	}
	if items == nil {
		items = []T{}
	}
	return items, nil
}

// scanner fills structs from rows through the model's field offsets: no reflection by
// name per row, one reused destination slice.
type scanner struct {
	cols []*model.Column
	dest []any
	join *loader.JoinScanner
}

func newScanner(b *built) *scanner {
	s := &scanner{cols: b.cols, dest: make([]any, len(b.cols))}
	if b.join != nil {
		s.join = b.join.NewScanner()
		s.dest = append(s.dest, s.join.Dest()...)
	}
	return s
}

func (s *scanner) scan(rows pgx.Rows, base unsafe.Pointer) error {
	for i, c := range s.cols {
		s.dest[i] = c.Ptr(base)
	}
	if err := rows.Scan(s.dest...); err != nil {
		return fmt.Errorf("orm: scan: %w", err)
	}
	if s.join != nil {
		if err := s.join.Assign(base); err != nil {
			return fmt.Errorf("orm: scan: %w", err)
		}
	}
	return nil
}
