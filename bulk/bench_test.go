package bulk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// The benchmarks pair each bulk call (…/batchorm) with hand-written pgx code doing the
// same work on the same table (…/pgx). The pgx twins are what one would write by hand:
// for ids, an unnest INSERT … RETURNING id whose rows are taken in RETURNING order
// (which bulk does not rely on). Run:
//
//	go test ./bulk -run '^$' -bench . -benchmem -count 6

const benchSchema = `CREATE TABLE bench_users (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL,
  age integer NOT NULL
) WITH (fillfactor = 50)` // room for HOT updates, so repeated UPDATEs do not bloat the table

// BenchUser is the benchmark model.
type BenchUser struct {
	ID    int64
	Name  string
	Email string
	Age   int32
}

func benchUsers(n int) []BenchUser {
	out := make([]BenchUser, n)
	for i := range out {
		out[i] = BenchUser{Name: fmt.Sprintf("user-%d", i), Email: fmt.Sprintf("u%d@example.com", i), Age: int32(i % 90)}
	}
	return out
}

// benchDB returns a fresh database whose bulk plan for BenchUser is already cached, so
// that queries/op counts the steady state.
func benchDB(b *testing.B) (*orm.DB, context.Context) {
	b.Helper()
	db := ormtest.New(b, ormtest.Schema(benchSchema))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	b.Cleanup(cancel)
	if err := bulk.Create(ctx, db, benchUsers(1)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, "TRUNCATE bench_users RESTART IDENTITY"); err != nil {
		b.Fatal(err)
	}
	return db, ctx
}

// measure is the loop every benchmark here shares. It runs op once per b.Loop
// iteration and reports allocations and queries/op. op gets a context carrying an
// orm.QueryLog: the statements it sends through that context are the ones counted.
// before, unless nil, runs ahead of each iteration with the timer stopped, on the
// uncounted ctx, so neither its time nor its statements are measured.
func measure(
	b *testing.B, ctx context.Context, db *orm.DB,
	before func(*testing.B, context.Context, *orm.DB), op func(ctx context.Context),
) {
	b.Helper()
	lctx, log := orm.WithQueryLog(ctx)
	b.ReportAllocs()
	for b.Loop() {
		if before != nil {
			b.StopTimer()
			before(b, ctx, db)
			b.StartTimer()
		}
		op(lctx)
	}
	b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
}

// truncate empties the table and restarts its ids; measure runs it as an untimed
// before step.
func truncate(b *testing.B, ctx context.Context, db *orm.DB) {
	b.Helper()
	if _, err := db.Exec(ctx, "TRUNCATE bench_users RESTART IDENTITY"); err != nil {
		b.Fatal(err)
	}
}

// seed fills the table with n rows (ids 1..n) in one statement and returns them.
func seed(b *testing.B, ctx context.Context, db *orm.DB, n int) []BenchUser {
	b.Helper()
	if _, err := db.Exec(ctx, `INSERT INTO bench_users (name, email, age)
		SELECT 'user-' || i, 'u' || i || '@example.com', i % 90 FROM generate_series(1, $1) AS i`, n); err != nil {
		b.Fatal(err)
	}
	rows := benchUsers(n)
	for i := range rows {
		rows[i].ID = int64(i + 1)
	}
	return rows
}

// benchCreate measures one bulk.Create(opts...) of n new rows per iteration, into a
// table emptied before each. The ids are cleared first, so every row is new; with
// checkIDs, the last generated id must come back as n.
func benchCreate(b *testing.B, n int, checkIDs bool, opts ...bulk.Option) {
	db, ctx := benchDB(b)
	rows := benchUsers(n)
	measure(b, ctx, db, truncate, func(ctx context.Context) {
		for i := range rows {
			rows[i].ID = 0
		}
		if err := bulk.Create(ctx, db, rows, opts...); err != nil {
			b.Fatal(err)
		}
		if checkIDs && rows[n-1].ID != int64(n) {
			b.Fatalf("expected id %d, got %d", n, rows[n-1].ID)
		}
	})
}

