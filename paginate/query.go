package paginate

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"unsafe"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Querier is the pgx method set paginate needs: *pgxpool.Pool, *pgx.Conn, pgx.Tx and
// *orm.DB satisfy it.
type Querier = dbx.Querier

// Keyset runs one keyset page over T's table: SELECT of T's columns, the conditions
// (each rendered as it is, in parentheses, ANDed; values bound), the keyset condition,
// ORDER BY the order, LIMIT Limit+1. It costs one statement on every page, however
// deep (two in one round trip with req.Count). A zero req.Order pages by primary key.
// Errors: [ErrInvalidCursor] for a bad cursor, [ErrInvalidSort] for an order made for
// another model.
func Keyset[T any](ctx context.Context, q Querier, req Request, conds ...sq.Sqlizer) (Page[T], error) {
	p, m, sql, args, err := keysetSQL[T](req, conds)
	if err != nil {
		return Page[T]{}, err
	}
	rows, total, err := fetch[T](ctx, q, m, sql, args, p.Limit(), req.Count, conds)
	if err != nil {
		return Page[T]{}, err
	}
	page, err := NewPage(p, rows)
	if err != nil {
		return Page[T]{}, err
	}
	page.Total = total
	return page, nil
}

// KeysetSQL renders the statement [Keyset] sends, without a database (for tests,
// EXPLAIN and logs).
func KeysetSQL[T any](req Request, conds ...sq.Sqlizer) (string, []any, error) {
	_, _, sql, args, err := keysetSQL[T](req, conds)
	return sql, args, err
}

func keysetSQL[T any](req Request, conds []sq.Sqlizer) (*Plan, *model.Model, string, []any, error) {
	m, err := structModel[T]()
	if err != nil {
		return nil, nil, "", nil, err
	}
	p, err := NewPlan[T](req)
	if err != nil {
		return nil, nil, "", nil, err
	}
	where, err := toConds(conds)
	if err != nil {
		return nil, nil, "", nil, err
	}
	st := sqlw.Select{
		Columns: m.SelectList, From: m.QTable, Where: where, Resolver: sqlw.Table{M: m},
		OrderBy: p.OrderBy(m.Table), Limit: int64(p.Limit()), Offset: -1,
	}
	branches, bargs := p.Branches(m.Table)
	switch len(branches) {
	case 1:
		st.Where = append(slices.Clip(st.Where), sqlw.Expr(branches[0], bargs[0]...))
	case 2:
		for i := range branches {
			st.Branches = append(st.Branches, []sqlw.Cond{sqlw.Expr(branches[i], bargs[i]...)})
		}
		st.BranchOrderBy = p.OrderByPosition(positionIn(m.Columns))
	}
	sql, args, err := st.ToSQL()
	if err != nil {
		return nil, nil, "", nil, fmt.Errorf("paginate: render: %w", err)
	}
	return p, m, sql, args, nil
}

// positionIn returns the 1-based position of a column, by name, in cols.
func positionIn(cols []*model.Column) func(name string) int {
	return func(name string) int {
		return 1 + slices.IndexFunc(cols, func(c *model.Column) bool { return c.Name == name })
	}
}

// structModel returns the model of T, which must be a struct type (rows are scanned
// into T through field offsets).
func structModel[T any]() (*model.Model, error) {
	m, err := model.Of[T]()
	if err != nil {
		return nil, fmt.Errorf("paginate: %w", err)
	}
	if m.Type != reflect.TypeFor[T]() {
		return nil, fmt.Errorf("paginate: rows must be structs, not %v", reflect.TypeFor[T]())
	}
	return m, nil
}

// orderFor returns o, or T's primary-key order when o is zero, checking that T is a
// struct type and o was made for it.
func orderFor[T any](o Order) (Order, error) {
	m, err := structModel[T]()
	if err != nil {
		return Order{}, err
	}
	if o.IsZero() {
		return OrderBy[T]()
	}
	if o.m != m {
		return Order{}, &SortError{Model: m.Name, Reason: "order was made for model " + o.m.Name}
	}
	return o, nil
}

// Offset runs one offset page over T's table (see [OffsetRequest] for why deep pages
// are slow): one statement, two in one round trip with req.Count.
func Offset[T any](ctx context.Context, q Querier, req OffsetRequest, conds ...sq.Sqlizer) (OffsetPage[T], error) {
	m, err := structModel[T]()
	if err != nil {
		return OffsetPage[T]{}, err
	}
	p, err := NewOffsetPlan[T](req)
	if err != nil {
		return OffsetPage[T]{}, err
	}
	where, err := toConds(conds)
	if err != nil {
		return OffsetPage[T]{}, err
	}
	st := sqlw.Select{
		Columns: m.SelectList, From: m.QTable, Where: where, Resolver: sqlw.Table{M: m},
		OrderBy: p.OrderBy(m.Table), Limit: int64(p.Limit()), Offset: p.Offset(),
	}
	sql, args, err := st.ToSQL()
	if err != nil {
		return OffsetPage[T]{}, fmt.Errorf("paginate: render: %w", err)
	}
	rows, total, err := fetch[T](ctx, q, m, sql, args, p.Limit(), req.Count, conds)
	if err != nil {
		return OffsetPage[T]{}, err
	}
	return NewOffsetPage(p, rows, total)
}

