package loader_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

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

func newBenchDB(b *testing.B) *orm.DB {
	b.Helper()
	return ormtest.New(b, ormtest.Schema(schemaDDL), ormtest.Schema(benchData))
}

// The statements the twins send: the text batchorm renders, so both sides run the same
// SQL.
const (
	benchUsersSQL    = `SELECT ` + usersList + ` FROM "users"`
	benchPostsSQL    = `SELECT ` + postsList + ` FROM "posts" WHERE "posts"."author_id" = ANY($1) ORDER BY "posts"."author_id", "posts"."id"`
	benchCommentsSQL = `SELECT "comments"."id", "comments"."post_id", "comments"."author_id", "comments"."body", "comments"."score" FROM "comments" WHERE "comments"."post_id" = ANY($1) ORDER BY "comments"."post_id", "comments"."id"`
	benchTagsSQL     = `SELECT "post_tags"."post_id", "tags"."id", "tags"."name" FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" WHERE "post_tags"."post_id" = ANY($1) ORDER BY "post_tags"."post_id", "tags"."id"`
	benchAuthorsSQL  = `SELECT ` + usersList + ` FROM "users" WHERE "users"."id" = ANY($1)`
	benchJoinSQL     = `SELECT ` + postsList + `, "Author"."id", "Author"."name", "Author"."manager_id", "Author"."created_at" FROM "posts" LEFT JOIN "users" AS "Author" ON "Author"."id" = "posts"."author_id"`
	benchAllPostsSQL = `SELECT ` + postsList + ` FROM "posts"`
	benchPagePosts   = `SELECT ` + postsList + ` FROM "posts" ORDER BY "posts"."id" LIMIT 1000`
)

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

