package bulk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
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

// args builds the parameters of one chunk: one value per column and row for VALUES,
// one array per column otherwise, then the row count when the statement takes it.
func (s *insertShape) args(tm *pgtype.Map, st Strategy, bases []unsafe.Pointer, offset int) ([]any, error) {
	var out []any
	var err error
	if st == Values {
		out, err = s.rowArgs(tm, bases, offset)
	} else {
		out, err = s.columnArgs(tm, bases, offset)
	}
	if err != nil {
		return nil, err
	}
	if ok, _ := s.countParam(st, len(bases)); ok {
		out = append(out, len(bases))
	}
	return out, nil
}

func (s *insertShape) rowArgs(tm *pgtype.Map, bases []unsafe.Pointer, offset int) ([]any, error) {
	out := make([]any, 0, s.params()*len(bases)+1)
	for i, base := range bases {
		for _, sc := range s.sent {
			if sc.preEval {
				continue
			}
			v, err := sc.cp.value(tm, base, offset+i, sc.mixed)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

func (s *insertShape) columnArgs(tm *pgtype.Map, bases []unsafe.Pointer, offset int) ([]any, error) {
	out := make([]any, 0, s.params()+1)
	for _, sc := range s.sent {
		if sc.preEval {
			continue
		}
		a, err := sc.cp.array(tm, bases, offset, sc.mixed)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// execChunk sends the rows of one chunk (bases, starting at offset in the batch) in
// one statement and writes the returned values back. seen[offset+i] is set for each
// row that came back. It returns the number of rows the statement wrote.
func (s *insertShape) execChunk(ctx context.Context, q Querier, st Strategy, bases []unsafe.Pointer, offset int, seen []bool) (int64, error) {
	tm := pgtype.NewMap()
	args, err := s.args(tm, st, bases, offset)
	if err != nil {
		return 0, err
	}
	sql := s.render(st, len(bases))
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
	defer rows.Close()
	scan := s.scanBack
	if s.mode == modeArrays {
		scan = s.scanArrays
	}
	n, err := scan(rows, bases, offset, seen)
	if err != nil {
		return 0, locate(err, offset, false, ch)
	}
	return n, nil
}

// scanBack reads rows of (ord, returned columns…) into the structs they belong to.
func (s *insertShape) scanBack(rows pgx.Rows, bases []unsafe.Pointer, offset int, seen []bool) (int64, error) {
	var ord int64
	probe := make([]any, 1+len(s.returned))
	probe[0] = &ord
	dest := make([]any, 1+len(s.returned))
	var n int64
	for rows.Next() {
		if err := rows.Scan(probe...); err != nil {
			return 0, fmt.Errorf("scan: %w", err)
		}
		i := int(ord) - 1
		if i < 0 || i >= len(bases) || seen[offset+i] {
			return 0, fmt.Errorf("statement returned row number %d twice or out of range (chunk of %d rows)", ord, len(bases))
		}
		seen[offset+i] = true
		for j, cp := range s.returned {
			dest[j+1] = cp.col.Ptr(bases[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return 0, &RowError{Index: offset + i, Err: fmt.Errorf("scan: %w", err)}
		}
		n++
	}
	return n, rows.Err()
}

// scanArrays reads the one row of modeArrays: an array per column read back, element
// i belonging to row i.
func (s *insertShape) scanArrays(rows pgx.Rows, bases []unsafe.Pointer, offset int, seen []bool) (int64, error) {
	var cols []sentCol
	var dest []any
	for _, sc := range s.sent {
		if sc.arr > 0 {
			cols = append(cols, sc)
			dest = append(dest, reflect.New(reflect.SliceOf(sc.cp.col.Type)).Interface())
		}
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("statement returned no row")
	}
	if err := rows.Scan(dest...); err != nil {
		return 0, fmt.Errorf("scan: %w", err)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
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
