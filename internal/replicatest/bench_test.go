package replicatest_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/pool"
)

// BenchmarkRead compares a read by primary key routed to a replica (batchorm) with the
// same query on an orm.DB opened straight on the replica (direct: the router's own
// cost is batchorm/direct) and with pgx straight to the replica's pool (pgx).
func BenchmarkRead(b *testing.B) {
	ctx := testContext(b)
	db := mustCluster(b, ctx, orm.Routing{}, replicas[0])
	it := Item{Name: "bench"}
	if err := orm.Insert(ctx, db, &it); err != nil {
		b.Fatal(err)
	}
	mustCatchUp(b, ctx)
	direct, err := pgxpool.New(ctx, replicas[0].URL())
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	plain, err := orm.Open(ctx, pool.Config{ConnString: replicas[0].URL()})
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()

	b.Run("batchorm", func(b *testing.B) {
		lctx, log := orm.WithQueryLog(ctx)
		b.ReportAllocs()
		for b.Loop() {
			got, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).All(lctx)
			if err != nil || len(got) != 1 {
				b.Fatalf("got %v, %v", got, err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	})
	b.Run("direct", func(b *testing.B) {
		lctx, log := orm.WithQueryLog(ctx)
		b.ReportAllocs()
		for b.Loop() {
			got, err := orm.Query[Item](plain).Where(orm.Eq{"id": it.ID}).All(lctx)
			if err != nil || len(got) != 1 {
				b.Fatalf("got %v, %v", got, err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	})
	b.Run("pgx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var got Item
			if err := direct.QueryRow(ctx, `SELECT "id", "name" FROM "items" WHERE "id" = $1`, it.ID).Scan(&got.ID, &got.Name); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(1, "queries/op")
	})
}