// bench runs the sub-benchmark name: load, measured by measure, then (unless ok is nil)
// the cheap check ok on what load returned, inside the loop. Every side of a benchmark
// (batchorm, its pgx twins, the naive loop) goes through it, so all are timed and
// counted the same way.
func bench[T any](b *testing.B, name string, ok func(*testing.B, T), load func(ctx context.Context) (T, error)) {
	b.Run(name, func(b *testing.B) {
		measure(b, func(ctx context.Context) error {
			v, err := load(ctx)
			if err == nil && ok != nil {
				ok(b, v)
			}
			return err
		})
	})
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
		return twinNested(ctx, p, false)
	})
	bench(b, "pgx_pipelined", ok, func(ctx context.Context) ([]User, error) {
		return twinNested(ctx, p, true)
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

// BenchmarkToOne: 10,000 posts with their author (1,000 distinct authors), by JOIN
// (each author row travels 10 times) and by a second ANY statement (each author once).
// The naive loop loads the first 1,000 posts only.
func BenchmarkToOne(b *testing.B) {
	db := newBenchDB(b)
	p := db.Pool()
	ok := func(b *testing.B, posts []Post) {
		last := posts[len(posts)-1]
		check(b, "author of the last post", int(last.Author.ID), int(last.AuthorID))
	}
	bench(b, "join/batchorm", ok, func(ctx context.Context) ([]Post, error) {
		return orm.Query[Post](db).Join("Author").All(ctx)
	})
	bench(b, "join/pgx", ok, func(ctx context.Context) ([]Post, error) {
		return twinJoin(ctx, p)
	})
	bench(b, "preload/batchorm", ok, func(ctx context.Context) ([]Post, error) {
		return orm.Query[Post](db).Preload("Author").All(ctx)
	})
	bench(b, "preload/pgx", ok, func(ctx context.Context) ([]Post, error) {
		return twinPostsThenAuthors(ctx, p, benchAllPostsSQL)
	})
	bench(b, "naive_1000posts", nil, func(ctx context.Context) ([]Post, error) {
		posts, err := twinPostList(ctx, p, benchPagePosts)
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
		posts, err := twinPostList(ctx, p, benchPagePosts)
		if err != nil {
			return nil, err
		}
		return posts, twinTags(ctx, p, ptrs(posts))
	})
	bench(b, "naive", ok, func(ctx context.Context) ([]Post, error) {
		posts, err := twinPostList(ctx, p, benchPagePosts)
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

// twinLimited loads the users, then their limited posts with sql (keys, limit), whose
// rows come grouped by author.
func twinLimited(ctx context.Context, p *pgxpool.Pool, sql string) ([]User, error) {
	users, err := twinUsers(ctx, p, benchUsersSQL)
	if err != nil {
		return nil, err
	}
	return users, twinPostsGrouped(ctx, p, users, sql, limitN)
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

// The hand-written pgx twins. They scan with helper_test.go's scanners (scanUser,
// scanPost, scanComment), which share nothing with the loader either.

func scanTagPtr(r pgx.CollectableRow) (*Tag, error) {
	t := &Tag{}
	err := r.Scan(&t.ID, &t.Name)
	return t, err
}

func twinUsers(ctx context.Context, p *pgxpool.Pool, sql string) ([]User, error) {
	rows, _ := p.Query(ctx, sql)
	return pgx.CollectRows(rows, scanUser)
}

func twinPostList(ctx context.Context, p *pgxpool.Pool, sql string) ([]Post, error) {
	rows, _ := p.Query(ctx, sql)
	return pgx.CollectRows(rows, scanPost)
}

// twinPosts loads the users' posts with one ANY statement ordered by author.
func twinPosts(ctx context.Context, p *pgxpool.Pool, users []User) error {
	return twinPostsGrouped(ctx, p, users, benchPostsSQL)
}

// twinPostsGrouped sends sql once, with the users' ids as $1 and args after them, and
// hands each user (every one gets an empty, non-nil Posts first) a sub-slice of the one
// array of posts, whose rows come grouped by author.
func twinPostsGrouped(ctx context.Context, p *pgxpool.Pool, users []User, sql string, args ...any) error {
	ids := make([]int64, len(users))
	idx := make(map[int64]int, len(users))
	for i, u := range users {
		ids[i] = u.ID
		idx[u.ID] = i
		users[i].Posts = []Post{}
	}
	rows, _ := p.Query(ctx, sql, keyThen(ids, args)...)
	posts, err := pgx.CollectRows(rows, scanPost)
	if err != nil {
		return err
	}
	groupByKey(posts, func(p *Post) int64 { return p.AuthorID }, func(k int64, ps []Post) {
		users[idx[k]].Posts = ps
	})
	return nil
}

// naivePostsEach sends sql once per user, with the user's id as $1 and args after it,
// and puts the rows in the user's Posts.
func naivePostsEach(ctx context.Context, p *pgxpool.Pool, users []User, sql string, args ...any) error {
	for i := range users {
		rows, _ := p.Query(ctx, sql, keyThen(users[i].ID, args)...)
		var err error
		if users[i].Posts, err = pgx.CollectRows(rows, scanPost); err != nil {
			return err
		}
	}
	return nil
}

// keyThen returns the arguments key, args..., in one allocation, as a literal argument
// list would be.
func keyThen(key any, args []any) []any {
	return append(append(make([]any, 0, 1+len(args)), key), args...)
}

// groupByKey calls set once per run of equal keys in rows (sorted by key).
func groupByKey[T any](rows []T, key func(*T) int64, set func(int64, []T)) {
	start := 0
	for i := 1; i <= len(rows); i++ {
		if i == len(rows) || key(&rows[i]) != key(&rows[start]) {
			set(key(&rows[start]), rows[start:i:i])
			start = i
		}
	}
}

func twinComments(rows pgx.Rows, posts []*Post) error {
	idx := make(map[int64]*Post, len(posts))
	for _, p := range posts {
		idx[p.ID] = p
		p.Comments = []Comment{}
	}
	comments, err := pgx.CollectRows(rows, scanComment)
	if err != nil {
		return err
	}
	groupByKey(comments, func(c *Comment) int64 { return c.PostID }, func(k int64, cs []Comment) {
		idx[k].Comments = cs
	})
	return nil
}

func twinTagRows(rows pgx.Rows, posts []*Post) error {
	idx := make(map[int64]*Post, len(posts))
	for _, p := range posts {
		idx[p.ID] = p
		p.Tags = []*Tag{}
	}
	defer rows.Close()
	for rows.Next() {
		var postID int64
		t := &Tag{}
		if err := rows.Scan(&postID, &t.ID, &t.Name); err != nil {
			return err
		}
		p := idx[postID]
		p.Tags = append(p.Tags, t)
	}
	return rows.Err()
}

func twinTags(ctx context.Context, p *pgxpool.Pool, posts []*Post) error {
	ids := make([]int64, len(posts))
	for i, post := range posts {
		ids[i] = post.ID
	}
	rows, _ := p.Query(ctx, benchTagsSQL, ids)
	return twinTagRows(rows, posts)
}

// twinNested sends users, posts, then comments and tags: one after another, or the last
// two in one batch.
func twinNested(ctx context.Context, p *pgxpool.Pool, pipelined bool) ([]User, error) {
	users, err := twinUsers(ctx, p, benchUsersSQL)
	if err != nil {
		return nil, err
	}
	if err := twinPosts(ctx, p, users); err != nil {
		return nil, err
	}
	var posts []*Post
	var ids []int64
	for i := range users {
		for j := range users[i].Posts {
			posts = append(posts, &users[i].Posts[j])
			ids = append(ids, users[i].Posts[j].ID)
		}
	}
	if pipelined {
		batch := &pgx.Batch{}
		batch.Queue(benchCommentsSQL, ids)
		batch.Queue(benchTagsSQL, ids)
		br := p.SendBatch(ctx, batch)
		rows, _ := br.Query()
		if err := twinComments(rows, posts); err != nil {
			_ = br.Close()
			return nil, err
		}
		rows, _ = br.Query()
		if err := twinTagRows(rows, posts); err != nil {
			_ = br.Close()
			return nil, err
		}
		if err := br.Close(); err != nil {
			return nil, err
		}
	} else {
		rows, _ := p.Query(ctx, benchCommentsSQL, ids)
		if err := twinComments(rows, posts); err != nil {
			return nil, err
		}
		rows, _ = p.Query(ctx, benchTagsSQL, ids)
		if err := twinTagRows(rows, posts); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// twinJoin scans the LEFT JOIN into nullable holders and builds the author when its
// key is not NULL.
func twinJoin(ctx context.Context, p *pgxpool.Pool) ([]Post, error) {
	rows, _ := p.Query(ctx, benchJoinSQL)
	defer rows.Close()
	var posts []Post
	var (
		aID        pgtype.Int8
		aName      pgtype.Text
		aManagerID *int64
		aCreatedAt pgtype.Timestamptz
	)
	for rows.Next() {
		var post Post
		if err := rows.Scan(&post.ID, &post.AuthorID, &post.EditorID, &post.Title, &post.Score, &post.Published, &post.CreatedAt,
			&aID, &aName, &aManagerID, &aCreatedAt); err != nil {
			return nil, err
		}
		if aID.Valid {
			post.Author = &User{ID: aID.Int64, Name: aName.String, ManagerID: aManagerID, CreatedAt: aCreatedAt.Time}
		}
		posts = append(posts, post)
	}
	return posts, rows.Err()
}

// twinPostsThenAuthors loads the posts, then their distinct authors with one ANY
// statement; posts of one author share the author struct.
func twinPostsThenAuthors(ctx context.Context, p *pgxpool.Pool, sql string) ([]Post, error) {
	posts, err := twinPostList(ctx, p, sql)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]struct{}, len(posts))
	var ids []int64
	for _, post := range posts {
		if _, ok := seen[post.AuthorID]; !ok {
			seen[post.AuthorID] = struct{}{}
			ids = append(ids, post.AuthorID)
		}
	}
	rows, _ := p.Query(ctx, benchAuthorsSQL, ids)
	authors, err := pgx.CollectRows(rows, scanUser)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*User, len(authors))
	for i := range authors {
		byID[authors[i].ID] = &authors[i]
	}
	for i := range posts {
		posts[i].Author = byID[posts[i].AuthorID]
	}
	return posts, nil
}