// BenchmarkCreate_returningIDs inserts 10,000 rows and reads their ids back.
func BenchmarkCreate_returningIDs(b *testing.B) {
	const n = 10_000
	b.Run("batchorm", func(b *testing.B) {
		benchCreate(b, n, true) // bulk.Create(ctx, db, rows)
	})
	b.Run("pgx", func(b *testing.B) {
		db, ctx := benchDB(b)
		rows := benchUsers(n)
		measure(b, ctx, db, truncate, func(ctx context.Context) {
			names, emails, ages := make([]string, n), make([]string, n), make([]int32, n)
			for i, r := range rows {
				names[i], emails[i], ages[i] = r.Name, r.Email, r.Age
			}
			res, err := db.Pool().Query(ctx, `INSERT INTO bench_users (name, email, age)
				SELECT * FROM unnest($1::text[], $2::text[], $3::integer[]) RETURNING id`, names, emails, ages)
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for res.Next() {
				if err := res.Scan(&rows[i].ID); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if err := res.Err(); err != nil || i != n {
				b.Fatalf("expected %d, got %d: %v", n, i, err)
			}
		})
	})
}

// BenchmarkCreate_noReturning inserts 100,000 rows and reads nothing back.
func BenchmarkCreate_noReturning(b *testing.B) {
	const n = 100_000
	b.Run("batchorm", func(b *testing.B) {
		db, ctx := benchDB(b)
		rows := benchUsers(n)
		measure(b, ctx, db, truncate, func(ctx context.Context) {
			if err := bulk.Create(ctx, db, rows, bulk.NoReturning()); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("pgx", func(b *testing.B) {
		db, ctx := benchDB(b)
		rows := benchUsers(n)
		measure(b, ctx, db, truncate, func(ctx context.Context) {
			got, err := db.Pool().CopyFrom(ctx, pgx.Identifier{"bench_users"}, []string{"name", "email", "age"},
				pgx.CopyFromSlice(n, func(i int) ([]any, error) {
					return []any{rows[i].Name, rows[i].Email, rows[i].Age}, nil
				}))
			if err != nil || got != n {
				b.Fatalf("expected %d, got %d: %v", n, got, err)
			}
		})
	})
}

// BenchmarkUpdate_perRow writes a different name and age into each of 10,000 rows.
func BenchmarkUpdate_perRow(b *testing.B) {
	const n = 10_000
	b.Run("batchorm", func(b *testing.B) {
		db, ctx := benchDB(b)
		rows := seed(b, ctx, db, n)
		round := int32(0)
		measure(b, ctx, db, nil, func(ctx context.Context) {
			round++
			for i := range rows {
				rows[i].Age = round + int32(i%7)
			}
			got, err := bulk.Update(ctx, db, rows, []string{"name", "age"})
			if err != nil || got != n {
				b.Fatalf("expected %d, got %d: %v", n, got, err)
			}
		})
	})
	b.Run("pgx", func(b *testing.B) {
		db, ctx := benchDB(b)
		rows := seed(b, ctx, db, n)
		round := int32(0)
		measure(b, ctx, db, nil, func(ctx context.Context) {
			round++
			ids, names, ages := make([]int64, n), make([]string, n), make([]int32, n)
			for i := range rows {
				rows[i].Age = round + int32(i%7)
				ids[i], names[i], ages[i] = rows[i].ID, rows[i].Name, rows[i].Age
			}
			tag, err := db.Pool().Exec(ctx, `UPDATE bench_users AS t SET name = u.name, age = u.age
				FROM unnest($1::bigint[], $2::text[], $3::integer[]) AS u(id, name, age) WHERE t.id = u.id`, ids, names, ages)
			if err != nil || tag.RowsAffected() != n {
				b.Fatalf("expected %d, got %d: %v", n, tag.RowsAffected(), err)
			}
		})
	})
}

// BenchmarkCreate_naive is the loop bulk exists to replace: 1,000 rows inserted one
// statement at a time (orm.Insert), next to one bulk.Create of the same rows.
func BenchmarkCreate_naive(b *testing.B) {
	const n = 1_000
	b.Run("naive", func(b *testing.B) {
		db, ctx := benchDB(b)
		rows := benchUsers(n)
		measure(b, ctx, db, truncate, func(ctx context.Context) {
			for i := range rows {
				rows[i].ID = 0
				if err := orm.Insert(ctx, db, &rows[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("batchorm", func(b *testing.B) {
		benchCreate(b, n, false)
	})
}

// BenchmarkCreate_strategies measures the three ways Create can send rows, at several
// batch sizes, with nothing read back (so that COPY is possible) and with ids read back.
// Auto's COPY threshold (copyMinRows) follows them.
func BenchmarkCreate_strategies(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10_000, 100_000} {
		for _, st := range []bulk.Strategy{bulk.Copy, bulk.Unnest, bulk.Values} {
			for _, back := range []bool{false, true} {
				if back && st == bulk.Copy {
					continue
				}
				name := fmt.Sprintf("%d/%v", n, st)
				opts := []bulk.Option{bulk.WithStrategy(st)}
				if back {
					name += "+ids"
				} else {
					opts = append(opts, bulk.NoReturning())
				}
				b.Run(name, func(b *testing.B) {
					benchCreate(b, n, false, opts...)
				})
			}
		}
	}
}

// BenchmarkCreate_readBack compares the two ways Create reads generated ids back for
// 10,000 rows: DEFAULT arrays (the default) and RETURNING joined on the key
// (ViaReturning).
func BenchmarkCreate_readBack(b *testing.B) {
	const n = 10_000
	for name, opts := range map[string][]bulk.Option{"arrays": nil, "returning": {bulk.ViaReturning()}} {
		b.Run(name, func(b *testing.B) {
			benchCreate(b, n, true, opts...)
		})
	}
}
