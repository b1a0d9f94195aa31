package bulk

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Conflict says what [Upsert] does when a row collides with an existing one: the
// conflict target ([OnConflict] columns or [OnConstraint]) and the action
// ([Conflict.DoUpdate] or [Conflict.DoNothing]). It is a value: each method returns a
// new Conflict and leaves its receiver untouched.
type Conflict struct {
	columns    []string
	constraint string
	action     conflictAction
	update     []string
	merge      bool
}

type conflictAction uint8

const (
	actionNone conflictAction = iota
	actionNothing
	actionUpdate
)

// OnConflict targets the unique index or constraint on columns (field or column
// names, checked against the model): ON CONFLICT (columns).
func OnConflict(columns ...string) Conflict { return Conflict{columns: slices.Clone(columns)} }

// OnConstraint targets the named unique or primary-key constraint of the table: ON
// CONFLICT ON CONSTRAINT name. Its columns are read from the catalog.
func OnConstraint(name string) Conflict { return Conflict{constraint: name} }

// DoUpdate sets the named columns (field or column names) of a colliding row to the
// values of the incoming row: DO UPDATE SET col = EXCLUDED.col. At least one column is
// required.
func (c Conflict) DoUpdate(columns ...string) Conflict {
	c.action, c.update = actionUpdate, slices.Clone(columns)
	return c
}

// DoNothing leaves a colliding row alone: DO NOTHING. The incoming row is reported in
// [UpsertResult.Skipped] and its struct is left untouched.
func (c Conflict) DoNothing() Conflict {
	c.action, c.update = actionNothing, nil
	return c
}

// MergeDuplicates lets one batch hold several rows with the same conflict key, which
// PostgreSQL refuses for DO UPDATE. They are merged as if sent one after another: for
// DO UPDATE the last row of each key is sent, for DO NOTHING the first; every row of
// the key then receives the values read back. Default: duplicates are an error.
func (c Conflict) MergeDuplicates() Conflict {
	c.merge = true
	return c
}

// UpsertResult is what [Upsert] did.
type UpsertResult struct {
	// Written is the number of rows inserted or updated.
	Written int64
	// Skipped holds, in increasing order, the indexes of input rows that were neither
	// inserted nor updated (DO NOTHING on a collision). Their structs are untouched.
	// It is nil with [NoReturning], which cannot tell.
	Skipped []int
}

// Upsert inserts rows, resolving collisions as c says, in one statement (or one per
// chunk, all in one transaction): INSERT … ON CONFLICT … DO UPDATE SET … or DO
// NOTHING. Every column of each inserted or updated row is read back into its struct
// (the existing row's id for an update, for instance), matched by the conflict key,
// never by the order of RETURNING.
//
// Two rows with the same conflict key in one batch are a [RowError] wrapping
// [ErrDuplicateKey], unless c has [Conflict.MergeDuplicates]. A row whose conflict key
// is NULL is a RowError wrapping [ErrNullKey]; a zero key column tagged
// `orm:"default"` is not NULL: the row gets the column's DEFAULT. Columns tagged
// `default` are handled as in [Create]. The first call per model reads the table's
// column types from the catalog (one catalog read, counted apart from statements, then cached on an *orm.DB; see
// [Prepare]).
func Upsert[T any](ctx context.Context, q Querier, rows []T, c Conflict, opts ...Option) (res UpsertResult, err error) {
	defer tidy(&err)
	m, bases, cfg, err := prepare(ctx, "Upsert", rows, opts)
	if err != nil {
		return res, err
	}
	ctx, op := startOp(ctx, q, "Upsert", m)
	defer func() { op.End(res.Written, err) }()
	if q == nil {
		return res, fmt.Errorf("bulk: Upsert: nil Querier")
	}
	if err := c.check(m); err != nil {
		return res, fmt.Errorf("bulk: Upsert: %w", err)
	}
	if cfg.strategy == Copy {
		return res, fmt.Errorf("bulk: Upsert: COPY cannot resolve conflicts: %w", ErrInvalidOption)
	}
	p, err := planFor(ctx, q, m)
	if err != nil {
		return res, err
	}
	res, err = upsert(ctx, q, p, c, cfg, bases)
	if err != nil {
		forgetStale(q, m, err)
		return res, fmt.Errorf("bulk: Upsert %s: %w", m.Table, err)
	}
	return res, nil
}