// Batches walks T's whole table (or the rows matching conds) in keyset batches of size
// rows, in order o (zero: primary key). Each batch is one statement on q, sent when the
// loop asks for it: no transaction and no server-side cursor is held between batches,
// and memory is one batch. Each row is yielded at most once, also while rows are
// inserted or deleted meanwhile (rows inserted behind the walk's position are not
// seen, rows inserted ahead of it are); a row whose sort key is updated during the
// walk may be seen twice or not at all. Breaking out of the loop stops the walk; an
// error is yielded once, with a nil batch, and ends it.
func Batches[T any](ctx context.Context, q Querier, o Order, size int, conds ...sq.Sqlizer) iter.Seq2[[]T, error] {
	return Walk(ctx, o, size, func(ctx context.Context, req Request) (Page[T], error) {
		return Keyset[T](ctx, q, req, conds...)
	})
}

// Walk drives a batch walk for an engine that runs pages its own way (orm's
// Select.Batches): it calls page with a Request for the first batch, then for the
// batch after each, until a page says HasNext is false, yielding each page's items.
// Requests carry order o, Limit size and an internal codec; size must be positive.
func Walk[T any](ctx context.Context, o Order, size int, page func(ctx context.Context, req Request) (Page[T], error)) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		if size <= 0 {
			yield(nil, fmt.Errorf("paginate: batch size %d must be positive", size))
			return
		}
		req := Request{Order: o, Limit: size, Codec: walkCodec}
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			p, err := page(ctx, req)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(p.Items) > 0 && !yield(p.Items, nil) {
				return
			}
			if !p.HasNext {
				return
			}
			req.After = p.Next
		}
	}
}

// walkCodec carries a walk's position from one batch to the next inside the process:
// unsigned, and large enough for any key.
var walkCodec = &Codec{MaxLen: 1 << 24}

// fetch runs sql and scans every row into a new T through the model's field offsets.
// With count it also sends the COUNT of the rows matching conds, pipelined in the same
// round trip; total is -1 without count.
func fetch[T any](ctx context.Context, q Querier, m *model.Model, sql string, args []any, limit int, count bool, conds []sq.Sqlizer) (_ []T, total int64, err error) {
	if !count {
		rows, err := q.Query(ctx, sql, args...)
		if err != nil {
			return nil, -1, fmt.Errorf("paginate: query %s: %w", m.Table, err)
		}
		items, err := collect[T](rows, m, limit)
		return items, -1, err
	}
	where, err := toConds(conds)
	if err != nil {
		return nil, 0, err
	}
	cs := sqlw.Select{Columns: "count(*)", From: m.QTable, Where: where, Resolver: sqlw.Table{M: m}, Limit: -1, Offset: -1}
	csql, cargs, err := cs.ToSQL()
	if err != nil {
		return nil, 0, fmt.Errorf("paginate: render: %w", err)
	}
	batch := &pgx.Batch{}
	batch.Queue(sql, args...)
	batch.Queue(csql, cargs...)
	br := q.SendBatch(ctx, batch)
	defer func() {
		if cerr := br.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("paginate: query %s: %w", m.Table, cerr)
		}
	}()
	rows, err := br.Query()
	if err != nil {
		return nil, 0, fmt.Errorf("paginate: query %s: %w", m.Table, err)
	}
	items, err := collect[T](rows, m, limit)
	if err != nil {
		return nil, 0, err
	}
	if err := br.QueryRow().Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("paginate: count %s: %w", m.Table, err)
	}
	return items, total, nil
}

// collect scans every row of rows into a new T and closes rows.
func collect[T any](rows pgx.Rows, m *model.Model, limit int) ([]T, error) {
	defer rows.Close()
	items := make([]T, 0, min(limit, 1024))
	dest := make([]any, len(m.Columns))
	for rows.Next() {
		var zero T
		items = append(items, zero)
		base := unsafe.Pointer(&items[len(items)-1])
		for i, c := range m.Columns {
			dest[i] = c.Ptr(base)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("paginate: scan %s: %w", m.Table, err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("paginate: query %s: %w", m.Table, err)
	}
	return items, nil
}

// toConds converts the caller's conditions.
func toConds(conds []sq.Sqlizer) ([]sqlw.Cond, error) {
	out := make([]sqlw.Cond, len(conds))
	for i, c := range conds {
		var err error
		if out[i], err = sqlw.From(c); err != nil {
			return nil, fmt.Errorf("paginate: condition %d: %w", i, err)
		}
	}
	return out, nil
}
