package route

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/internal/dbx"
)

// Reader is the querier of one read: its first call picks the server (see
// [Router.Pick]) and every later call goes to the same one, so a query's preload
// edges read the snapshot of the server that returned their parents. A Query or
// QueryRow whose first attempt fails because a replica is unreachable is sent again
// elsewhere (reads are safe to resend) and the replica is marked down. A Reader is
// for one goroutine.
type Reader struct {
	r       *Router
	q       dbx.Querier
	replica int
}

// NewReader returns a Reader over r.
func NewReader(r *Router) *Reader { return &Reader{r: r, replica: -1} }

var _ dbx.Querier = (*Reader)(nil)

func (rd *Reader) pick(ctx context.Context, skip uint64) dbx.Querier {
	if rd.q == nil {
		p, i := rd.r.Pick(ctx, skip)
		rd.q, rd.replica = p, i
	}
	return rd.q
}

// Query implements dbx.Querier. On the read's first call to a replica, Query reads
// the first row (or the end) before returning, so that a connection that broke is
// seen here, while the read can still go elsewhere.
func (rd *Reader) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if rd.q != nil {
		return rd.q.Query(ctx, sql, args...)
	}
	var skip uint64
	for {
		rows, err := rd.pick(ctx, skip).Query(ctx, sql, args...)
		if rd.replica < 0 {
			return rows, err
		}
		if err == nil {
			has := rows.Next()
			if has || rows.Err() == nil {
				return &peekedRows{Rows: rows, peeked: true, has: has}, nil
			}
			rows.Close()
			err = rows.Err()
		}
		if !ConnLost(err) || ctx.Err() != nil {
			return rows, err
		}
		rd.r.MarkDown(rd.replica)
		skip |= 1 << uint(rd.replica)
		rd.q, rd.replica = nil, -1
	}
}

// peekedRows are rows whose first Next was called by [Reader.Query].
type peekedRows struct {
	pgx.Rows
	peeked, has bool
}

func (r *peekedRows) Next() bool {
	if r.peeked {
		r.peeked = false
		return r.has
	}
	return r.Rows.Next()
}

// QueryRow implements dbx.Querier; it reads through [Reader.Query].
func (rd *Reader) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return &row{ctx: ctx, query: rd.Query, sql: sql, args: args}
}

// Exec implements dbx.Querier.
func (rd *Reader) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return rd.pick(ctx, 0).Exec(ctx, sql, args...)
}

// SendBatch implements dbx.Querier. On the read's first call to a replica, the batch's
// first result is read before any reaches the caller: when the replica turns out to be
// unreachable, the replica is marked down and the whole batch is sent again elsewhere,
// as [Reader.Query] does for one statement.
func (rd *Reader) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if rd.q != nil || len(b.QueuedQueries) == 0 || b.QueuedQueries[0].Fn != nil {
		return rd.pick(ctx, 0).SendBatch(ctx, b) // a callback must see its own result: no probe
	}
	return &retryBatch{rd: rd, ctx: ctx, b: b}
}

// retryBatch sends its batch at the first call for a result, and again on another
// server while the first result shows the server it went to unreachable.
type retryBatch struct {
	rd         *Reader
	ctx        context.Context
	b          *pgx.Batch
	br         pgx.BatchResults
	pending    *peekedRows // the first result, read on a replica
	pendingErr error
	first      bool // the first result was taken
}

// start sends the batch, on a replica reading its first result (see probe), and sends
// it elsewhere while that shows the replica unreachable.
func (r *retryBatch) start() {
	var skip uint64
	for {
		r.br = r.rd.pick(r.ctx, skip).SendBatch(r.ctx, fresh(r.b))
		if r.rd.replica < 0 {
			return
		}
		err := r.probe()
		if err == nil || !ConnLost(err) || r.ctx.Err() != nil {
			return
		}
		_ = r.br.Close()
		r.rd.r.MarkDown(r.rd.replica)
		skip |= 1 << uint(r.rd.replica)
		r.rd.q, r.rd.replica = nil, -1
	}
}

