package bulk

import "context"

// Test hooks: render statements without a database.

// PGColumn is what the catalog says about a column.
type PGColumn = pgColumn

// CreateSQL renders the statement Create would send for rows, the table being
// described by cols.
func CreateSQL[T any](cols []PGColumn, rows []T, opts ...Option) (string, error) {
	m, bases, cfg, err := prepare(context.Background(), "Create", rows, opts)
	if err != nil {
		return "", err
	}
	p, err := newPlan(m, cols, nil)
	if err != nil {
		return "", err
	}
	s, err := createShape(p, bases, cfg)
	if err != nil {
		return "", err
	}
	st, err := s.strategy(cfg, len(bases))
	if err != nil || st == Copy {
		return "COPY", err
	}
	return s.sql(st, len(bases), s.render), nil
}

// UpsertSQL renders the statement Upsert would send for rows.
func UpsertSQL[T any](cols []PGColumn, cons map[string][]string, rows []T, c Conflict, opts ...Option) (string, error) {
	m, bases, cfg, err := prepare(context.Background(), "Upsert", rows, opts)
	if err != nil {
		return "", err
	}
	if err := c.check(m); err != nil {
		return "", err
	}
	p, err := newPlan(m, cols, cons)
	if err != nil {
		return "", err
	}
	key, err := c.keyColumns(p)
	if err != nil {
		return "", err
	}
	s, err := upsertShape(p, bases, key, cfg.noReturning)
	if err != nil {
		return "", err
	}
	s.conflict = &c
	st := Unnest
	if cfg.strategy == Values {
		st = Values
	}
	return s.sql(st, len(bases), s.render), nil
}

// UpdateSQL renders the statement Update would send for rows.
func UpdateSQL[T any](cols []PGColumn, rows []T, columns []string, opts ...Option) (string, error) {
	m, _, cfg, err := prepare(context.Background(), "Update", rows, opts)
	if err != nil {
		return "", err
	}
	set, err := updateColumns(m, columns)
	if err != nil {
		return "", err
	}
	p, err := newPlan(m, cols, nil)
	if err != nil {
		return "", err
	}
	st := Unnest
	if cfg.strategy == Values {
		st = Values
	}
	s := keyedShape(p, set)
	return s.sql(st, len(rows), s.updateSQL(set)), nil
}

// DeleteSQL renders the statement a composite-key Delete would send for rows.
func DeleteSQL[T any](cols []PGColumn, rows []T) (string, error) {
	m, err := modelOf[T]("Delete")
	if err != nil {
		return "", err
	}
	p, err := newPlan(m, cols, nil)
	if err != nil {
		return "", err
	}
	s := keyedShape(p, nil)
	return s.sql(Unnest, len(rows), s.deleteSQL), nil
}

// ReadCatalog reads what the catalog says about T's table.
func ReadCatalog[T any](ctx context.Context, q Querier) ([]PGColumn, map[string][]string, error) {
	m, err := modelOf[T]("ReadCatalog")
	if err != nil {
		return nil, nil, err
	}
	return readCatalog(ctx, q, m)
}

// sql returns the text write writes for a chunk of n rows sent with st.
func (s *insertShape) sql(st Strategy, n int, write func(*chunkSQL)) string {
	c := s.newChunkSQL(st, n)
	write(c)
	return c.String()
}
