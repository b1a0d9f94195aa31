package loader_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Every batchorm benchmark here runs next to a pgx twin: the same statements written
// by hand as an expert would (no ORDER BY the result does not need, INNER JOIN where
// the key is NOT NULL, children grouped through a map, LIMIT as a bound parameter),
// scanned with pgx alone. Compare the pair's ns/op; queries/op and roundtrips/op come
// from the counting tracer.

// benchData: 1,000 users with 10 posts each (10,000 posts, authored round-robin so that
// each author's posts are spread over the table), 5 comments per post (50,000) and 3
// of 50 tags per post (30,000 links).
const benchData = `
INSERT INTO users (id, name, created_at)
SELECT g, 'user-' || g, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute' FROM generate_series(1, 1000) g;
INSERT INTO posts (id, author_id, title, score, published, created_at)
SELECT g, 1 + (g - 1) % 1000, 'post ' || g, g % 20, g % 3 <> 0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(1, 10000) g;
INSERT INTO comments (id, post_id, author_id, body, score)
SELECT g, 1 + (g - 1) % 10000, 1 + (g * 7) % 1000, 'comment ' || g, g % 10 FROM generate_series(1, 50000) g;
INSERT INTO tags (id, name) SELECT g, 'tag-' || g FROM generate_series(1, 50) g;
INSERT INTO post_tags (post_id, tag_id)
SELECT p, 1 + (p + k * 17) % 50 FROM generate_series(1, 10000) p CROSS JOIN generate_series(1, 3) k;
ANALYZE;
`

func newBenchDB(b *testing.B, opts ...ormtest.Option) *orm.DB {
	b.Helper()
	return ormtest.New(b, append([]ormtest.Option{ormtest.Schema(schemaDDL), ormtest.Schema(benchData)}, opts...)...)
}

// The statements the twins send: the text batchorm renders, so both sides run the same
// SQL (checked by TestBench_twinStatements).
const (
	benchUsersSQL     = `SELECT ` + usersList + ` FROM "users"`
	benchUsersByIDSQL = `SELECT ` + usersList + ` FROM "users" WHERE "users"."id" = ANY($1)`
	benchPostsSQL     = `SELECT ` + postsList + ` FROM "posts" WHERE "posts"."author_id" = ANY($1)`
	benchCommentsSQL  = `SELECT "comments"."id", "comments"."post_id", "comments"."author_id", "comments"."body", "comments"."score" FROM "comments" WHERE "comments"."post_id" = ANY($1)`
	benchTagsSQL      = `SELECT "post_tags"."post_id", "tags"."id", "tags"."name" FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" WHERE "post_tags"."post_id" = ANY($1)`
	benchAuthorsSQL   = `SELECT ` + usersList + ` FROM "users" WHERE "users"."id" = ANY($1)`
	benchAuthorCols   = `"Author"."id", "Author"."name", "Author"."manager_id", "Author"."created_at"`
	benchJoinSQL      = `SELECT ` + postsList + `, ` + benchAuthorCols + ` FROM "posts" INNER JOIN "users" AS "Author" ON "Author"."id" = "posts"."author_id"`
	benchLeftJoinSQL  = `SELECT ` + postsList + `, ` + benchAuthorCols + ` FROM "posts" LEFT JOIN "users" AS "Author" ON "Author"."id" = "posts"."author_id"`
	benchAllPostsSQL  = `SELECT ` + postsList + ` FROM "posts"`
	benchPagePosts    = `SELECT ` + postsList + ` FROM "posts" ORDER BY "posts"."id" LIMIT $1`
)

// smallIDs are the users of the small request: 10 users by id, spread over the table.
var smallIDs = []int64{7, 111, 222, 333, 444, 555, 666, 777, 888, 999}

// measure runs fn in a b.Loop with a query log and reports queries and round trips per
// operation next to ns/op and allocs/op.
func measure(b *testing.B, fn func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ctx, log := orm.WithQueryLog(ctx)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if err := fn(ctx); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(log.Statements())/float64(n), "queries/op")
	b.ReportMetric(float64(log.RoundTrips())/float64(n), "roundtrips/op")
}

