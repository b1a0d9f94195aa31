package route

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/dbx"
)

// Writer is the primary's querier. Outside a session it is the pool. In a session
// (a context from [WithSession]) it learns the primary's WAL position after each
// write in the write's own round trip and advances the session to it:
//
//   - a statement outside a transaction is pipelined as [statement, COMMIT, position]
//     with one Sync. The statement runs in the pipeline's implicit transaction, the
//     COMMIT ends it (writing its commit record), and the position is read in the
//     next implicit transaction, so it is at or past the commit record. Reading the
//     position in the statement's own transaction would name a point before the commit
//     record, which a replica can reach without showing the write.
//   - a batch gets COMMIT and the position appended; a batch that begins its own
//     transaction (its first statement is BEGIN or START TRANSACTION) gets only the
//     position read, which follows the batch's own COMMIT.
//   - a transaction begun through Writer sends [COMMIT, position] as one batch.
//   - COPY cannot share a pipeline: it is followed by a separate position read (one
//     more round trip), as are statements that refuse to run in a pipeline (VACUUM,
//     CREATE INDEX CONCURRENTLY, CREATE/DROP DATABASE, ALTER SYSTEM, ...).
//
// Query and QueryRow are treated as writes too (the statement may be INSERT ...
// RETURNING or call a function that writes): reads that should go to a replica come
// through a [Reader].
//
// The position is pg_current_wal_insert_lsn(), not pg_current_wal_lsn(): with
// synchronous_commit off, a commit record may be inserted but not yet written, and
// the write position would then name a point before it.
type Writer struct {
	Pool *pgxpool.Pool
}

var _ dbx.Querier = (*Writer)(nil)

// positioned returns b's queries followed by COMMIT and the position read, which
// advances s.
func positioned(s *Session, queries ...*pgx.QueuedQuery) *pgx.Batch {
	b := &pgx.Batch{QueuedQueries: slices.Clip(queries)}
	b.Queue("COMMIT")
	queuePosition(b, s)
	return b
}

// queuePosition appends the position read, which advances s, to b.
func queuePosition(b *pgx.Batch, s *Session) {
	b.Queue(positionSQL).QueryRow(func(row pgx.Row) error {
		var pos int64
		if err := row.Scan(&pos); err != nil {
			return err
		}
		s.Advance(pos)
		return nil
	})
}

// Exec implements dbx.Querier.
func (w *Writer) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	s := SessionFrom(ctx)
	if s == nil {
		return w.Pool.Exec(ctx, sql, args...)
	}
	if refusesPipeline(sql) {
		tag, err := w.Pool.Exec(ctx, sql, args...)
		if err == nil {
			err = w.readPosition(ctx, s)
		}
		return tag, err
	}
	br := w.Pool.SendBatch(ctx, positioned(s, &pgx.QueuedQuery{SQL: sql, Arguments: args}))
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// Query implements dbx.Querier. The COMMIT and position are read when the rows end.
func (w *Writer) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	s := SessionFrom(ctx)
	if s == nil || refusesPipeline(sql) {
		return w.Pool.Query(ctx, sql, args...)
	}
	br := w.Pool.SendBatch(ctx, positioned(s, &pgx.QueuedQuery{SQL: sql, Arguments: args}))
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return rows, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// QueryRow implements dbx.Querier.
func (w *Writer) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if SessionFrom(ctx) == nil {
		return w.Pool.QueryRow(ctx, sql, args...)
	}
	return &row{ctx: ctx, query: w.Query, sql: sql, args: args}
}

// SendBatch implements dbx.Querier.
func (w *Writer) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	s := SessionFrom(ctx)
	if s == nil || len(b.QueuedQueries) == 0 {
		return w.Pool.SendBatch(ctx, b)
	}
	if isTxStart(b.QueuedQueries[0].SQL) {
		// The batch brings its own transaction: no COMMIT of ours (it would commit
		// what the batch left open), but the position is read after the batch's own
		// COMMIT, in the same round trip.
		pb := &pgx.Batch{QueuedQueries: slices.Clip(b.QueuedQueries)}
		queuePosition(pb, s)
		return w.Pool.SendBatch(ctx, pb)
	}
	return w.Pool.SendBatch(ctx, positioned(s, b.QueuedQueries...))
}