// fresh copies b's statements, with their callbacks, into a new batch: pgx keeps
// per-connection state in the queued queries it sends, so a batch is not sent twice.
func fresh(b *pgx.Batch) *pgx.Batch {
	c := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries))}
	for _, q := range b.QueuedQueries {
		c.QueuedQueries = append(c.QueuedQueries, &pgx.QueuedQuery{SQL: q.SQL, Arguments: q.Arguments, Fn: q.Fn})
	}
	return c
}

// probe reads the first row of the first result into pending (or its error into
// pendingErr) and returns the error.
func (r *retryBatch) probe() error {
	r.pending, r.pendingErr = nil, nil
	rows, err := r.br.Query()
	if err == nil {
		has := rows.Next()
		if has || rows.Err() == nil {
			r.pending = &peekedRows{Rows: rows, peeked: true, has: has}
			return nil
		}
		err = rows.Err()
		rows.Close()
	}
	r.pendingErr = err
	return err
}

func (r *retryBatch) result() (pgx.Rows, error, bool) {
	if r.br == nil {
		r.start()
	}
	if r.first {
		return nil, nil, false
	}
	r.first = true
	if r.pending == nil && r.pendingErr == nil { // on the primary: not probed
		return nil, nil, false
	}
	if r.pending == nil { // as pgx does, failed rows are closed rows, never nil
		return &errRows{err: r.pendingErr}, r.pendingErr, true
	}
	return r.pending, r.pendingErr, true
}

// errRows are the closed rows of a result that failed; Err returns its error.
type errRows struct {
	pgx.Rows // nil: only the methods below may be called on closed rows
	err      error
}

func (r *errRows) Close()                                       {}
func (r *errRows) Err() error                                   { return r.err }
func (r *errRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (r *errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (r *errRows) Next() bool                                   { return false }
func (r *errRows) Scan(...any) error                            { return r.err }
func (r *errRows) Values() ([]any, error)                       { return nil, r.err }
func (r *errRows) RawValues() [][]byte                          { return nil }
func (r *errRows) Conn() *pgx.Conn                              { return nil }

// Query implements pgx.BatchResults.
func (r *retryBatch) Query() (pgx.Rows, error) {
	if rows, err, ok := r.result(); ok {
		return rows, err
	}
	return r.br.Query()
}

// Exec implements pgx.BatchResults.
func (r *retryBatch) Exec() (pgconn.CommandTag, error) {
	if rows, err, ok := r.result(); ok {
		if err != nil {
			return pgconn.CommandTag{}, err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.CommandTag(), rows.Err()
	}
	return r.br.Exec()
}

// QueryRow implements pgx.BatchResults.
func (r *retryBatch) QueryRow() pgx.Row {
	if rows, err, ok := r.result(); ok {
		return &row{query: func(context.Context, string, ...any) (pgx.Rows, error) { return rows, err }}
	}
	return r.br.QueryRow()
}

// Tx implements pgx.BatchResults.
func (r *retryBatch) Tx() pgx.Tx {
	if r.br == nil {
		r.start()
	}
	return r.br.Tx()
}

// Close implements pgx.BatchResults.
func (r *retryBatch) Close() error {
	if r.br == nil {
		r.start()
	}
	if r.pending != nil && !r.first {
		r.pending.Close()
	}
	return r.br.Close()
}

// CopyFrom implements dbx.Querier; it writes, so it goes to the primary through a
// [Writer] (in a session, the copy's position is recorded).
func (rd *Reader) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	return (&Writer{Pool: rd.r.primary}).CopyFrom(ctx, table, columns, src)
}

// Begin implements dbx.Querier; transactions go to the primary through a [Writer] (in
// a session, the COMMIT records its position).
func (rd *Reader) Begin(ctx context.Context) (pgx.Tx, error) {
	return (&Writer{Pool: rd.r.primary}).Begin(ctx)
}

// row is a pgx.Row read through a Query function.
type row struct {
	ctx   context.Context
	query func(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	sql   string
	args  []any
}

func (r *row) Scan(dest ...any) error {
	rows, err := r.query(r.ctx, r.sql, r.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}
