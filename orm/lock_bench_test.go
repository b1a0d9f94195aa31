package orm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

var errRollback = errors.New("roll back")

// BenchmarkClaim claims 50 jobs with FOR UPDATE SKIP LOCKED and marks them done, in a
// transaction that is then rolled back (so every iteration finds the same queue),
// against the same two statements written by hand with pgx.
func BenchmarkClaim(b *testing.B) {
	db := ormtest.New(b, ormtest.Schema(schema), ormtest.Schema(jobsDDL))
	ctx := context.Background()
	mustExec(b, db, "INSERT INTO jobs (status) SELECT 'ready' FROM generate_series(1, 10000); ANALYZE jobs")
	b.Run("batchorm", func(b *testing.B) {
		ctx, log := orm.WithQueryLog(ctx)
		b.ReportAllocs()
		for b.Loop() {
			err := db.Tx(ctx, func(tx *orm.DB) error {
				jobs, err := orm.Query[Job](tx).Where(orm.Eq{"status": "ready"}).OrderBy("id").Limit(50).
					ForUpdate().SkipLocked().All(ctx)
				if err != nil || len(jobs) != 50 {
					b.Fatalf("claimed %d: %v", len(jobs), err)
				}
				if _, err := orm.Query[Job](tx).Where(orm.Eq{"id": jobIDs(jobs)}).UpdateAll(ctx, orm.Set{"status": "done", "worker": 1}); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	})
	b.Run("pgx", func(b *testing.B) {
		p := db.Pool()
		ctx, log := orm.WithQueryLog(ctx)
		const claimSQL = `SELECT "jobs"."id", "jobs"."status", "jobs"."worker", "jobs"."user_id" FROM "jobs" WHERE "jobs"."status" = $1 ORDER BY "jobs"."id" LIMIT $2 FOR UPDATE SKIP LOCKED`
		const doneSQL = `UPDATE "jobs" SET "status" = $1, "worker" = $2 WHERE "jobs"."id" = ANY($3)`
		b.ReportAllocs()
		for b.Loop() {
			tx, err := p.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			rows, _ := tx.Query(ctx, claimSQL, "ready", 50)
			jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) {
				var j Job
				return j, r.Scan(&j.ID, &j.Status, &j.Worker, &j.UserID)
			})
			if err != nil || len(jobs) != 50 {
				b.Fatalf("claimed %d: %v", len(jobs), err)
			}
			if _, err := tx.Exec(ctx, doneSQL, "done", 1, jobIDs(jobs)); err != nil {
				b.Fatal(err)
			}
			if err := tx.Rollback(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	})
}
