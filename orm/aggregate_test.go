package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// AuthorStats is a DTO an aggregate query fills.
type AuthorStats struct {
	UserID    int64  `db:"user_id"`
	Posts     int64  `db:"posts"`
	Published int64  `db:"published"`
	Author    string `db:"author"`
}

// seedPosts makes users 1..4 with 3, 2, 1 and 0 posts; user 1's first post and user
// 2's posts are published.
func seedPosts(t *testing.T, db *orm.DB) {
	t.Helper()
	seedUsers(t, db, 4)
	mustExec(t, db, `INSERT INTO posts (user_id, title, published) VALUES
		(1, 'a', true), (1, 'b', false), (1, 'c', false), (2, 'd', true), (2, 'e', true), (3, 'f', false)`)
}

func TestScan_aggregatesIntoDTO(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedPosts(t, db)
	var stats []AuthorStats
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		var err error
		stats, err = orm.Scan[AuthorStats](ctx, orm.Query[Post](db).Join("User").
			GroupBy("user_id", "User.name").Having(orm.Gt{"posts": 1}).OrderBy("-posts"),
			orm.Col("user_id"), orm.Count().As("posts"), orm.AggExpr("count(*) FILTER (WHERE published)").As("published"),
			orm.Col("User.name").As("author"))
		if err != nil {
			t.Fatal(err)
		}
	})
	if got := fmt.Sprint(stats); got != "[{1 3 1 user00001} {2 2 2 user00002}]" {
		t.Fatalf("stats %s", got)
	}
	// A scalar, and the other aggregates on a nullable column (users 2 and 4 have ages).
	n, err := orm.Scan[int64](ctx, orm.Query[Post](db).Where(orm.Eq{"published": true}), orm.CountDistinct("user_id").As("n"))
	if err != nil || len(n) != 1 || n[0] != 2 {
		t.Fatalf("count distinct %v, %v", n, err)
	}
	type ages struct {
		Sum sql.NullInt64   `db:"sum"`
		Avg sql.NullFloat64 `db:"avg"`
		Min sql.NullInt64   `db:"min"`
		Max sql.NullInt64   `db:"max"`
	}
	a, err := orm.Scan[ages](ctx, orm.Query[User](db),
		orm.Sum("age").As("sum"), orm.Avg("age").As("avg"), orm.Min("age").As("min"), orm.Max("age").As("max"))
	if err != nil || len(a) != 1 || a[0].Sum.Int64 != 6 || a[0].Avg.Float64 != 3 || a[0].Min.Int64 != 2 || a[0].Max.Int64 != 4 {
		t.Fatalf("ages %+v, %v", a, err)
	}
}

func TestSelect_Distinct(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedPosts(t, db)
	ids, err := orm.Scan[int64](ctx, orm.Query[Post](db).Distinct().OrderBy("user_id"), orm.Col("user_id"))
	if err != nil || fmt.Sprint(ids) != "[1 2 3]" {
		t.Fatalf("distinct authors %v, %v", ids, err)
	}
	// The latest post of each author.
	latest, err := orm.Query[Post](db).DistinctOn("user_id").OrderBy("user_id", "-id").All(ctx)
	if err != nil || len(latest) != 3 || latest[0].Title != "c" || latest[1].Title != "e" || latest[2].Title != "f" {
		t.Fatalf("latest posts %+v, %v", latest, err)
	}
}

func TestWhere_subqueries(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedPosts(t, db)
	published := orm.Query[Post](nil).Where(orm.Eq{"published": true}).Columns("user_id")
	q := orm.Query[User](db).Where(orm.Gt{"id": 0}).Where(orm.In("id", published)).Where(orm.Lt{"id": 10}).OrderBy("id")
	sqlText, args, err := q.ToSQL()
	if err != nil {
		t.Fatal(err)
	}
	want := `WHERE ("users"."id" > $1) AND ("users"."id" IN (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."published" = $2)) AND ("users"."id" < $3)`
	if !strings.Contains(sqlText, want) || fmt.Sprint(args) != "[0 true 10]" {
		t.Fatalf("sql %s %v\nwant …%s", sqlText, args, want)
	}
	var users []User
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		users, err = q.All(ctx)
	})
	if err != nil || len(users) != 2 || users[0].ID != 1 || users[1].ID != 2 {
		t.Fatalf("users with published posts: %+v, %v", users, err)
	}
	lonely, err := orm.Query[User](db).Where(orm.Not(orm.Exists(orm.Query[Post](nil).Where(`"posts"."user_id" = "users"."id"`)))).All(ctx)
	if err != nil || len(lonely) != 1 || lonely[0].ID != 4 {
		t.Fatalf("users without posts: %+v, %v", lonely, err)
	}
}