func upsert(ctx context.Context, q Querier, p *plan, c Conflict, cfg config, bases []unsafe.Pointer) (UpsertResult, error) {
	var res UpsertResult
	key, err := c.keyColumns(p)
	if err != nil {
		return res, err
	}
	sent, index, dups, err := dedupe(bases, key, c)
	if err != nil {
		return res, err
	}
	s, err := upsertShape(p, sent, key, cfg.noReturning)
	if err != nil {
		return res, err
	}
	s.conflict = &c
	st := Unnest
	if cfg.strategy == Values {
		st = Values
	}
	n, seen, err := s.write(ctx, q, st, cfg, sent)
	if err != nil {
		return res, remap(err, index)
	}
	res.Written = n
	if cfg.noReturning {
		return res, nil
	}
	res.Skipped = []int{}
	for i, ok := range seen {
		if !ok && index == nil {
			res.Skipped = append(res.Skipped, i)
		} else if !ok {
			res.Skipped = append(res.Skipped, index[i])
		}
	}
	for dup, kept := range dups {
		if seen[kept] {
			for _, cp := range s.returned {
				setField(cp.col, bases[dup], sent[kept])
			}
		} else {
			res.Skipped = append(res.Skipped, dup)
		}
	}
	sort.Ints(res.Skipped)
	return res, nil
}

// check validates c against the model, before any statement is sent.
func (c Conflict) check(m *model.Model) error {
	switch {
	case len(c.columns) == 0 && c.constraint == "":
		return fmt.Errorf("no conflict target: use bulk.OnConflict(columns...) or bulk.OnConstraint(name): %w", ErrInvalidOption)
	case c.action == actionNone:
		return fmt.Errorf("no conflict action: add .DoUpdate(columns...) or .DoNothing(): %w", ErrInvalidOption)
	case c.action == actionUpdate && len(c.update) == 0:
		return fmt.Errorf("DoUpdate: %w", ErrNothingToUpdate)
	}
	for _, name := range c.columns {
		if _, err := m.Column(name); err != nil {
			return fmt.Errorf("OnConflict: %w", err)
		}
	}
	for _, name := range c.update {
		col, err := m.Column(name)
		if err != nil {
			return fmt.Errorf("DoUpdate: %w", err)
		}
		if col.ReadOnly {
			return fmt.Errorf("DoUpdate: column %q of %s is read-only: %w", col.Name, m.Name, ErrInvalidOption)
		}
		if err := sqlw.ScopeColumnError(m, col); err != nil {
			return fmt.Errorf("DoUpdate: %w: %w", err, ErrInvalidOption)
		}
	}
	return nil
}

// keyColumns returns the conflict key: the OnConflict columns, or the constraint's.
func (c Conflict) keyColumns(p *plan) ([]*colPlan, error) {
	names := c.columns
	if c.constraint != "" {
		var ok bool
		if names, ok = p.constraints[c.constraint]; !ok {
			known := make([]string, 0, len(p.constraints))
			for k := range p.constraints {
				known = append(known, k)
			}
			sort.Strings(known)
			return nil, fmt.Errorf("table %s has no unique or primary-key constraint %q (constraints: %s): %w",
				p.m.Table, c.constraint, strings.Join(known, ", "), ErrInvalidOption)
		}
	}
	out := make([]*colPlan, len(names))
	for i, n := range names {
		col, err := p.m.Column(n)
		if err != nil {
			return nil, fmt.Errorf("constraint %s: %w", c.constraint, err)
		}
		out[i] = p.byName[col.Name]
	}
	return out, nil
}

// write writes the ON CONFLICT clause (its names checked by check).
func (c *Conflict) write(w *sqlw.Writer, p *plan) {
	w.SQL(" ON CONFLICT ")
	if c.constraint != "" {
		w.SQL("ON CONSTRAINT ")
		w.Ident(c.constraint)
	} else {
		w.Byte('(')
		w.List(len(c.columns), func(i int) {
			col, _ := p.m.Column(c.columns[i]) // checked by check
			w.SQL(col.Quoted)
		})
		w.Byte(')')
	}
	if c.action == actionNothing {
		w.SQL(" DO NOTHING")
		return
	}
	w.SQL(" DO UPDATE SET ")
	seen := map[string]bool{}
	for _, n := range c.update {
		col, _ := p.m.Column(n)
		if seen[col.Name] {
			continue
		}
		if len(seen) > 0 {
			w.SQL(", ")
		}
		seen[col.Name] = true
		w.SQL(col.Quoted + " = EXCLUDED." + col.Quoted)
	}
	// A colliding row of another scope (a tenant) is left alone: every incoming row
	// holds the context's value (prepare), so EXCLUDED carries it.
	for i, s := range p.m.Scopes {
		if i == 0 {
			w.SQL(" WHERE ")
		} else {
			w.SQL(" AND ")
		}
		w.SQL("t." + s.Col.Quoted + " = EXCLUDED." + s.Col.Quoted) // an upsert aliases its table t (head)
	}
}