// measureParallel runs fn from workers goroutines at once (b.RunParallel with the
// parallelism that gives workers goroutines at this GOMAXPROCS) and reports as measure.
func measureParallel(b *testing.B, workers int, fn func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ctx, log := orm.WithQueryLog(ctx)
	b.ReportAllocs()
	b.SetParallelism(max(1, workers/runtime.GOMAXPROCS(0)))
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := fn(ctx); err != nil {
				b.Error(err)
				return
			}
			n.Add(1)
		}
	})
	b.ReportMetric(float64(log.Statements())/float64(n.Load()), "queries/op")
	b.ReportMetric(float64(log.RoundTrips())/float64(n.Load()), "roundtrips/op")
}

// bench runs the sub-benchmark name: load, measured by measure, then (unless ok is nil)
// the cheap check ok on what load returned, inside the loop. Every side of a benchmark
// (batchorm, its pgx twins, the naive loop) goes through it, so all are timed and
// counted the same way.
func bench[T any](b *testing.B, name string, ok func(*testing.B, T), load func(ctx context.Context) (T, error)) {
	b.Run(name, func(b *testing.B) {
		measure(b, checked(b, ok, load))
	})
}

// benchParallel is bench with 8 goroutines.
func benchParallel[T any](b *testing.B, name string, ok func(*testing.B, T), load func(ctx context.Context) (T, error)) {
	b.Run(name, func(b *testing.B) {
		measureParallel(b, 8, checked(b, ok, load))
	})
}

func checked[T any](b *testing.B, ok func(*testing.B, T), load func(ctx context.Context) (T, error)) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		v, err := load(ctx)
		if err == nil && ok != nil {
			ok(b, v)
		}
		return err
	}
}

func check(b *testing.B, what string, got, want int) {
	if got != want {
		b.Fatalf("%s: want %d, got %d", what, want, got)
	}
}

// BenchmarkPreload_UsersPosts: 1,000 users and their 10,000 posts.
func BenchmarkPreload_UsersPosts(b *testing.B) {
	db := newBenchDB(b)
	p := db.Pool()
	ok := func(b *testing.B, users []User) {
		check(b, "posts of the last user", len(users[len(users)-1].Posts), 10)
	}
	bench(b, "batchorm", ok, func(ctx context.Context) ([]User, error) {
		return orm.Query[User](db).Preload("Posts").All(ctx)
	})
	bench(b, "pgx", ok, func(ctx context.Context) ([]User, error) {
		users, err := twinUsers(ctx, p, benchUsersSQL)
		if err != nil {
			return nil, err
		}
		return users, twinPosts(ctx, p, users)
	})
	bench(b, "naive", ok, func(ctx context.Context) ([]User, error) {
		users, err := twinUsers(ctx, p, benchUsersSQL)
		if err != nil {
			return nil, err
		}
		return users, naivePostsEach(ctx, p, users, `SELECT `+postsList+` FROM "posts" WHERE "posts"."author_id" = $1 ORDER BY "posts"."id"`)
	})
}

// BenchmarkPreload_Nested: users -> posts -> comments (50,000), and posts -> tags.
// batchorm sends 4 statements in 3 round trips (comments and tags pipelined); the pgx
// twin sends the same 4 statements one after another, the pipelined twin batches them
// as batchorm does. The naive loop runs on the first 100 users only (2,101 statements
// per operation) to keep the run short.
func BenchmarkPreload_Nested(b *testing.B) {
	db := newBenchDB(b)
	p := db.Pool()
	ok := func(b *testing.B, users []User) {
		last := users[len(users)-1].Posts[9]
		check(b, "comments and tags of the last post", len(last.Comments)+len(last.Tags), 8)
	}
	bench(b, "batchorm", ok, func(ctx context.Context) ([]User, error) {
		return orm.Query[User](db).Preload("Posts.Comments", "Posts.Tags").All(ctx)
	})
	bench(b, "pgx", ok, func(ctx context.Context) ([]User, error) {
		return twinNested(ctx, p, benchUsersSQL, nil, false)
	})
	bench(b, "pgx_pipelined", ok, func(ctx context.Context) ([]User, error) {
		return twinNested(ctx, p, benchUsersSQL, nil, true)
	})
	bench(b, "naive_100users", nil, func(ctx context.Context) ([]User, error) {
		users, err := twinUsers(ctx, p, benchUsersSQL+` ORDER BY "users"."id" LIMIT 100`)
		if err != nil {
			return nil, err
		}
		for i := range users {
			rows, _ := p.Query(ctx, `SELECT `+postsList+` FROM "posts" WHERE "posts"."author_id" = $1 ORDER BY "posts"."id"`, users[i].ID)
			if users[i].Posts, err = pgx.CollectRows(rows, scanPost); err != nil {
				return nil, err
			}
			for j := range users[i].Posts {
				post := &users[i].Posts[j]
				rows, _ := p.Query(ctx, `SELECT "comments"."id", "comments"."post_id", "comments"."author_id", "comments"."body", "comments"."score" FROM "comments" WHERE "comments"."post_id" = $1 ORDER BY "comments"."id"`, post.ID)
				if post.Comments, err = pgx.CollectRows(rows, scanComment); err != nil {
					return nil, err
				}
				rows, _ = p.Query(ctx, `SELECT "tags"."id", "tags"."name" FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" WHERE "post_tags"."post_id" = $1 ORDER BY "tags"."id"`, post.ID)
				if post.Tags, err = pgx.CollectRows(rows, scanTagPtr); err != nil {
					return nil, err
				}
			}
		}
		return users, nil
	})
}

