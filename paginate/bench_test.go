package paginate_test

import (
	"context"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// BenchPost is the model of the 1,000,000-row benchmark table.
type BenchPost struct {
	ID        int64
	CreatedAt time.Time
	Title     string
	AuthorID  int32
}

// TableName implements the model's table-name hook.
func (BenchPost) TableName() string { return "bench_posts" }

const (
	benchRows  = 1_000_000
	benchDeep  = 900_000 // the deep page starts after this many rows
	benchLimit = 20
)

// benchSchema loads benchRows rows (3 rows per second, so created_at has ties; a
// nullable score, NULL on every 4th row) with one INSERT ... SELECT generate_series,
// then builds the primary key, the (created_at, id) index and the
// (score DESC NULLS LAST, id DESC) index. ormtest runs it once per test binary,
// into the template database that each benchmark's database is cloned from, so it
// costs nothing in the normal test run and is not repeated by -count.
const benchSchema = `
CREATE TABLE bench_posts (id bigint NOT NULL, created_at timestamptz NOT NULL, title text NOT NULL, author_id int NOT NULL, score int);
INSERT INTO bench_posts (id, created_at, title, author_id, score)
	SELECT i, timestamptz '2020-01-01' + (i / 3) * interval '1 second', 'post number ' || i, i % 1000,
		CASE WHEN i % 4 <> 0 THEN i % 5000 END
	FROM generate_series(1, 1000000) AS i;
ALTER TABLE bench_posts ADD PRIMARY KEY (id);
CREATE INDEX bench_posts_created_at_id_idx ON bench_posts (created_at, id);
CREATE INDEX bench_posts_score_id_idx ON bench_posts (score DESC NULLS LAST, id DESC);
`

// benchSetup returns a database cloned from the template holding benchSchema, vacuumed
// and analysed there (VACUUM runs as a statement of its own: it cannot run in the
// schema's implicit transaction), so no hint-bit writes or autovacuum disturb the
// first sub-benchmark.
func benchSetup(b *testing.B) *orm.DB {
	b.Helper()
	return ormtest.New(b, ormtest.Schema(benchSchema), ormtest.Schema(`VACUUM ANALYZE bench_posts`))
}

// BenchmarkPaginate measures page 1 and the page after row 900,000 of a
// 1,000,000-row table ordered by (created_at, id), by keyset and by offset, each
// through batchorm and through a hand-written pgx twin sending the same statement.
func BenchmarkPaginate(b *testing.B) {
	db := benchSetup(b)
	ctx := context.Background()
	var deepAt time.Time
	var deepID int64
	if err := db.QueryRow(ctx, `SELECT created_at, id FROM bench_posts ORDER BY created_at, id OFFSET $1 LIMIT 1`, benchDeep-1).
		Scan(&deepAt, &deepID); err != nil {
		b.Fatal(err)
	}
	order, err := paginate.OrderBy[BenchPost]("created_at")
	if err != nil {
		b.Fatal(err)
	}
	deepToken, err := testCodec.Encode(order, []any{deepAt, deepID})
	if err != nil {
		b.Fatal(err)
	}
	q := orm.Query[BenchPost](db).OrderBy("created_at")
	for _, c := range []struct {
		name  string
		token string
		at    *time.Time
		id    int64
	}{{name: "keyset_page1"}, {name: "keyset_deep", token: deepToken, at: &deepAt, id: deepID}} {
		b.Run(c.name+"/batchorm", func(b *testing.B) {
			benchLoop(b, func(ctx context.Context) int {
				page, err := q.Paginate(ctx, paginate.Request{Codec: testCodec, Limit: benchLimit, After: c.token})
				if err != nil {
					b.Fatal(err)
				}
				if !page.HasNext || page.Next == "" {
					b.Fatal("no next page")
				}
				return len(page.Items)
			})
		})
		b.Run(c.name+"/pgx", func(b *testing.B) {
			benchLoop(b, func(ctx context.Context) int {
				items, next, err := pgxKeysetPage(ctx, db.Pool(), c.at, c.id)
				if err != nil {
					b.Fatal(err)
				}
				if next == nil {
					b.Fatal("no next page")
				}
				return len(items)
			})
		})
	}
	offsetPages := map[string]int{"offset_page1": 1, "offset_deep": benchDeep/benchLimit + 1}
	for _, name := range []string{"offset_page1", "offset_deep"} {
		pageNo := offsetPages[name]
		b.Run(name+"/batchorm", func(b *testing.B) {
			benchLoop(b, func(ctx context.Context) int {
				page, err := q.PaginateOffset(ctx, paginate.OffsetRequest{Page: pageNo, Size: benchLimit})
				if err != nil {
					b.Fatal(err)
				}
				return len(page.Items)
			})
		})
		b.Run(name+"/pgx", func(b *testing.B) {
			benchLoop(b, func(ctx context.Context) int {
				items, err := pgxOffsetPage(ctx, db.Pool(), (pageNo-1)*benchLimit)
				if err != nil {
					b.Fatal(err)
				}
				return len(items)
			})
		})
	}
}

// benchLoop runs page in a b.Loop, checks each page holds benchLimit rows and reports
// the process's CPU time per page as client-cpu-ns/op and statements per page as
// queries/op.
func benchLoop(b *testing.B, page func(ctx context.Context) int) {
	if n := page(context.Background()); n != benchLimit { // warm-up, not timed
		b.Fatalf("expected %d rows, got %d", benchLimit, n)
	}
	b.ReportAllocs()
	ctx, log := orm.WithQueryLog(context.Background())
	cpu := cpuTime()
	for b.Loop() {
		if n := page(ctx); n != benchLimit {
			b.Fatalf("expected %d rows, got %d", benchLimit, n)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "client-cpu-ns/op")
	b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
}

// cpuTime returns the CPU time (user and system) this process has used, in
// nanoseconds: a page's client-side cost apart from the server's work and from time
// spent waiting, which on a shared machine is most of the wall-clock noise.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// pgxKeysetPage is the hand-written twin of a keyset page: the same statement (LIMIT a
// bound parameter, as batchorm sends it), rows
// scanned into structs, the extra row dropped and the next position taken from the
// last row.
func pgxKeysetPage(ctx context.Context, p *pgxpool.Pool, at *time.Time, id int64) ([]BenchPost, *BenchPost, error) {
	const cols = `SELECT "bench_posts"."id", "bench_posts"."created_at", "bench_posts"."title", "bench_posts"."author_id" FROM "bench_posts"`
	const order = ` ORDER BY "bench_posts"."created_at", "bench_posts"."id" LIMIT `
	sql, args := cols+order+`$1`, []any{int64(benchLimit + 1)}
	if at != nil {
		sql = cols + ` WHERE ("bench_posts"."created_at", "bench_posts"."id") > ($1, $2)` + order + `$3`
		args = []any{*at, id, int64(benchLimit + 1)}
	}
	items, err := pgxCollect(ctx, p, sql, args...)
	if err != nil || len(items) <= benchLimit {
		return items, nil, err
	}
	items = items[:benchLimit]
	return items, &items[benchLimit-1], nil
}

// pgxOffsetPage is the hand-written twin of an offset page: LIMIT and OFFSET are
// bound parameters, so every page shares one statement text.
func pgxOffsetPage(ctx context.Context, p *pgxpool.Pool, offset int) ([]BenchPost, error) {
	items, err := pgxCollect(ctx, p, `SELECT "bench_posts"."id", "bench_posts"."created_at", "bench_posts"."title", "bench_posts"."author_id"`+
		` FROM "bench_posts" ORDER BY "bench_posts"."created_at", "bench_posts"."id" LIMIT $1 OFFSET $2`, int64(benchLimit+1), int64(offset))
	if len(items) > benchLimit {
		items = items[:benchLimit]
	}
	return items, err
}

func pgxCollect(ctx context.Context, p *pgxpool.Pool, sql string, args ...any) ([]BenchPost, error) {
	rows, err := p.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := make([]BenchPost, 0, benchLimit+1)
	for rows.Next() {
		var it BenchPost
		if err := rows.Scan(&it.ID, &it.CreatedAt, &it.Title, &it.AuthorID); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, rows.Err()
}

// BenchmarkPlan measures the page machinery's own work for one deep page, without the
// database (what orm's Select.Paginate adds around a statement): decoding the
// request's cursor, writing the keyset condition with its bound values and the ORDER
// BY keys, and cutting 21 rows into a page with its two cursors. The pgx twin does the
// same by hand: it builds the same condition and takes the next position from the
// last row.
func BenchmarkPlan(b *testing.B) {
	m, err := model.Of[BenchPost]()
	if err != nil {
		b.Fatal(err)
	}
	order, err := keyset.OrderBy(m, []string{"created_at"})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2020, 1, 5, 0, 0, 0, 0, time.UTC)
	token, err := (*keyset.Codec)(nil).Encode(order, []any{at, int64(900_000)}, false)
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]BenchPost, benchLimit+1)
	for i := range rows {
		rows[i] = BenchPost{ID: int64(900_001 + i), CreatedAt: at, Title: "post", AuthorID: 1}
	}
	position := func(string) int { return 1 }
	b.Run("batchorm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := keyset.NewPlan(m, keyset.Request{Order: order, Limit: benchLimit, After: token})
			if err != nil {
				b.Fatal(err)
			}
			var st sqlw.Select
			p.Apply(&st, position)
			var w sqlw.Writer
			if err := w.Where(st.Where, nil); err != nil {
				b.Fatal(err)
			}
			keys := p.Keys()
			terms := make([]string, len(keys))
			for i, k := range keys {
				terms[i] = k.String()
			}
			items, nav, err := keyset.Cut(p, slices.Clone(rows))
			if err != nil || w.Len() == 0 || len(w.Args()) != 2 || len(items) != benchLimit || nav.Next == "" {
				b.Fatalf("page %+v, %v", nav, err)
			}
		}
	})
	b.Run("pgx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cond := `("bench_posts"."created_at", "bench_posts"."id") > ($1, $2)`
			args := []any{at, int64(900_000)}
			items := slices.Clone(rows)[:benchLimit]
			next := items[benchLimit-1]
			if cond == "" || len(args) != 2 || next.ID == 0 {
				b.Fatal("bad page")
			}
		}
	})
}