// CopyFrom implements dbx.Querier.
func (w *Writer) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	n, err := w.Pool.CopyFrom(ctx, table, columns, src)
	if s := SessionFrom(ctx); s != nil && err == nil {
		err = w.readPosition(ctx, s)
	}
	return n, err
}

// Begin implements dbx.Querier.
func (w *Writer) Begin(ctx context.Context) (pgx.Tx, error) {
	return w.BeginTx(ctx, pgx.TxOptions{})
}

// BeginTx begins a transaction on the primary; in a session, its COMMIT carries the
// position read.
func (w *Writer) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	s := SessionFrom(ctx)
	if s == nil {
		return w.Pool.BeginTx(ctx, opts)
	}
	conn, err := w.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Release()
		return nil, err
	}
	return &sessionTx{Tx: tx, conn: conn, s: s}, nil
}

func (w *Writer) readPosition(ctx context.Context, s *Session) error {
	var pos int64
	if err := w.Pool.QueryRow(ctx, positionSQL).Scan(&pos); err != nil {
		return err
	}
	s.Advance(pos)
	return nil
}

// batchRows are the rows of a positioned statement: when they end, the rest of the
// batch (COMMIT, position) is read and its error reported by Err.
type batchRows struct {
	pgx.Rows
	br   pgx.BatchResults
	done bool
	err  error
}

func (r *batchRows) finish() {
	if r.done {
		return
	}
	r.done = true
	r.Rows.Close()
	r.err = r.Rows.Err()
	if err := r.br.Close(); r.err == nil {
		r.err = err
	}
}

func (r *batchRows) Next() bool {
	if r.done {
		return false
	}
	if r.Rows.Next() {
		return true
	}
	r.finish()
	return false
}

func (r *batchRows) Close() { r.finish() }

func (r *batchRows) Err() error {
	if r.done {
		return r.err
	}
	return r.Rows.Err()
}

// sessionTx is a transaction whose COMMIT is pipelined with the position read.
type sessionTx struct {
	pgx.Tx
	conn   *pgxpool.Conn
	s      *Session
	closed bool
}

// Commit sends COMMIT and the position read in one round trip. A COMMIT that
// reports ROLLBACK (the transaction had failed) is pgx.ErrTxCommitRollback, as with
// pgx.
func (t *sessionTx) Commit(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	t.closed = true
	defer t.conn.Release()
	br := t.conn.SendBatch(ctx, positioned(t.s))
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	if err != nil && t.conn.Conn().PgConn().TxStatus() != 'I' {
		// The pool destroys a connection released inside a transaction; make sure.
		_ = t.conn.Conn().PgConn().Close(context.WithoutCancel(ctx))
	}
	return err
}

// Rollback rolls back, unless Commit already ended the transaction.
func (t *sessionTx) Rollback(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	t.closed = true
	defer t.conn.Release()
	return t.Tx.Rollback(ctx)
}

// isTxStart reports whether sql begins a transaction (a batch that brings its own).
func isTxStart(sql string) bool {
	s := strings.ToLower(strings.TrimSpace(sql))
	return strings.HasPrefix(s, "begin") || strings.HasPrefix(s, "start transaction")
}

// refusesPipeline reports whether sql is a statement PostgreSQL refuses to run in a
// pipeline or transaction block.
func refusesPipeline(sql string) bool {
	s := strings.ToLower(strings.TrimSpace(sql))
	if len(s) > 64 {
		s = s[:64]
	}
	for _, p := range []string{"vacuum", "create database", "drop database", "alter system", "create tablespace",
		"drop tablespace", "reindex", "cluster", "alter database", "create subscription", "drop subscription"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return strings.Contains(s, "concurrently") && !strings.HasPrefix(s, "select") && !strings.HasPrefix(s, "with")
}
