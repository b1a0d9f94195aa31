package bulk

import (
	"context"
	"fmt"
	"unsafe"
)

// copyMinRows is the batch size from which Auto sends rows with COPY when nothing
// must come back. Below it one unnest statement is as fast or faster
// (BenchmarkCreate_strategies).
const copyMinRows = 2000

// Create inserts rows in one statement (or one per chunk, all in one transaction) and
// writes the values the database chose back into the structs: columns tagged
// `orm:"default"` that are zero, and `orm:"readonly"` or generated columns. T is a
// struct or a pointer to one; with []T the elements of rows are updated in place.
//
// A `default` column is left out of the INSERT when it is zero in every row, and
// written when it is set in every row. When it is zero in some rows only, zero values
// travel as NULL and the statement applies the column's DEFAULT expression to them
// (COALESCE), so each row gets what a one-row INSERT would have given it; a pointer
// set to nil therefore also gets the DEFAULT.
//
// Values read back reach their structs by construction, never by the order of
// RETURNING: by default each DEFAULT is evaluated into an array inside the statement
// and row i takes element i (a BEFORE INSERT trigger rewriting such a column is not
// seen); with [ViaReturning] or read-only columns, the rows RETURNING gives back are
// joined to the numbered input rows on the primary key. A model without a primary key
// cannot read back read-only columns: use [NoReturning] for it. The package
// documentation shows the statements.
//
// The first call per model reads the table's column types from the catalog: one
// catalog read (counted apart from statements), then cached on an *orm.DB ([Prepare]). A nil or empty rows is
// [ErrEmpty]. A row PostgreSQL refuses comes back as a [RowError] when PostgreSQL says
// which row it is (COPY, unique and foreign-key violations), wrapping the
// *pgconn.PgError. On any error the table is left as it was.
func Create[T any](ctx context.Context, q Querier, rows []T, opts ...Option) (err error) {
	defer tidy(&err)
	m, bases, cfg, err := prepare(ctx, "Create", rows, opts)
	if err != nil {
		return err
	}
	ctx, op := startOp(ctx, q, "Create", m)
	defer func() { op.End(written(len(bases), err), err) }()
	if q == nil {
		return fmt.Errorf("bulk: Create: nil Querier")
	}
	p, err := planFor(ctx, q, m)
	if err != nil {
		return err
	}
	s, err := createShape(p, bases, cfg)
	if err != nil {
		return fmt.Errorf("bulk: Create %s: %w", m.Table, err)
	}
	st, err := s.strategy(cfg, len(bases))
	if err != nil {
		return fmt.Errorf("bulk: Create %s: %w", m.Table, err)
	}
	if err := s.insert(ctx, q, st, cfg, bases, nil); err != nil {
		forgetStale(q, m, err)
		return fmt.Errorf("bulk: Create %s: %w", m.Table, err)
	}
	return nil
}

// createShape decides which columns Create writes, which it reads back, and how.
func createShape(p *plan, bases []unsafe.Pointer, cfg config) (*insertShape, error) {
	s := &insertShape{p: p}
	var readOnly, allZero []*colPlan
	for _, cp := range p.cols {
		c := cp.col
		if c.ReadOnly || cp.pg.Generated {
			readOnly = append(readOnly, cp)
			continue
		}
		zeros := 0
		if c.Default {
			zeros = countZero(c, bases)
		}
		switch {
		case zeros == 0:
			s.addSent(sentCol{cp: cp})
		case zeros < len(bases):
			s.addSent(sentCol{cp: cp, mixed: true})
			s.returned = append(s.returned, cp)
		default:
			allZero = append(allZero, cp)
			s.returned = append(s.returned, cp)
		}
	}
	if cfg.noReturning {
		s.returned = nil
		return s, nil
	}
	s.returned = append(s.returned, readOnly...)
	if len(s.returned) == 0 {
		return s, nil
	}
	switch {
	case !cfg.viaReturning && len(readOnly) == 0 && fixedWithDefault(s.returned):
		return s.arraysMode(allZero), nil
	case len(p.m.PK) > 0:
		return s.joinMode(allZero)
	default:
		return s.fromVMode(allZero, readOnly)
	}
}

// fixedWithDefault reports whether every column has a DEFAULT of a fixed-width type,
// so that an array of its values can be indexed in constant time.
func fixedWithDefault(cols []*colPlan) bool {
	for _, cp := range cols {
		if cp.pg.Default == nil || cp.pg.Len <= 0 {
			return false
		}
	}
	return true
}

func (s *insertShape) arraysMode(allZero []*colPlan) *insertShape {
	s.mode = modeArrays
	for _, cp := range allZero {
		s.addSent(sentCol{cp: cp, preEval: true})
	}
	k := 0
	for i := range s.sent {
		if s.sent[i].mixed || s.sent[i].preEval {
			k++
			s.sent[i].arr = k
		}
	}
	return s
}

