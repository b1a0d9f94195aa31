// Package scan is batchorm's one row scanner and fetch path: every result row that
// reaches a model struct is read here, through the model's field offsets (no
// reflection by name per row), and every loop over pgx rows is [Each]. Engines add
// what they read before a model's columns (a many-to-many link key, a bulk row number)
// as lead destinations, and what they read after them (joined relations) as an
// [Extra].
package scan

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
)

// Querier is what the fetch path sends on.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Extra reads columns that follow the model's columns in each row (a JOIN's):
// Dest returns their destinations, the same for every row, and Assign, called after
// each row's Scan, stores them into the struct at base.
type Extra interface {
	Dest() []any
	Assign(base unsafe.Pointer) error
}

// Row scans the columns of one statement: lead destinations, then cols into the
// struct at a base address, then an Extra. It reuses one destination slice; it is not
// safe for concurrent use.
type Row struct {
	cols  []*model.Column
	dest  []any
	nlead int
	extra Extra
}

// NewRow returns a Row for statements selecting len(lead) leading columns, then cols,
// then extra's columns (extra may be nil).
func NewRow(lead []any, cols []*model.Column, extra Extra) *Row {
	r := &Row{cols: cols, nlead: len(lead), extra: extra}
	r.dest = make([]any, 0, len(lead)+len(cols))
	r.dest = append(append(r.dest, lead...), make([]any, len(cols))...)
	if extra != nil {
		r.dest = append(r.dest, extra.Dest()...)
	}
	return r
}

// Scan reads the current row of rows into the struct at base.
func (r *Row) Scan(rows pgx.Rows, base unsafe.Pointer) error {
	for i, c := range r.cols {
		r.dest[r.nlead+i] = c.Ptr(base)
	}
	if err := rows.Scan(r.dest...); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if r.extra != nil {
		if err := r.extra.Assign(base); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
	}
	return nil
}

// Each calls fn for every row of rows, then closes rows. It returns fn's first error
// or the rows' error; rows are closed either way, so a connection is never left busy.
func Each(rows pgx.Rows, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// All scans every row of rows into a new []T of structs and closes rows; no rows give
// an empty, non-nil slice. hint is the expected number of rows (0: unknown).
func All[T any](rows pgx.Rows, r *Row, hint int) ([]T, error) {
	items := make([]T, 0, min(max(hint, 0), 1024))
	err := Each(rows, func() error {
		var zero T
		items = append(items, zero)
		return r.Scan(rows, unsafe.Pointer(&items[len(items)-1]))
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// Query sends sql and returns its rows scanned by r (see [All]).
func Query[T any](ctx context.Context, q Querier, sql string, args []any, r *Row, hint int) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return All[T](rows, r, hint)
}

// QueryCounted sends sql and the one-value statement count in one round trip (a
// pipelined batch) and returns sql's rows scanned by r and count's value.
func QueryCounted[T any](ctx context.Context, q Querier, sql string, args []any, r *Row, hint int, count string, countArgs []any) (_ []T, total int64, err error) {
	batch := &pgx.Batch{}
	batch.Queue(sql, args...)
	batch.Queue(count, countArgs...)
	br := q.SendBatch(ctx, batch)
	defer func() {
		if cerr := br.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	rows, err := br.Query()
	if err != nil {
		return nil, 0, err
	}
	items, err := All[T](rows, r, hint)
	if err != nil {
		return nil, 0, err
	}
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	return items, total, nil
}
