package bulk

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Update writes the named columns (field or column names) of every row, each row to
// the table row with its primary key, in one statement (or one per chunk, all in one
// transaction):
//
//	UPDATE t SET a = v.a, … FROM unnest($1, $2, …) AS v(…) WHERE t.pk = v.pk
//
// Composite primary keys work the same way. It returns the number of rows updated;
// rows whose key is not in the table are not an error, they just do not count.
// columns is required (Go zero values are written like any other value): an empty
// list is [ErrNothingToUpdate]; primary-key and read-only columns cannot be named. A
// model without a primary key is [ErrMissingPK]; a row whose `default` key is zero is
// a [RowError] wrapping ErrMissingPK; two rows with the same key are a RowError
// wrapping [ErrDuplicateKey] (PostgreSQL would apply only one of them). The first call
// per model reads the table's column types from the catalog (one catalog read, counted apart from statements,
// then cached on an *orm.DB; see [Prepare]).
func Update[T any](ctx context.Context, q Querier, rows []T, columns []string, opts ...Option) (updated int64, err error) {
	defer tidy(&err)
	m, bases, cfg, err := prepare(ctx, "Update", rows, opts)
	if err != nil {
		return 0, err
	}
	ctx, op := startOp(ctx, q, "Update", m)
	defer func() { op.End(updated, err) }()
	set, err := updateColumns(m, columns)
	if err != nil {
		return 0, fmt.Errorf("bulk: Update: %w", err)
	}
	if err := checkKeys(m, bases, true); err != nil {
		return 0, fmt.Errorf("bulk: Update %s: %w", m.Table, err)
	}
	if q == nil {
		return 0, fmt.Errorf("bulk: Update: nil Querier")
	}
	p, err := planFor(ctx, q, m)
	if err != nil {
		return 0, err
	}
	s := keyedShape(p, set)
	n, err := s.runKeyed(ctx, q, cfg, bases, s.updateSQL(set))
	if err != nil {
		forgetStale(q, m, err)
		return 0, fmt.Errorf("bulk: Update %s: %w", m.Table, err)
	}
	return n, nil
}

// Delete deletes every row by its primary key in one statement (or one per chunk, all
// in one transaction): DELETE FROM t WHERE pk = ANY($1) with one array parameter, or
// DELETE … USING unnest(…) for a composite key. It returns the number of rows
// deleted; keys not in the table do not count and are not an error. A model without a
// primary key is [ErrMissingPK]; a row whose `default` key is zero is a [RowError]
// wrapping ErrMissingPK. A single-column key needs no catalog lookup; a composite key
// reads the table's column types as [Update] does.
func Delete[T any](ctx context.Context, q Querier, rows []T, opts ...Option) (deleted int64, err error) {
	defer tidy(&err)
	m, bases, cfg, err := prepare(ctx, "Delete", rows, opts)
	if err != nil {
		return 0, err
	}
	ctx, op := startOp(ctx, q, "Delete", m)
	defer func() { op.End(deleted, err) }()
	if err := checkKeys(m, bases, false); err != nil {
		return 0, fmt.Errorf("bulk: Delete %s: %w", m.Table, err)
	}
	if q == nil {
		return 0, fmt.Errorf("bulk: Delete: nil Querier")
	}
	var n int64
	if len(m.PK) == 1 {
		n, err = deleteByKey(ctx, q, m, cfg, bases)
	} else {
		n, err = deleteByKeys(ctx, q, m, cfg, bases)
	}
	if err != nil {
		return 0, fmt.Errorf("bulk: Delete %s: %w", m.Table, err)
	}
	return n, nil
}

// deleteByKey deletes by a one-column key: DELETE FROM t WHERE pk = ANY($1).
func deleteByKey(ctx context.Context, q Querier, m *model.Model, cfg config, bases []unsafe.Pointer) (int64, error) {
	pk := m.PK[0]
	w := sqlw.NewWriter(64)
	w.SetScopes(sqlw.ScopesFrom(ctx))
	w.SQL("DELETE FROM " + m.QTable + " WHERE " + pk.Quoted + " = ANY(")
	keys := w.Param()
	w.Ref(keys)
	w.Byte(')')
	_ = sqlw.WriteValueScopes(w, m, m.QTable, " AND ") // the values were checked by prepare
	sql := w.String()
	var total int64
	err := inChunks(ctx, q, len(bases), cfg.chunk, func(q Querier, lo, hi int) error {
		args := slices.Clone(w.Args())
		bind(args, keys, typedSlice(pk, bases[lo:hi]))
		tag, err := q.Exec(ctx, sql, args...)
		total += tag.RowsAffected()
		return err
	})
	return total, err
}

func deleteByKeys(ctx context.Context, q Querier, m *model.Model, cfg config, bases []unsafe.Pointer) (int64, error) {
	p, err := planFor(ctx, q, m)
	if err != nil {
		return 0, err
	}
	s := keyedShape(p, nil)
	n, err := s.runKeyed(ctx, q, cfg, bases, s.deleteSQL)
	forgetStale(q, m, err)
	return n, err
}

// updateSQL returns the writer of Update's statement for a chunk:
//
//	UPDATE t AS t SET a = u.c2, … FROM unnest($1, $2, …) AS u(c1, c2, …) WHERE t.pk = u.c1
func (s *insertShape) updateSQL(set []*model.Column) func(c *chunkSQL) {
	return func(c *chunkSQL) {
		c.SQL("UPDATE " + s.p.m.QTable + " AS t SET ")
		c.List(len(set), func(i int) {
			c.SQL(set[i].Quoted + " = ")
			s.vExpr(c.Writer, len(s.p.m.PK)+i)
		})
		c.SQL(" FROM ")
		s.source(c, false)
		c.SQL(" WHERE ")
		s.keyMatch(c.Writer)
	}
}