func (s *insertShape) joinMode(allZero []*colPlan) (*insertShape, error) {
	s.mode = modeJoin
	for _, cp := range allZero {
		if cp.col.PK {
			if cp.pg.Default == nil {
				return nil, noDefault(s.p, cp)
			}
			s.addSent(sentCol{cp: cp, preEval: true})
		}
	}
	for _, c := range s.p.m.PK {
		cp := s.p.byName[c.Name]
		if s.sentIndex(cp) < 0 {
			return nil, fmt.Errorf("primary key column %s of %s is read-only: rows cannot be matched: pass bulk.NoReturning(): %w",
				c.Name, s.p.m.Name, ErrMissingPK)
		}
		s.match = append(s.match, cp)
	}
	return s, nil
}

func (s *insertShape) fromVMode(allZero, readOnly []*colPlan) (*insertShape, error) {
	s.mode = modeFromV
	if len(readOnly) > 0 {
		return nil, fmt.Errorf("model %s has no primary key, so read-only column %s cannot be read back: pass bulk.NoReturning(): %w",
			s.p.m.Name, readOnly[0].col.Name, ErrMissingPK)
	}
	for _, cp := range allZero {
		if cp.pg.Default == nil {
			return nil, noDefault(s.p, cp)
		}
		s.addSent(sentCol{cp: cp, preEval: true})
	}
	return s, nil
}

func noDefault(p *plan, cp *colPlan) error {
	return fmt.Errorf("column %s.%s is tagged default and zero in every row, but the table gives it no DEFAULT: %w",
		p.m.Table, cp.col.Name, ErrSchema)
}

// strategy picks how the rows travel.
func (s *insertShape) strategy(cfg config, n int) (Strategy, error) {
	canCopy := !s.returning() && s.conflict == nil && len(s.sent) > 0 && !s.overriding
	var why string
	for _, sc := range s.sent {
		switch {
		case why != "":
		case sc.mixed || sc.preEval:
			canCopy, why = false, fmt.Sprintf("column %s needs its DEFAULT applied in some rows", sc.cp.col.Name)
		case !sc.cp.copyable:
			canCopy, why = false, fmt.Sprintf("pgx cannot send column %s (%s) in COPY's binary format", sc.cp.col.Name, sc.cp.pg.Type)
		}
	}
	switch cfg.strategy {
	case Auto:
		if canCopy && n >= copyMinRows {
			return Copy, nil
		}
		return Unnest, nil
	case Copy:
		if s.returning() {
			return 0, fmt.Errorf("COPY cannot return the values the database chooses: pass bulk.NoReturning(): %w", ErrInvalidOption)
		}
		if !canCopy {
			return 0, fmt.Errorf("COPY cannot be used: %s: %w", why, ErrInvalidOption)
		}
	}
	return cfg.strategy, nil
}

// insert sends the batch in chunks and writes returned values back. index maps batch
// positions to the caller's indexes (nil: the same). It returns which rows came back.
func (s *insertShape) insert(ctx context.Context, q Querier, st Strategy, cfg config, bases []unsafe.Pointer, index []int) error {
	_, seen, err := s.write(ctx, q, st, cfg, bases)
	if err != nil {
		return remap(err, index)
	}
	if s.returning() {
		for i, ok := range seen {
			if !ok {
				return remap(&RowError{Index: i, Err: fmt.Errorf("inserted row did not come back (a trigger changed its primary key?)")}, index)
			}
		}
	}
	return nil
}

// write runs the chunks and returns the number of rows written and which rows came
// back. On error, values already written back into structs are restored.
func (s *insertShape) write(ctx context.Context, q Querier, st Strategy, cfg config, bases []unsafe.Pointer) (int64, []bool, error) {
	if err := s.checkText(bases); err != nil {
		return 0, nil, err
	}
	size := cfg.chunk
	if st == Values {
		if per := (maxParams - 1) / max(1, s.params()); per < size {
			size = per
		}
	}
	if s.returning() && (s.mode != modeArrays || len(chunks(len(bases), size)) > 1) {
		// An error can reach the client after some returned rows did, or a later chunk
		// can fail: undo what was written back, since the statement (and the
		// transaction) rolled back. A single modeArrays statement writes back only after
		// it has completed.
		restore := snapshot(s.returned, bases)
		defer func() {
			if restore != nil {
				restore()
			}
		}()
		n, seen, err := s.writeChunks(ctx, q, st, size, bases)
		if err == nil {
			restore = nil
		}
		return n, seen, err
	}
	return s.writeChunks(ctx, q, st, size, bases)
}

func (s *insertShape) writeChunks(ctx context.Context, q Querier, st Strategy, size int, bases []unsafe.Pointer) (int64, []bool, error) {
	var seen []bool
	if s.returning() {
		seen = make([]bool, len(bases))
	}
	var total int64
	err := inChunks(ctx, q, len(bases), size, func(q Querier, lo, hi int) error {
		var n int64
		var err error
		if st == Copy {
			n, err = s.copyChunk(ctx, q, bases[lo:hi], lo)
		} else {
			n, err = s.execChunk(ctx, q, st, bases[lo:hi], lo, seen)
		}
		total += n
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return total, seen, nil
}
