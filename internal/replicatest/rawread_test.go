package replicatest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// itemName is a second model over items, so that two loaders share a round trip (a
// pgx batch, sent with SendBatch).
type itemName struct {
	ID   int64
	Name string
}

func (itemName) TableName() string { return "items" }

var (
	itemsByID, _ = dataload.Key[Item, int64]()
	namesByID, _ = dataload.Key[itemName, int64]()
)

// inRecoveryPgx asks through DB's pgx methods (Query, then SendBatch) whether the
// server that answers is a replica.
func inRecoveryPgx(t *testing.T, ctx context.Context, db *orm.DB) (query, batch bool) {
	t.Helper()
	if err := db.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&query); err != nil {
		t.Fatal(err)
	}
	before := replicaReads(db.RouteStats())
	log := ormtest.Record(ctx, func(ctx context.Context) {
		rctx, err := dataload.NewRequest(ctx, db, dataload.WithWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := itemsByID.Load(rctx, 1); err != nil && !errors.Is(err, dataload.ErrNotFound) {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := namesByID.Load(rctx, 1); err != nil && !errors.Is(err, dataload.ErrNotFound) {
				t.Error(err)
			}
		})
		wg.Wait()
	})
	if log.Statements() != 2 || log.RoundTrips() != 1 {
		t.Fatalf("two loaders: %d statements in %d round trips, want 2 in 1 (a batch)", log.Statements(), log.RoundTrips())
	}
	return query, replicaReads(db.RouteStats()) > before
}

// DB's pgx methods, which loader.Preload and dataload use on a DB, read from replicas
// when the context says AsRead, and from the primary otherwise.
func TestRouting_pgxMethodsAsRead(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{MaxWait: 50 * time.Millisecond}, replicas[0])
	mustCatchUp(t, ctx)
	if q, b := inRecoveryPgx(t, orm.AsRead(ctx), db); !q || !b {
		t.Fatalf("with AsRead: QueryRow on a replica %v, dataload's batch on a replica %v; want both", q, b)
	}
	if q, b := inRecoveryPgx(t, ctx, db); q || b {
		t.Fatalf("without AsRead: QueryRow on a replica %v, dataload's batch on a replica %v; want neither", q, b)
	}
}