// deleteSQL writes composite-key Delete's statement for a chunk:
//
//	DELETE FROM t AS t USING unnest($1, $2) AS u(c1, c2) WHERE t.a = u.c1 AND t.b = u.c2
func (s *insertShape) deleteSQL(c *chunkSQL) {
	c.SQL("DELETE FROM " + s.p.m.QTable + " AS t USING ")
	s.source(c, false)
	c.SQL(" WHERE ")
	s.keyMatch(c.Writer)
}

// updateColumns resolves the columns Update sets.
func updateColumns(m *model.Model, names []string) ([]*model.Column, error) {
	if len(names) == 0 {
		return nil, ErrNothingToUpdate
	}
	var out []*model.Column
	seen := map[*model.Column]bool{}
	for _, n := range names {
		c, err := m.Column(n)
		if err != nil {
			return nil, err
		}
		if c.PK || c.ReadOnly {
			return nil, fmt.Errorf("column %q of %s is a primary key or read-only: %w", c.Name, m.Name, ErrInvalidOption)
		}
		if err := sqlw.ScopeColumnError(m, c); err != nil {
			return nil, fmt.Errorf("%w: %w", err, ErrInvalidOption)
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// checkKeys refuses a model without a primary key, rows whose generated key is still
// zero and, when unique is set, two rows with the same key.
func checkKeys(m *model.Model, bases []unsafe.Pointer, unique bool) error {
	if len(m.PK) == 0 {
		return fmt.Errorf("model %s has no primary key: %w", m.Name, ErrMissingPK)
	}
	for i, base := range bases {
		for _, c := range m.PK {
			if c.Default && c.IsZero(base) {
				return &RowError{Index: i, Err: fmt.Errorf("%w: %s is zero", ErrMissingPK, c.Name)}
			}
		}
	}
	if !unique {
		return nil
	}
	if len(m.PK) == 1 {
		switch m.PK[0].Type.Kind() {
		case reflect.Int64:
			return uniqueKeys[int64](m.PK[0].Offset, bases)
		case reflect.Int32:
			return uniqueKeys[int32](m.PK[0].Offset, bases)
		case reflect.String:
			return uniqueKeys[string](m.PK[0].Offset, bases)
		}
	}
	plans := make([]*colPlan, len(m.PK))
	for i, c := range m.PK {
		plans[i] = &colPlan{col: c}
	}
	seen := make(map[any]int, len(bases))
	for i, base := range bases {
		k, _, err := conflictKey(plans, base)
		if err != nil {
			return &RowError{Index: i, Err: err}
		}
		if j, dup := seen[k]; dup {
			return &RowError{Index: i, Err: fmt.Errorf("%w: same primary key as row %d", ErrDuplicateKey, j)}
		}
		seen[k] = i
	}
	return nil
}

// uniqueKeys is checkKeys' duplicate test for the common one-column integer or text
// key, without boxing each key.
func uniqueKeys[K comparable](off uintptr, bases []unsafe.Pointer) error {
	seen := make(map[K]int, len(bases))
	for i, base := range bases {
		k := *(*K)(unsafe.Add(base, off))
		if j, dup := seen[k]; dup {
			return &RowError{Index: i, Err: fmt.Errorf("%w: same primary key as row %d", ErrDuplicateKey, j)}
		}
		seen[k] = i
	}
	return nil
}

// keyedShape is the row source of Update and composite-key Delete: the key columns
// first, then the columns set.
func keyedShape(p *plan, set []*model.Column) *insertShape {
	s := &insertShape{p: p}
	for _, c := range p.m.PK {
		s.addSent(sentCol{cp: p.byName[c.Name]})
	}
	for _, c := range set {
		s.addSent(sentCol{cp: p.byName[c.Name]})
	}
	return s
}

// keyMatch writes "t.k1 = u.c1 AND …" for the key columns at the front of sent, then
// the model's value scopes (t.tenant_id = $n), bound to w's scope values.
func (s *insertShape) keyMatch(w *sqlw.Writer) {
	for i, c := range s.p.m.PK {
		if i > 0 {
			w.SQL(" AND ")
		}
		w.SQL("t." + c.Quoted + " = ")
		s.vExpr(w, i)
	}
	_ = sqlw.WriteValueScopes(w, s.p.m, "t", " AND ") // the values were checked by prepare
}

// runKeyed sends the rows in chunks, each with the statement render writes for it,
// and returns the total number of rows affected.
func (s *insertShape) runKeyed(ctx context.Context, q Querier, cfg config, bases []unsafe.Pointer, render func(*chunkSQL)) (int64, error) {
	if err := s.checkText(bases); err != nil {
		return 0, err
	}
	st := Unnest
	size := cfg.chunk
	if cfg.strategy == Copy {
		return 0, fmt.Errorf("COPY cannot update or delete: %w", ErrInvalidOption)
	}
	if cfg.strategy == Values {
		st = Values
		size = min(size, (maxParams-1)/s.params())
	}
	var total int64
	err := inChunks(ctx, q, len(bases), size, func(q Querier, lo, hi int) error {
		c := s.newChunkSQL(st, hi-lo)
		c.SetScopes(sqlw.ScopesFrom(ctx))
		render(c)
		args, err := s.args(pgtype.NewMap(), c, bases[lo:hi], lo)
		if err != nil {
			return err
		}
		tag, err := q.Exec(ctx, c.String(), args...)
		if err != nil {
			return locate(err, lo, false, &chunkRows{bases: bases[lo:hi], cols: s.p.column})
		}
		total += tag.RowsAffected()
		return nil
	})
	return total, err
}
