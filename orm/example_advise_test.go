package orm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Record what a request sends, then ask which indexes it lacks: each proposal is
// migration text, proven in a rolled-back transaction (tests and development only: the
// proof locks the table while the index builds).
func ExampleAdviseIndexes() {
	err := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
		if err != nil {
			return err
		}
		defer drop()
		if _, err := db.Exec(ctx, `INSERT INTO users (name) SELECT 'user ' || g FROM generate_series(1, 1000) g;
			INSERT INTO posts (user_id, title) SELECT 1 + g % 1000, 'post ' || g FROM generate_series(1, 20000) g;
			ANALYZE users, posts`); err != nil {
			return err
		}
		rctx, log := orm.WithQueryLog(ctx)
		if _, err := orm.Query[User](db).Where(orm.Eq{"id": 7}).Preload("Posts").All(rctx); err != nil {
			return err
		}
		var sts []orm.Statement
		for _, e := range log.Entries() {
			sts = append(sts, e.Statement())
		}
		reports, err := orm.AdviseIndexes(ctx, db, sts...)
		if err != nil {
			return err
		}
		for _, r := range reports {
			for _, p := range r.Proposals {
				fmt.Println(p.SQL)
				fmt.Printf("before: %s; after: %s using it: %v\n", p.Before.Node, p.After.Node, p.Used)
			}
		}
		return nil
	}()
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_user_id_idx" ON "posts" ("user_id");
	// before: Seq Scan; after: Bitmap Heap Scan using it: true
}
