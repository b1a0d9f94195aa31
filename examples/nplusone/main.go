// Command nplusone loads the same related rows twice on a throwaway database: the
// naive way, one query per parent as lazy loading does, and with batchorm's Preload
// and Join. It prints, side by side, the statements each way sent and the time it
// took, checks that both ways read the same rows, and lists batchorm's statements.
//
//	go run ./examples/nplusone
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB); otherwise it
// starts a PostgreSQL cluster from the local binaries and removes it at the end.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
)

// seed fills the tables that schema.DDL creates for the models below.
const seed = `
-- 200 users, 5 posts each, 3 comments per post, 2 tags per post.
INSERT INTO users (name) SELECT 'user-' || g FROM generate_series(1, 200) g;
INSERT INTO posts (author_id, title) SELECT 1 + (g - 1) % 200, 'post ' || g FROM generate_series(1, 1000) g;
INSERT INTO comments (post_id, author_id, body)
SELECT 1 + (g - 1) % 1000, 1 + (g * 7) % 200, 'comment ' || g FROM generate_series(1, 3000) g;
INSERT INTO tags (name) SELECT 'tag-' || g FROM generate_series(1, 20) g;
INSERT INTO post_tags (post_id, tag_id) SELECT p, 1 + (p + k * 7) % 20 FROM generate_series(1, 1000) p, generate_series(1, 2) k;
ANALYZE;
`

// User has many posts.
type User struct {
	ID    int64
	Name  string
	Posts []Post `orm:"has-many,fk:author_id"`
}

// Post belongs to its author and has comments and tags.
type Post struct {
	ID       int64
	AuthorID int64
	Title    string
	Author   *User     `orm:"belongs-to"`
	Comments []Comment `orm:"has-many"`
	Tags     []Tag     `orm:"many-to-many,through:post_tags"`
}

// Comment belongs to a post and to its author.
type Comment struct {
	ID       int64
	PostID   int64
	AuthorID int64
	Body     string
	Author   *User `orm:"belongs-to"`
}

// Tag is linked to posts through post_tags.
type Tag struct {
	ID   int64
	Name string
}

func main() {
	log.SetFlags(0)
	log.SetOutput(os.Stderr)
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// result is one way of loading: what it sent and how long it took.
type result struct {
	way        string
	statements int
	roundTrips int
	took       time.Duration
	sql        []string
}

// measure runs load with a fresh query log.
func measure(ctx context.Context, way string, load func(ctx context.Context) error) (result, error) {
	ctx, qlog := orm.WithQueryLog(ctx)
	start := time.Now()
	if err := load(ctx); err != nil {
		return result{}, fmt.Errorf("%s: %w", way, err)
	}
	return result{way: way, statements: qlog.Statements(), roundTrips: qlog.RoundTrips(), took: time.Since(start), sql: qlog.SQL()}, nil
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	// The tables are the DDL batchorm writes for the models (foreign keys indexed).
	ddl, err := schema.DDL(&User{}, &Post{}, &Comment{}, &Tag{})
	if err != nil {
		return err
	}
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(ddl+seed))
	if err != nil {
		return err
	}
	defer func() {
		if derr := done(); derr != nil {
			fmt.Fprintln(os.Stderr, derr)
		}
	}()

	var naiveUsers, preloadedUsers []User
	var naivePosts, joinedPosts, preloadedPosts []Post
	tree, err := compare(ctx,
		func(ctx context.Context) (err error) { naiveUsers, err = naiveTree(ctx, db); return err },
		func(ctx context.Context) (err error) {
			preloadedUsers, err = orm.Query[User](db).OrderBy("id").Preload("Posts.Comments.Author", "Posts.Tags").All(ctx)
			return err
		})
	if err != nil {
		return err
	}
	toOne, err := compare(ctx,
		func(ctx context.Context) (err error) { naivePosts, err = naiveAuthors(ctx, db); return err },
		func(ctx context.Context) (err error) {
			joinedPosts, err = orm.Query[Post](db).OrderBy("id").Join("Author").All(ctx)
			return err
		},
		func(ctx context.Context) (err error) {
			preloadedPosts, err = orm.Query[Post](db).OrderBy("id").Preload("Author").All(ctx)
			return err
		})
	if err != nil {
		return err
	}
	tree[1].way, toOne[1].way, toOne[2].way = "Preload", "Join", "Preload"
	same := reflect.DeepEqual(naiveUsers, preloadedUsers) && reflect.DeepEqual(naivePosts, joinedPosts) && reflect.DeepEqual(naivePosts, preloadedPosts)

	fmt.Printf("%-44s %-11s %10s %12s %10s\n", "what", "how", "statements", "round trips", "time")
	printRows("200 users > posts > comments > author, tags", tree)
	printRows("1,000 posts > author", toOne)
	fmt.Printf("\nsame rows both ways: %v\n", same)
	for _, r := range []struct {
		title string
		res   result
	}{{"Preload(\"Posts.Comments.Author\", \"Posts.Tags\")", tree[1]}, {"Join(\"Author\")", toOne[1]}, {"Preload(\"Author\")", toOne[2]}} {
		fmt.Printf("\n%s sent:\n", r.title)
		for i, sql := range r.res.sql {
			fmt.Printf("  %d. %s\n", i+1, shorten(sql, 180))
		}
	}
	if !same {
		return errors.New("the two ways read different rows")
	}
	return nil
}