// BenchmarkPreload_Small: the small request of a web handler, 10 users by id, their
// posts and the posts' tags (3 statements, 3 round trips), alone and from 8
// goroutines sharing a pool of 8 connections.
func BenchmarkPreload_Small(b *testing.B) {
	db := newBenchDB(b, ormtest.MaxConns(8))
	p := db.Pool()
	ok := func(b *testing.B, users []User) {
		check(b, "users", len(users), len(smallIDs))
		check(b, "tags of a user's first post", len(users[0].Posts[0].Tags), 3)
	}
	batchorm := func(ctx context.Context) ([]User, error) {
		return orm.Query[User](db).Where(orm.Eq{"id": smallIDs}).Preload("Posts.Tags").All(ctx)
	}
	twin := func(ctx context.Context) ([]User, error) {
		return twinSmall(ctx, p)
	}
	bench(b, "seq/batchorm", ok, batchorm)
	bench(b, "seq/pgx", ok, twin)
	benchParallel(b, "parallel8/batchorm", ok, batchorm)
	benchParallel(b, "parallel8/pgx", ok, twin)
}

// BenchmarkToOne: 10,000 posts with their author (1,000 distinct authors), by JOIN
// (each author row travels 10 times) and by a second ANY statement (each author once).
// posts.author_id is NOT NULL, so the expert's JOIN is INNER, and InnerJoin sends the
// same statement; join_left is Join's default LEFT JOIN against a twin reading the
// author's columns as nullable. The naive loop loads the first 1,000 posts only.
func BenchmarkToOne(b *testing.B) {
	db := newBenchDB(b)
	p := db.Pool()
	ok := func(b *testing.B, posts []Post) {
		last := posts[len(posts)-1]
		check(b, "author of the last post", int(last.Author.ID), int(last.AuthorID))
	}
	bench(b, "join/batchorm", ok, func(ctx context.Context) ([]Post, error) {
		return orm.Query[Post](db).InnerJoin("Author").All(ctx)
	})
	bench(b, "join/pgx", ok, func(ctx context.Context) ([]Post, error) {
		return twinJoin(ctx, p)
	})
	bench(b, "join_left/batchorm", ok, func(ctx context.Context) ([]Post, error) {
		return orm.Query[Post](db).Join("Author").All(ctx)
	})
	bench(b, "join_left/pgx", ok, func(ctx context.Context) ([]Post, error) {
		return twinLeftJoin(ctx, p)
	})
	bench(b, "preload/batchorm", ok, func(ctx context.Context) ([]Post, error) {
		return orm.Query[Post](db).Preload("Author").All(ctx)
	})
	bench(b, "preload/pgx", ok, func(ctx context.Context) ([]Post, error) {
		return twinPostsThenAuthors(ctx, p, benchAllPostsSQL)
	})
	bench(b, "naive_1000posts", nil, func(ctx context.Context) ([]Post, error) {
		posts, err := twinPostList(ctx, p, benchPagePosts, 1000)
		if err != nil {
			return nil, err
		}
		for i := range posts {
			rows, _ := p.Query(ctx, `SELECT `+usersList+` FROM "users" WHERE "users"."id" = $1`, posts[i].AuthorID)
			u, err := pgx.CollectExactlyOneRow(rows, scanUser)
			if err != nil {
				return nil, err
			}
			posts[i].Author = &u
		}
		return posts, nil
	})
}