// Bad aggregate and subquery requests are refused before anything is sent.
func TestScan_badInput(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	posts := orm.Query[Post](db)
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		var ce *orm.ColumnError
		if _, err := orm.Scan[int64](ctx, posts, orm.Sum("nope").As("s")); !errors.As(err, &ce) {
			t.Errorf("unknown column: %v", err)
		}
		for name, run := range map[string]func() error{
			"aggregate without As": func() error { _, err := orm.Scan[int64](ctx, posts, orm.Count()); return err },
			"no columns":           func() error { _, err := orm.Scan[int64](ctx, posts); return err },
			"Having without GroupBy": func() error {
				_, err := orm.Scan[int64](ctx, posts.Having(orm.Gt{"n": 1}), orm.Count().As("n"))
				return err
			},
			"GroupBy with All":    func() error { _, err := posts.GroupBy("user_id").All(ctx); return err },
			"GroupBy with Count":  func() error { _, err := posts.GroupBy("user_id").Count(ctx); return err },
			"unknown GroupBy":     func() error { _, err := orm.Scan[int64](ctx, posts.GroupBy("nope"), orm.Col("user_id")); return err },
			"DistinctOn vs order": func() error { _, err := posts.DistinctOn("user_id").OrderBy("id").All(ctx); return err },
			"Preload in Scan":     func() error { _, err := orm.Scan[int64](ctx, posts.Preload("User"), orm.Col("id")); return err },
			"In of many columns": func() error {
				_, err := orm.Query[User](db).Where(orm.In("id", orm.Query[Post](nil))).All(ctx)
				return err
			},
			"In on unknown column": func() error {
				_, err := orm.Query[User](db).Where(orm.In("nope", orm.Query[Post](nil).Columns("user_id"))).All(ctx)
				return err
			},
		} {
			if err := run(); err == nil {
				t.Errorf("%s accepted", name)
			}
		}
	})
}

// BenchmarkScan groups 10,000 posts by author into 1,000 DTOs, against the same
// statement scanned by hand with pgx.
func BenchmarkScan(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	mustExec(b, db, `INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 1000) g;
		INSERT INTO posts (user_id, title, published) SELECT 1 + g % 1000, 'p', g % 3 = 0 FROM generate_series(1, 10000) g; ANALYZE`)
	q := orm.Query[Post](db).GroupBy("user_id")
	b.Run("batchorm", func(b *testing.B) {
		ctx, log := orm.WithQueryLog(ctx)
		b.ReportAllocs()
		for b.Loop() {
			stats, err := orm.Scan[AuthorStats](ctx, q, orm.Col("user_id"), orm.Count().As("posts"),
				orm.AggExpr("count(*) FILTER (WHERE published)").As("published"))
			if err != nil || len(stats) != 1000 {
				b.Fatalf("%d rows, %v", len(stats), err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	})
	b.Run("pgx", func(b *testing.B) {
		ctx, log := orm.WithQueryLog(ctx)
		const sqlText = `SELECT "posts"."user_id" AS "user_id", count(*) AS "posts", count(*) FILTER (WHERE published) AS "published" FROM "posts" GROUP BY "posts"."user_id"`
		b.ReportAllocs()
		for b.Loop() {
			rows, _ := db.Pool().Query(ctx, sqlText)
			stats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuthorStats, error) {
				var s AuthorStats
				return s, r.Scan(&s.UserID, &s.Posts, &s.Published)
			})
			if err != nil || len(stats) != 1000 {
				b.Fatalf("%d rows, %v", len(stats), err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	})
}
