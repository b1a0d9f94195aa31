package orm

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/internal/route"
	"github.com/batchorm/batchorm/pool"
)

// Querier is the pgx method set every batchorm engine accepts: *pgxpool.Pool,
// *pgx.Conn, pgx.Tx and *DB all satisfy it.
type Querier = dbx.Querier

// DB is the handle to a database: a *pgxpool.Pool, or a transaction on one inside
// [DB.Tx]. It is safe for concurrent use by multiple goroutines (a DB inside Tx is as
// safe as the pgx.Tx it wraps, which is not: use it from the goroutine running fn).
// Build it once with [Open] or [New] and share it.
//
// DB satisfies [Querier], so it can be handed to the loader, bulk and paginate
// packages, and raw pgx calls through it are counted by [WithQueryLog].
type DB struct {
	shared // per-handle facts (bulk's catalog entries), found by the engines
	pool   *pgxpool.Pool
	q      Querier
	tracer *querylog.Tracer
	owned  bool          // Close closes the pool
	rt     *route.Router // reads to replicas (WithReplicas); nil inside a transaction

	key      []byte          // Routing.TokenKey
	replicas []*pgxpool.Pool // owned replica pools (OpenCluster)
}

var _ Querier = (*DB)(nil)

// shared is embedded in DB under an unexported name; see internal/dbx.Box.
type shared = dbx.Box

// Option configures [New].
type Option func(*options) error

type options struct {
	allowUntraced bool
	replicas      []*pgxpool.Pool // WithReplicas
	routing       Routing         // WithRouting
}

// WithoutQueryLog lets [New] accept a pool that was built without batchorm's tracer
// (with pgxpool directly and without [pool.Instrument]). Statements sent through such
// a DB are not recorded by [WithQueryLog] and [DB.Stats] stays zero. Default: off, and
// New refuses such a pool, because a statement count that silently reads zero would
// let a test for N+1 queries pass while the code sends N+1 queries.
func WithoutQueryLog() Option {
	return func(o *options) error { o.allowUntraced = true; return nil }
}

// ErrUntracedPool is returned by [New] for a pool without batchorm's tracer.
var ErrUntracedPool = errors.New("orm: pool has no batchorm tracer: build it with pool.New, or call pool.Instrument on the *pgxpool.Config before pgxpool.NewWithConfig, or pass orm.WithoutQueryLog()")

// New returns a DB over p. The caller keeps owning p: [DB.Close] does not close it.
// New returns [ErrUntracedPool] when p was built without batchorm's tracer, unless
// [WithoutQueryLog] is given.
func New(p *pgxpool.Pool, opts ...Option) (*DB, error) {
	if p == nil {
		return nil, errors.New("orm: New: nil pool")
	}
	var o options
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("orm: New: nil Option")
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	t := querylog.Find(p.Config().ConnConfig.Tracer)
	if t == nil && !o.allowUntraced {
		return nil, ErrUntracedPool
	}
	db := &DB{shared: dbx.NewBox(t), pool: p, q: p, tracer: t}
	if len(o.replicas) > 0 {
		return db, db.route(o)
	}
	return db, nil
}

// Open builds a pool from cfg with [pool.New] (production defaults, tracer installed)
// and returns a DB that owns it: [DB.Close] closes the pool.
func Open(ctx context.Context, cfg pool.Config, opts ...Option) (*DB, error) {
	p, err := pool.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db, err := New(p, opts...)
	if err != nil {
		p.Close()
		return nil, err
	}
	db.owned = true
	return db, nil
}

// Close closes the pool when the DB was made by [Open] (the replicas' pools too, by
// [OpenCluster]), and stops watching replicas ([WithReplicas]); otherwise it does
// nothing.
func (db *DB) Close() {
	db.closeRouter()
	if db.owned && db.pool != nil {
		db.pool.Close()
	}
}

// Pool returns the underlying pool (also inside a transaction).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// InTx reports whether db runs on a transaction.
func (db *DB) InTx() bool { _, ok := db.q.(pgx.Tx); return ok }

// Stats is a snapshot of the statements sent through a DB's pool since it was made.
type Stats struct {
	// Statements counts data statements (transaction control and batchorm's catalog
	// reads excluded).
	Statements int64
	// RoundTrips counts round trips, transaction control included.
	RoundTrips int64
	// Errors counts statements and batches that returned an error.
	Errors int64
}

// Stats returns the pool-wide statement totals (all DBs on the same pool share them).
func (db *DB) Stats() Stats {
	if db.tracer == nil {
		return Stats{}
	}
	t := db.tracer.Totals()
	return Stats{Statements: t.Statements, RoundTrips: t.RoundTrips, Errors: t.Errors}
}

// WithTx returns a DB that runs every batchorm API on tx, a transaction the caller
// began (with pgx, or with [DB.Begin] to set options) and still owns: commit or roll
// it back yourself. It shares db's pool, statement counting and cached facts. Like
// tx, it is for the goroutine that runs the transaction.
func (db *DB) WithTx(tx pgx.Tx) *DB {
	return &DB{shared: db.shared, pool: db.pool, q: tx, tracer: db.tracer, key: db.key}
}

// Exec runs sql with args and returns its command tag.
func (db *DB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return db.q.Exec(ctx, sql, args...)
}

// Query runs sql with args. The caller must close the rows. With replicas it goes to
// the primary, unless ctx is marked [AsRead].
func (db *DB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return db.rawQuerier(ctx).Query(ctx, sql, args...)
}

// QueryRow runs sql with args; errors are deferred to the row's Scan. With replicas it
// goes to the primary, unless ctx is marked [AsRead].
func (db *DB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return db.rawQuerier(ctx).QueryRow(ctx, sql, args...)
}

// SendBatch sends b in one round trip. The caller must close the results. With
// replicas it goes to the primary, unless ctx is marked [AsRead]: loader.Preload and
// loader/dataload on a DB read through Query and SendBatch, so give them
// orm.AsRead(ctx) to read from replicas.
func (db *DB) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return db.rawQuerier(ctx).SendBatch(ctx, b)
}

// CopyFrom copies rows into table with COPY FROM STDIN.
func (db *DB) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	return db.q.CopyFrom(ctx, table, columns, src)
}

// Begin starts a transaction (a savepoint inside one). Prefer [DB.Tx], which cannot
// leak an open transaction.
func (db *DB) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := db.q.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("orm: begin: %w", err)
	}
	return tx, nil
}
