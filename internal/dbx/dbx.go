// Package dbx holds the one querier interface every engine accepts and the facts
// batchorm caches per database handle.
package dbx

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/box"
	"github.com/batchorm/batchorm/internal/querylog"
)

// Querier is the pgx method set batchorm needs. *pgxpool.Pool, *pgx.Conn, pgx.Tx and
// *orm.DB satisfy it.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

var (
	_ Querier = (*pgxpool.Pool)(nil)
	_ Querier = (*pgx.Conn)(nil)
	_ Querier = (pgx.Tx)(nil)
)

// Shared holds what batchorm learns about one database and keeps for the life of a
// handle (an orm.DB and the transactions made from it): bulk's catalog entries, per
// model. It is safe for concurrent use.
type Shared struct {
	memo   sync.Map
	tracer *querylog.Tracer // the pool's statement counter; nil for an untraced pool
}

// Box is embedded, through an unexported alias, in the public handle type (orm.DB),
// so that engines given that handle as a querier find its Shared ([SharedOf]).
type Box = box.Box[*Shared]

// NewBox returns a Box holding a new Shared for a handle whose pool carries tracer
// (nil when it carries none).
func NewBox(tracer *querylog.Tracer) Box { return box.Of(&Shared{tracer: tracer}) }

// Ops returns the Tracer that observes calls made with ctx on q (any querier: an
// orm.DB, a pool, a transaction, a connection), or nil when none does. While no pool
// in the process has an observer it costs one atomic load.
func Ops(ctx context.Context, q any) *querylog.Tracer {
	if !querylog.AnyObserver() {
		return nil
	}
	if s := SharedOf(q); s != nil && s.tracer.Observing() {
		return s.tracer
	}
	return querylog.Ops(ctx, q)
}

// SharedOf returns the Shared facts of the handle q, or nil when q is not a batchorm
// handle (a bare pool, connection or transaction): callers then work without a cache.
func SharedOf(q any) *Shared {
	s, _ := box.Get[*Shared](q)
	return s
}

// Memo returns the value cached under key, building and caching it on first use. A
// build error is returned and nothing is cached. Concurrent first calls may build
// twice; one result is kept.
func (s *Shared) Memo(key any, build func() (any, error)) (any, error) {
	if v, ok := s.memo.Load(key); ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return nil, err
	}
	v, _ = s.memo.LoadOrStore(key, v)
	return v, nil
}

// Forget drops the value cached under key, so the next Memo builds it again.
func (s *Shared) Forget(key any) { s.memo.Delete(key) }