// BenchScore reads the nullable score of the benchmark table.
type BenchScore struct {
	ID    int64
	Score *int32
}

// TableName implements the model's table-name hook.
func (BenchScore) TableName() string { return "bench_posts" }

// BenchmarkPaginate_nullable measures page 1 and the page after row 500,000 in the
// order "-score NULLS LAST" (a nullable key, 250,000 NULLs after 750,000 scores),
// through batchorm and through a pgx twin sending the same UNION ALL of two index
// ranges. pgx_or sends the plain OR of the two, which PostgreSQL filters row by row
// from the start of the index: what the page would cost without the split.
func BenchmarkPaginate_nullable(b *testing.B) {
	db := benchSetup(b)
	ctx := context.Background()
	var deep BenchScore
	if err := db.QueryRow(ctx, `SELECT id, score FROM bench_posts ORDER BY score DESC NULLS LAST, id DESC OFFSET 499999 LIMIT 1`).
		Scan(&deep.ID, &deep.Score); err != nil || deep.Score == nil {
		b.Fatalf("deep row %+v: %v", deep, err)
	}
	q := orm.Query[BenchScore](db).OrderBy("-score NULLS LAST")
	byScore, err := paginate.OrderBy[BenchScore]("-score NULLS LAST")
	if err != nil {
		b.Fatal(err)
	}
	deepToken, err := paginate.CursorFor(testCodec, byScore, &deep)
	if err != nil {
		b.Fatal(err)
	}
	const (
		cols  = `SELECT "bench_posts"."id", "bench_posts"."score" FROM "bench_posts"`
		order = ` ORDER BY "bench_posts"."score" DESC NULLS LAST, "bench_posts"."id" DESC LIMIT `
		union = `(` + cols + ` WHERE "bench_posts"."score" <= $1 AND ("bench_posts"."score" < $2 OR ("bench_posts"."score" = $3 AND "bench_posts"."id" < $4))` + order +
			`$5) UNION ALL (` + cols + ` WHERE "bench_posts"."score" IS NULL` + order + `$5) ORDER BY 2 DESC NULLS LAST, 1 DESC LIMIT $5`
		or = cols + ` WHERE ("bench_posts"."score" < $1 OR "bench_posts"."score" IS NULL) OR ("bench_posts"."score" = $1 AND "bench_posts"."id" < $2)` + order + `$3`
	)
	const limit = int64(benchLimit + 1)
	twin := func(ctx context.Context, sql string, args ...any) int {
		rows, err := db.Pool().Query(ctx, sql, args...)
		if err != nil {
			b.Fatal(err)
		}
		items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (BenchScore, error) {
			var s BenchScore
			return s, r.Scan(&s.ID, &s.Score)
		})
		if err != nil || len(items) != benchLimit+1 {
			b.Fatalf("%d rows: %v", len(items), err)
		}
		return benchLimit
	}
	for _, c := range []struct{ name, token string }{{"page1", ""}, {"deep", deepToken}} {
		b.Run(c.name+"/batchorm", func(b *testing.B) {
			benchLoop(b, func(ctx context.Context) int {
				page, err := q.Paginate(ctx, paginate.Request{Codec: testCodec, Limit: benchLimit, After: c.token})
				if err != nil || !page.HasNext {
					b.Fatalf("page: %v", err)
				}
				return len(page.Items)
			})
		})
	}
	b.Run("deep/pgx", func(b *testing.B) {
		benchLoop(b, func(ctx context.Context) int {
			return twin(ctx, union, *deep.Score, *deep.Score, *deep.Score, deep.ID, limit)
		})
	})
	b.Run("deep/pgx_or", func(b *testing.B) {
		benchLoop(b, func(ctx context.Context) int { return twin(ctx, or, *deep.Score, deep.ID, limit) })
	})
}
