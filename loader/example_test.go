package loader_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

const exampleData = `
INSERT INTO users (id, name, created_at) VALUES
	(1, 'ann', '2024-01-01'), (2, 'bob', '2024-01-02'), (3, 'cy', '2024-01-03');
INSERT INTO posts (id, author_id, title, score, published, created_at) VALUES
	(1, 1, 'hello', 3, true, '2024-02-01'), (2, 1, 'again', 7, true, '2024-02-02'),
	(3, 2, 'draft', 1, false, '2024-02-03'), (4, 1, 'third', 5, true, '2024-02-04');
INSERT INTO comments (post_id, author_id, body, score) VALUES
	(1, 2, 'nice', 1), (1, 3, 'agreed', 2), (2, 3, 'hm', 0);
INSERT INTO tags (id, name) VALUES (1, 'go'), (2, 'sql');
INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1), (1, 2), (2, 2);
`

// ExamplePreload preloads users already in hand (here read with raw SQL): one statement
// per relation edge, the edges of one depth in one round trip.
func ExamplePreload() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schemaDDL), ormtest.Schema(exampleData))
	if err != nil {
		log.Fatal(err)
	}
	defer drop()

	rows, _ := db.Query(ctx, "SELECT id, name, manager_id, created_at FROM users ORDER BY id")
	users, err := pgx.CollectRows(rows, scanUser)
	if err != nil {
		log.Fatal(err)
	}
	ctx, qlog := orm.WithQueryLog(ctx)
	if err := loader.Preload(ctx, db, users, "Posts.Comments.Author", "Posts.Tags"); err != nil {
		log.Fatal(err)
	}
	for _, u := range users {
		fmt.Printf("%s: %d posts\n", u.Name, len(u.Posts))
		for _, p := range u.Posts {
			fmt.Printf("  %q tags=%d", p.Title, len(p.Tags))
			for _, c := range p.Comments {
				fmt.Printf(" [%s: %s]", c.Author.Name, c.Body)
			}
			fmt.Println()
		}
	}
	fmt.Printf("%d statements in %d round trips\n", qlog.Statements(), qlog.RoundTrips())
	// Output:
	// ann: 3 posts
	//   "hello" tags=2 [bob: nice] [cy: agreed]
	//   "again" tags=1 [cy: hm]
	//   "third" tags=0
	// bob: 1 posts
	//   "draft" tags=0
	// cy: 0 posts
	// 4 statements in 3 round trips
}

// ExamplePath keeps the two best-scored published posts of each user, in one
// statement.
func ExamplePath() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schemaDDL), ormtest.Schema(exampleData))
	if err != nil {
		log.Fatal(err)
	}
	defer drop()

	users, err := orm.Query[User](db).OrderBy("id").
		PreloadWith(loader.Path("Posts", loader.Where("published"), loader.OrderBy("-score"), loader.Limit(2))).
		All(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range users {
		fmt.Print(u.Name, ":")
		for _, p := range u.Posts {
			fmt.Printf(" %s(%d)", p.Title, p.Score)
		}
		fmt.Println()
	}
	// Output:
	// ann: again(7) third(5)
	// bob:
	// cy:
}

// ExampleWhere filters preloaded children with the condition language of orm's
// Where: field or column names of the related model, checked before any statement is
// sent, and values sent as bound parameters.
func ExampleWhere() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schemaDDL), ormtest.Schema(exampleData))
	if err != nil {
		log.Fatal(err)
	}
	defer drop()

	users, err := orm.Query[User](db).OrderBy("id").
		PreloadWith(loader.Path("Posts",
			loader.Where(orm.Eq{"EditorID": nil}),
			loader.Where(orm.Or{orm.Eq{"score": 3}, orm.Gt{"score": 5}}))).
		All(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range users {
		fmt.Print(u.Name, ":")
		for _, p := range u.Posts {
			fmt.Printf(" %s(%d)", p.Title, p.Score)
		}
		fmt.Println()
	}
	// Output:
	// ann: hello(3) again(7)
	// bob:
	// cy:
}
