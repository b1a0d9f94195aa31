package bulk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
)

// inChunks runs fn on each [lo, hi) chunk of n rows: directly on q when there is one
// chunk (one statement is atomic on its own), in one transaction (a savepoint when q is
// already a transaction) when there are several.
func inChunks(ctx context.Context, q Querier, n, size int, fn func(q Querier, lo, hi int) error) error {
	cs := chunks(n, size)
	if len(cs) == 1 {
		return fn(q, 0, n)
	}
	return pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		for _, c := range cs {
			if err := fn(tx, c[0], c[1]); err != nil {
				return err
			}
		}
		return nil
	})
}

// execChunk sends the rows of one chunk (bases, starting at offset in the batch) in
// one statement and writes the returned values back. seen[offset+i] is set for each
// row that came back. It returns the number of rows the statement wrote.
func (s *insertShape) execChunk(ctx context.Context, q Querier, st Strategy, bases []unsafe.Pointer, offset int, seen []bool) (int64, error) {
	c := s.newChunkSQL(st, len(bases))
	s.render(c)
	args, err := s.args(pgtype.NewMap(), c, bases, offset)
	if err != nil {
		return 0, err
	}
	sql := c.String()
	ch := &chunkRows{bases: bases, cols: s.p.column}
	if !s.returning() {
		tag, err := q.Exec(ctx, sql, args...)
		if err != nil {
			return 0, locate(err, offset, false, ch)
		}
		return tag.RowsAffected(), nil
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return 0, locate(err, offset, false, ch)
	}
	read := s.scanBack
	if s.mode == modeArrays {
		read = s.scanArrays
	}
	n, err := read(rows, bases, offset, seen)
	if err != nil {
		return 0, locate(err, offset, false, ch)
	}
	return n, nil
}

// scanBack reads rows of (ord, returned columns…) into the structs they belong to, and
// closes rows.
func (s *insertShape) scanBack(rows pgx.Rows, bases []unsafe.Pointer, offset int, seen []bool) (int64, error) {
	var ord int64
	probe := make([]any, 1+len(s.returned)) // reads the row number only
	probe[0] = &ord
	cols := make([]*model.Column, len(s.returned))
	for j, cp := range s.returned {
		cols[j] = cp.col
	}
	row := scan.NewRow([]any{nil}, cols, nil) // the row number, already read, is skipped
	var n int64
	err := scan.Each(rows, func() error {
		if err := rows.Scan(probe...); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		i := int(ord) - 1
		if i < 0 || i >= len(bases) || seen[offset+i] {
			return fmt.Errorf("statement returned row number %d twice or out of range (chunk of %d rows)", ord, len(bases))
		}
		seen[offset+i] = true
		if err := row.Scan(rows, bases[i]); err != nil {
			return &RowError{Index: offset + i, Err: err}
		}
		n++
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// scanArrays reads the one row of modeArrays, an array per column read back, element
// i belonging to row i, and closes rows.
func (s *insertShape) scanArrays(rows pgx.Rows, bases []unsafe.Pointer, offset int, seen []bool) (int64, error) {
	var cols []sentCol
	var dest []any
	for _, sc := range s.sent {
		if sc.arr > 0 {
			cols = append(cols, sc)
			dest = append(dest, reflect.New(reflect.SliceOf(sc.cp.col.Type)).Interface())
		}
	}
	got := 0
	err := scan.Each(rows, func() error {
		got++
		if got > 1 {
			return fmt.Errorf("statement returned more than one row")
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		return nil
	})
	switch {
	case err != nil:
		return 0, err
	case got == 0:
		return 0, fmt.Errorf("statement returned no row")
	}
	for j, sc := range cols {
		vals := reflect.ValueOf(dest[j]).Elem()
		if vals.Len() != len(bases) {
			return 0, fmt.Errorf("statement returned %d values of %s for %d rows", vals.Len(), sc.cp.col.Name, len(bases))
		}
		c := sc.cp.col
		for i, base := range bases {
			if !sc.mixed || c.IsZero(base) {
				reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Elem().Set(vals.Index(i))
			}
		}
	}
	for i := range bases {
		seen[offset+i] = true
	}
	return int64(len(bases)), nil
}

// copyChunk sends the rows of one chunk with COPY FROM STDIN.
func (s *insertShape) copyChunk(ctx context.Context, q Querier, bases []unsafe.Pointer, offset int) (int64, error) {
	names := make([]string, len(s.sent))
	cols := make([]func(unsafe.Pointer) any, len(s.sent))
	for i, sc := range s.sent {
		names[i], cols[i] = sc.cp.col.Name, sc.cp.read
	}
	src := &copySource{bases: bases, cols: cols, vals: make([]any, len(cols)), i: -1}
	n, err := q.CopyFrom(ctx, pgx.Identifier{s.p.m.Table}, names, src)
	if err != nil {
		return 0, locate(err, offset, true, &chunkRows{bases: bases})
	}
	return n, nil
}

// copySource feeds structs to pgx's CopyFrom without building all rows first.
type copySource struct {
	bases []unsafe.Pointer
	cols  []func(unsafe.Pointer) any // one reader per column
	vals  []any
	i     int
}

// Next implements pgx.CopyFromSource.
func (c *copySource) Next() bool { c.i++; return c.i < len(c.bases) }

// Values implements pgx.CopyFromSource.
func (c *copySource) Values() ([]any, error) {
	base := c.bases[c.i]
	for j, read := range c.cols {
		c.vals[j] = read(base)
	}
	return c.vals, nil
}

// Err implements pgx.CopyFromSource.
func (c *copySource) Err() error { return nil }

// snapshot saves the columns cols of every row so that values written back by chunks
// that later roll back can be undone. It returns the restoring function.
func snapshot(cols []*colPlan, bases []unsafe.Pointer) func() {
	saved := make([]reflect.Value, len(cols))
	for j, cp := range cols {
		saved[j] = reflect.ValueOf(typedSlice(cp.col, bases))
	}
	return func() {
		for j, cp := range cols {
			for i, base := range bases {
				reflect.NewAt(cp.col.Type, unsafe.Add(base, cp.col.Offset)).Elem().Set(saved[j].Index(i))
			}
		}
	}
}

// remap turns a RowError's index in the sent batch into the index in the caller's
// slice (they differ when duplicates were merged away).
func remap(err error, index []int) error {
	var re *RowError
	if index != nil && errors.As(err, &re) && re.Index >= 0 && re.Index < len(index) {
		re.Index = index[re.Index]
	}
	return err
}

func (p *plan) column(name string) *colPlan { return p.byName[name] }
