package orm_test

import (
	"context"
	"testing"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// writeAllBenchSchema leaves room for HOT updates (fillfactor 50), so repeated
// UPDATEs of the same rows do not bloat the table.
const writeAllBenchSchema = `CREATE TABLE bench_accounts (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  age integer NOT NULL
) WITH (fillfactor = 50)`

// benchAccount is the model of BenchmarkUpdateAll_ids.
type benchAccount struct {
	ID   int64
	Name string
	Age  int32
}

func (benchAccount) TableName() string { return "bench_accounts" }

// BenchmarkUpdateAll_ids sets one column on 10,000 rows chosen by an id list (every
// other row of 20,000): Select.UpdateAll against the UPDATE … WHERE id = ANY($2) one
// writes by hand with pgx.
func BenchmarkUpdateAll_ids(b *testing.B) {
	const n = 10_000
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(2*i + 1)
	}
	run := func(b *testing.B, update func(ctx context.Context, db *orm.DB, age int32) (int64, error)) {
		db := ormtest.New(b, ormtest.Schema(writeAllBenchSchema))
		ctx := context.Background()
		mustExec(b, db, `INSERT INTO bench_accounts (name, age) SELECT 'user-' || i, i % 90 FROM generate_series(1, $1) AS i`, 2*n)
		lctx, log := orm.WithQueryLog(ctx)
		age := int32(0)
		b.ReportAllocs()
		for b.Loop() {
			age++
			got, err := update(lctx, db, age)
			if err != nil || got != n {
				b.Fatalf("expected %d, got %d: %v", n, got, err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	}
	b.Run("batchorm", func(b *testing.B) {
		run(b, func(ctx context.Context, db *orm.DB, age int32) (int64, error) {
			return orm.Query[benchAccount](db).Where(orm.Eq{"id": ids}).UpdateAll(ctx, orm.Set{"age": age})
		})
	})
	b.Run("pgx", func(b *testing.B) {
		run(b, func(ctx context.Context, db *orm.DB, age int32) (int64, error) {
			tag, err := db.Pool().Exec(ctx, `UPDATE bench_accounts SET age = $1 WHERE id = ANY($2)`, age, ids)
			return tag.RowsAffected(), err
		})
	})
}