// compare runs the naive loader, then the others, each with its own query log.
func compare(ctx context.Context, naive func(context.Context) error, others ...func(context.Context) error) ([]result, error) {
	r, err := measure(ctx, "naive loop", naive)
	if err != nil {
		return nil, err
	}
	out := []result{r}
	for _, o := range others {
		r, err := measure(ctx, "batchorm", o)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func printRows(what string, rs []result) {
	for i, r := range rs {
		if i > 0 {
			what = ""
		}
		fmt.Printf("%-44s %-11s %10d %12d %10s\n", what, r.way, r.statements, r.roundTrips, r.took.Round(100*time.Microsecond))
	}
}

func shorten(sql string, n int) string {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > n {
		return sql[:n] + "…"
	}
	return sql
}

// naiveTree is what lazy loading does: a query for each user's posts, then for each
// post's comments and tags, then for each comment's author.
func naiveTree(ctx context.Context, db *orm.DB) ([]User, error) {
	users, err := orm.Query[User](db).OrderBy("id").All(ctx)
	if err != nil {
		return nil, err
	}
	for i := range users {
		u := &users[i]
		if u.Posts, err = orm.Query[Post](db).Where(orm.Eq{"author_id": u.ID}).OrderBy("id").All(ctx); err != nil {
			return nil, err
		}
		for j := range u.Posts {
			p := &u.Posts[j]
			if p.Comments, err = orm.Query[Comment](db).Where(orm.Eq{"post_id": p.ID}).OrderBy("id").All(ctx); err != nil {
				return nil, err
			}
			for k := range p.Comments {
				c := &p.Comments[k]
				author, err := orm.Query[User](db).Where(orm.Eq{"id": c.AuthorID}).One(ctx)
				if err != nil {
					return nil, err
				}
				c.Author = &author
			}
			p.Tags, err = orm.Query[Tag](db).Where("id IN (SELECT tag_id FROM post_tags WHERE post_id = ?)", p.ID).OrderBy("id").All(ctx)
			if err != nil {
				return nil, err
			}
		}
	}
	return users, nil
}

// naiveAuthors loads the posts, then each post's author with its own query.
func naiveAuthors(ctx context.Context, db *orm.DB) ([]Post, error) {
	posts, err := orm.Query[Post](db).OrderBy("id").All(ctx)
	if err != nil {
		return nil, err
	}
	for i := range posts {
		author, err := orm.Query[User](db).Where(orm.Eq{"id": posts[i].AuthorID}).One(ctx)
		if err != nil {
			return nil, err
		}
		posts[i].Author = &author
	}
	return posts, nil
}
