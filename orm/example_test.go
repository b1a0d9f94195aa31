package orm_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func ExampleQuery() {
	sql, args, err := orm.Query[User](nil).
		Where(orm.Eq{"name": "ann"}).
		Where(orm.Gt{"age": 30}).
		OrderBy("-created_at").
		Limit(10).
		ToSQL()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sql)
	fmt.Println(args)
	// Output:
	// SELECT "users"."id", "users"."name", "users"."email", "users"."age", "users"."created_at" FROM "users" WHERE ("users"."name" = $1) AND ("users"."age" > $2) ORDER BY "users"."created_at" DESC LIMIT $3
	// [ann 30 10]
}

func ExampleSelect_OrderBy_unknownColumn() {
	_, _, err := orm.Query[User](nil).OrderBy("name; DROP TABLE users").ToSQL()
	fmt.Println(err)
	_, _, err = orm.Query[User](nil).OrderBy("nickname").ToSQL()
	fmt.Println(err)
	// Output:
	// orm: OrderBy("name; DROP TABLE users"): malformed sort key (want: name [ASC|DESC] [NULLS FIRST|LAST])
	// orm: OrderBy("nickname"): unknown column "nickname" on model orm_test.User (columns: id, name, email, age, created_at)
}

func ExampleInsert() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()

	u := User{Name: "ann"}
	if err := orm.Insert(ctx, db, &u); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.ID, u.Name, !u.CreatedAt.IsZero())

	u.Name = "anne"
	if err := orm.Update(ctx, db, &u, "name"); err != nil {
		fmt.Println(err)
		return
	}
	got, err := orm.Query[User](db).Where(orm.Eq{"id": u.ID}).One(ctx)
	fmt.Println(got.Name, err)
	// Output:
	// 1 ann true
	// anne <nil>
}

func ExampleWithQueryLog() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()

	ctx, qlog := orm.WithQueryLog(ctx)
	err = db.Tx(ctx, func(tx *orm.DB) error {
		return orm.Insert(ctx, tx, &User{Name: "ann"})
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	n, _ := orm.Query[User](db).Count(ctx)
	fmt.Println(n, "user")
	fmt.Println(qlog.Statements(), "statements,", qlog.TxStatements(), "transaction control")
	// Output:
	// 1 user
	// 2 statements, 2 transaction control
}

func ExampleDB_Tx() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()

	err = db.Tx(ctx, func(tx *orm.DB) error {
		if err := orm.Insert(ctx, tx, &User{Name: "ann"}); err != nil {
			return err
		}
		return fmt.Errorf("changed my mind")
	})
	n, _ := orm.Query[User](db).Count(ctx)
	fmt.Println(err, n)
	// Output:
	// changed my mind 0
}
