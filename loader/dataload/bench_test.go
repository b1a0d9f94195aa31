package dataload_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/vikstrous/dataloadgen"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
)

// BenchmarkConcurrentLoad: per op, one request in which N goroutines each load one
// author by key (distinct keys), through
//   - batchorm: dataload.Key, with the default 1 ms wait;
//   - dataloadgen-pgx: the twin, dataloadgen with the same wait and capacity over a
//     hand-written pgx fetch sending the same statement;
//   - pgx-per-key: one QueryRow per goroutine, what a resolver without a loader does.
func BenchmarkConcurrentLoad(b *testing.B) {
	db := mustDB(b)
	ctx := context.Background()
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("N=%d/batchorm", n), func(b *testing.B) {
			benchLoad(b, ctx, n, func(ctx context.Context) func(k int64) (*Author, error) {
				rctx, err := dataload.NewRequest(ctx, db)
				if err != nil {
					b.Fatal(err)
				}
				return func(k int64) (*Author, error) { return authors.Load(rctx, k) }
			})
		})
		b.Run(fmt.Sprintf("N=%d/dataloadgen-pgx", n), func(b *testing.B) {
			pool := db.Pool()
			benchLoad(b, ctx, n, func(ctx context.Context) func(k int64) (*Author, error) {
				l := dataloadgen.NewLoader(func(_ context.Context, keys []int64) ([]*Author, []error) {
					return twinFetch(ctx, pool, keys)
				}, dataloadgen.WithWait(dataload.DefaultWait), dataloadgen.WithBatchCapacity(dataload.DefaultMaxBatch))
				return func(k int64) (*Author, error) { return l.Load(ctx, k) }
			})
		})
		b.Run(fmt.Sprintf("N=%d/pgx-per-key", n), func(b *testing.B) {
			pool := db.Pool()
			benchLoad(b, ctx, n, func(ctx context.Context) func(k int64) (*Author, error) {
				return func(k int64) (*Author, error) {
					var a Author
					err := pool.QueryRow(ctx, `SELECT "authors"."id", "authors"."name", "authors"."deleted_at" FROM "authors" WHERE ("authors"."deleted_at" IS NULL) AND ("authors"."id" = $1)`, k).Scan(&a.ID, &a.Name, &a.DeletedAt)
					return &a, err
				}
			})
		})
	}
}

// benchLoad runs, per op, n goroutines each loading one key with the loader that
// request makes for the op's context, and reports queries/op.
func benchLoad(b *testing.B, ctx context.Context, n int, request func(ctx context.Context) func(k int64) (*Author, error)) {
	b.ReportAllocs()
	statements := 0
	base := int64(0)
	for b.Loop() {
		lctx, log := orm.WithQueryLog(ctx)
		load := request(lctx)
		var wg sync.WaitGroup
		var failed error
		var mu sync.Mutex
		for i := range n {
			k := (base+int64(i))%900 + 10 // distinct keys, never author 7
			wg.Go(func() {
				a, err := load(k)
				if err == nil && a.ID != k {
					err = fmt.Errorf("key %d: got author %d", k, a.ID)
				}
				if err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if failed != nil {
			b.Fatal(failed)
		}
		base += int64(n)
		statements += log.Statements()
	}
	b.ReportMetric(float64(statements)/float64(b.N), "queries/op")
}

// twinFetch is the hand-written pgx fetch of the twin: the statement dataload sends,
// rows scanned by hand, results in key order.
func twinFetch(ctx context.Context, pool interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, keys []int64) ([]*Author, []error) {
	out := make([]*Author, len(keys))
	errs := make([]error, len(keys))
	rows, err := pool.Query(ctx, `SELECT "authors"."id", "authors"."name", "authors"."deleted_at" FROM "authors" WHERE ("authors"."deleted_at" IS NULL) AND ("authors"."id" = ANY($1))`, keys)
	if err == nil {
		at := make(map[int64]*Author, len(keys))
		for rows.Next() {
			a := new(Author)
			if err = rows.Scan(&a.ID, &a.Name, &a.DeletedAt); err != nil {
				break
			}
			at[a.ID] = a
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		for i, k := range keys {
			if out[i] = at[k]; out[i] == nil && err == nil {
				errs[i] = pgx.ErrNoRows
			}
		}
	}
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
	}
	return out, errs
}
