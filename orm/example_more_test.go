package orm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// A worker claims jobs no other worker holds: the lock clause goes last, and the
// query is refused outside a transaction.
func ExampleSelect_ForUpdate() {
	sql, args, _ := orm.Query[Job](nil).Where(orm.Eq{"status": "ready"}).OrderBy("id").Limit(50).
		ForUpdate().SkipLocked().ToSQL()
	fmt.Println(sql)
	fmt.Println(args)
	// Output:
	// SELECT "jobs"."id", "jobs"."status", "jobs"."worker", "jobs"."user_id" FROM "jobs" WHERE "jobs"."status" = $1 ORDER BY "jobs"."id" LIMIT $2 FOR UPDATE SKIP LOCKED
	// [ready 50]
}

// Filter parents through a relation, here a many-to-many one through its join table.
func ExampleHas() {
	sql, args, _ := orm.Query[Film](nil).Where(orm.Has("Categories", orm.Eq{"name": "Action"})).ToSQL()
	fmt.Println(sql)
	fmt.Println(args)
	// Output:
	// SELECT "films"."id", "films"."title", "films"."lang_id" FROM "films" WHERE EXISTS (SELECT 1 FROM "film_categories" JOIN "categories" AS "films.Categories" ON "films.Categories"."id" = "film_categories"."category_id" WHERE "films"."id" = "film_categories"."film_id" AND ("films.Categories"."name" = $1))
	// [Action]
}

// A subquery's placeholders are numbered within the statement that holds it.
func ExampleIn() {
	authors := orm.Query[Post](nil).Where(orm.Eq{"published": true}).Columns("user_id")
	sql, args, _ := orm.Query[User](nil).Where(orm.Gt{"age": 30}).Where(orm.In("id", authors)).ToSQL()
	fmt.Println(sql)
	fmt.Println(args)
	// Output:
	// SELECT "users"."id", "users"."name", "users"."email", "users"."age", "users"."created_at" FROM "users" WHERE ("users"."age" > $1) AND ("users"."id" IN (SELECT "posts"."user_id" FROM "posts" WHERE "posts"."published" = $2))
	// [30 true]
}

// Aggregates land in a DTO, named by As; Having may name them.
func ExampleScan() {
	err := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
		if err != nil {
			return err
		}
		defer drop()
		if _, err := db.Exec(ctx, `INSERT INTO users (name) VALUES ('ann'), ('bob');
			INSERT INTO posts (user_id, title) VALUES (1, 'a'), (1, 'b'), (2, 'c')`); err != nil {
			return err
		}
		type perAuthor struct {
			UserID int64 `db:"user_id"`
			Posts  int64 `db:"posts"`
		}
		stats, err := orm.Scan[perAuthor](ctx, orm.Query[Post](db).GroupBy("user_id").
			Having(orm.Gt{"posts": 1}), orm.Col("user_id"), orm.Count().As("posts"))
		fmt.Println(stats, err)
		return nil
	}()
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// [{1 2}] <nil>
}

// A serializable transaction retried on serialization failures; the outcome of a
// COMMIT that got no answer is reported, never guessed.
func ExampleDB_Tx_retry() {
	err := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
		if err != nil {
			return err
		}
		defer drop()
		err = db.Tx(ctx, func(tx *orm.DB) error {
			n, err := orm.Query[User](tx).Count(ctx)
			if err != nil {
				return err
			}
			return orm.Insert(ctx, tx, &User{Name: fmt.Sprintf("user %d", n+1)})
		}, orm.Isolation(pgx.Serializable), orm.Retry(5))
		if errors.Is(err, orm.ErrCommitUnknown) {
			return fmt.Errorf("check whether the user was stored: %w", err)
		}
		names, _ := orm.Raw[string](ctx, db, "SELECT name FROM users")
		fmt.Println(names, err)
		return nil
	}()
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// [user 1] <nil>
}