// BenchmarkPreload_PostsTags: 1,000 posts with their tags (many-to-many, 3,000 links).
func BenchmarkPreload_PostsTags(b *testing.B) {
	db := newBenchDB(b)
	p := db.Pool()
	ok := func(b *testing.B, posts []Post) {
		check(b, "tags of the last post", len(posts[999].Tags), 3)
	}
	bench(b, "batchorm", ok, func(ctx context.Context) ([]Post, error) {
		return orm.Query[Post](db).OrderBy("id").Limit(1000).Preload("Tags").All(ctx)
	})
	bench(b, "pgx", ok, func(ctx context.Context) ([]Post, error) {
		posts, err := twinPostList(ctx, p, benchPagePosts, 1000)
		if err != nil {
			return nil, err
		}
		return posts, twinTags(ctx, p, ptrs(posts))
	})
	bench(b, "naive", ok, func(ctx context.Context) ([]Post, error) {
		posts, err := twinPostList(ctx, p, benchPagePosts, 1000)
		if err != nil {
			return nil, err
		}
		for i := range posts {
			rows, _ := p.Query(ctx, `SELECT "tags"."id", "tags"."name" FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" WHERE "post_tags"."post_id" = $1 ORDER BY "tags"."id"`, posts[i].ID)
			if posts[i].Tags, err = pgx.CollectRows(rows, scanTagPtr); err != nil {
				return nil, err
			}
		}
		return posts, nil
	})
}

// benchLimitSQL is the statement batchorm renders for limitSpec (checked before the
// runs), so batchorm and its pgx twin send the same LATERAL statement.
const benchLimitSQL = `SELECT ` + postsList + ` FROM (SELECT DISTINCT * FROM unnest($1::int8[])) AS "_keys"("_k0")` +
	` CROSS JOIN LATERAL (SELECT ` + postsList + ` FROM "posts" WHERE "posts"."author_id" BETWEEN "_keys"."_k0" AND "_keys"."_k0"` +
	` ORDER BY "posts"."author_id", "posts"."created_at" DESC, "posts"."id" LIMIT $2) AS "posts"` +
	` ORDER BY "_keys"."_k0", "posts"."created_at" DESC, "posts"."id"`

// BenchmarkPreload_Limit: the 3 newest posts of each of 200 users with 500 posts each
// (limitData, indexed on (author_id, created_at DESC, id)). batchorm and its pgx twin
// send the LATERAL statement, which reads 3 posts per user; pgx_window sends the
// row_number() statement Limit was rendered as before, which reads all 100,000; naive
// sends one LIMIT 3 query per user.
func BenchmarkPreload_Limit(b *testing.B) {
	if got := mustStatement[User](b, limitSpec()); got != benchLimitSQL {
		b.Fatalf("the twin's statement differs from batchorm's:\n%s\n%s", benchLimitSQL, got)
	}
	db := ormtest.New(b, ormtest.Schema(schemaDDL), ormtest.Schema(limitData))
	p := db.Pool()
	ok := func(b *testing.B, users []User) {
		last := users[len(users)-1]
		check(b, "posts of the last user", len(last.Posts), limitN)
		check(b, "newest post of the last user", int(last.Posts[0].ID), limitParents*limitChildren)
	}
	bench(b, "batchorm", ok, func(ctx context.Context) ([]User, error) {
		return orm.Query[User](db).PreloadWith(limitSpec()).All(ctx)
	})
	bench(b, "pgx", ok, func(ctx context.Context) ([]User, error) {
		return twinLimited(ctx, p, benchLimitSQL)
	})
	bench(b, "pgx_window", ok, func(ctx context.Context) ([]User, error) {
		return twinLimited(ctx, p, limitWindowSQL)
	})
	bench(b, "naive", ok, func(ctx context.Context) ([]User, error) {
		users, err := twinUsers(ctx, p, benchUsersSQL)
		if err != nil {
			return nil, err
		}
		return users, naivePostsEach(ctx, p, users, `SELECT `+postsList+` FROM "posts" WHERE "posts"."author_id" = $1 ORDER BY "posts"."created_at" DESC, "posts"."id" LIMIT $2`, limitN)
	})
}

// BenchmarkNewPlan measures validating and rendering a three-level plan, in memory.
func BenchmarkNewPlan(b *testing.B) {
	m := mustModel[User](b)
	specs := []loader.Spec{loader.Path("Posts", loader.OrderBy("-created_at"), loader.Limit(3)), loader.Path("Posts.Comments.Author"), loader.Path("Posts.Tags"), loader.Path("Profile")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loader.NewPlan(m, specs...); err != nil {
			b.Fatal(err)
		}
	}
}