// upsertShape decides what Upsert writes: like Create, but columns that are zero in
// every row are left to their DEFAULT, everything is read back, and rows are matched
// by the conflict key.
func upsertShape(p *plan, bases []unsafe.Pointer, key []*colPlan, noReturning bool) (*insertShape, error) {
	s := &insertShape{p: p}
	for _, cp := range p.cols {
		if cp.col.ReadOnly || cp.pg.Generated {
			continue
		}
		zeros := 0
		if cp.col.Default {
			zeros = countZero(cp.col, bases)
		}
		switch {
		case zeros == 0:
			s.addSent(sentCol{cp: cp})
		case zeros < len(bases):
			s.addSent(sentCol{cp: cp, mixed: true})
		}
	}
	for _, cp := range key {
		if s.sentIndex(cp) < 0 {
			return nil, fmt.Errorf("conflict column %s is read-only, or tagged default and zero in every row: %w", cp.col.Name, ErrInvalidOption)
		}
	}
	if !noReturning {
		s.mode, s.returned, s.match = modeJoin, p.cols, key
	}
	return s, nil
}

// dedupe finds rows sharing a conflict key. Without MergeDuplicates the second one is
// an error; with it, one row per key is kept (the last for DO UPDATE, the first for DO
// NOTHING). It returns the rows to send, their indexes in the input (nil when all are
// sent), and a map from each dropped row's index to the position of its kept row among
// the rows sent.
func dedupe(bases []unsafe.Pointer, key []*colPlan, c Conflict) ([]unsafe.Pointer, []int, map[int]int, error) {
	groups := make(map[any][]int, len(bases))
	keyOf := make([]any, len(bases)) // nil: a fresh key, alone in its group
	for i, base := range bases {
		k, fresh, err := conflictKey(key, base)
		if err != nil {
			return nil, nil, nil, &RowError{Index: i, Err: err}
		}
		if fresh {
			continue
		}
		g := groups[k]
		if len(g) > 0 && !c.merge {
			return nil, nil, nil, &RowError{Index: i, Err: fmt.Errorf("%w: same %s as row %d (merge them with Conflict.MergeDuplicates)",
				ErrDuplicateKey, keyNames(key), g[0])}
		}
		groups[k], keyOf[i] = append(g, i), k
	}
	if len(groups) == len(bases) || !c.merge {
		return bases, nil, nil, nil
	}
	kept := func(g []int) int {
		if c.action == actionUpdate {
			return g[len(g)-1]
		}
		return g[0]
	}
	var sent []unsafe.Pointer
	var index []int
	pos := map[int]int{} // kept input index -> position among the rows sent
	for i, base := range bases {
		if keyOf[i] == nil || kept(groups[keyOf[i]]) == i {
			pos[i] = len(sent)
			sent, index = append(sent, base), append(index, i)
		}
	}
	if len(sent) == len(bases) {
		return bases, nil, nil, nil
	}
	dups := map[int]int{}
	for i := range bases {
		if keyOf[i] != nil {
			if k := kept(groups[keyOf[i]]); k != i {
				dups[i] = pos[k]
			}
		}
	}
	return sent, index, dups, nil
}

// conflictKey returns a comparable key of the row's conflict columns. fresh is true
// when a zero `default` key column will be drawn from its DEFAULT (it cannot collide
// inside the batch).
func conflictKey(key []*colPlan, base unsafe.Pointer) (any, bool, error) {
	parts := make([]any, len(key))
	for i, cp := range key {
		c := cp.col
		if c.Default && c.IsZero(base) {
			return nil, true, nil
		}
		v := reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Elem()
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			if v.IsNil() {
				return nil, false, fmt.Errorf("%w: column %s", ErrNullKey, c.Name)
			}
			parts[i] = string(v.Bytes())
			continue
		}
		kv, ok := model.NormalizeKey(v)
		if !ok {
			if isNull(v) {
				return nil, false, fmt.Errorf("%w: column %s", ErrNullKey, c.Name)
			}
			kv = fmt.Sprintf("%#v", v.Interface())
		}
		parts[i] = kv
	}
	if len(parts) == 1 {
		return parts[0], false, nil
	}
	if len(parts) <= 4 {
		var a [4]any
		copy(a[:], parts)
		return a, false, nil
	}
	return fmt.Sprintf("%#v", parts), false, nil
}

// isNull reports whether v holds SQL NULL: a nil pointer, or a valuer returning nil.
func isNull(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return true
		}
	}
	if vl, ok := v.Interface().(interface{ Value() (any, error) }); ok {
		dv, err := vl.Value()
		return err == nil && dv == nil
	}
	return false
}

func keyNames(key []*colPlan) string {
	names := make([]string, len(key))
	for i, cp := range key {
		names[i] = cp.col.Name
	}
	return "(" + strings.Join(names, ", ") + ")"
}
