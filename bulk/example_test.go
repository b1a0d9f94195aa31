package bulk_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Account is the model of the examples.
type Account struct {
	ID        int64
	Email     string
	Plan      string
	Credits   int
	CreatedAt time.Time `orm:"default"`
}

const exampleSchema = `CREATE TABLE accounts (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  plan text NOT NULL,
  credits integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`

// exampleDB opens a throwaway database holding the accounts table.
func exampleDB(ctx context.Context) (*orm.DB, func() error) {
	db, cleanup, err := ormtest.Open(ctx, ormtest.Schema(exampleSchema))
	if err != nil {
		log.Fatal(err)
	}
	return db, cleanup
}

func ExampleCreate() {
	ctx := context.Background()
	db, cleanup := exampleDB(ctx)
	defer cleanup()

	accounts := []Account{
		{Email: "ada@example.com", Plan: "pro", Credits: 10},
		{Email: "bob@example.com", Plan: "free"},
		{Email: "cy@example.com", Plan: "free"},
	}
	ctx, queries := orm.WithQueryLog(ctx)
	if err := bulk.Create(ctx, db, accounts); err != nil {
		log.Fatal(err)
	}
	for _, a := range accounts {
		fmt.Println(a.ID, a.Email, !a.CreatedAt.IsZero())
	}
	fmt.Println("statements:", queries.Statements(), "catalog reads:", queries.CatalogStatements()) // the first call reads the table's column types
	// Output:
	// 1 ada@example.com true
	// 2 bob@example.com true
	// 3 cy@example.com true
	// statements: 1 catalog reads: 1
}

func ExampleUpsert() {
	ctx := context.Background()
	db, cleanup := exampleDB(ctx)
	defer cleanup()
	if err := bulk.Create(ctx, db, []Account{{Email: "ada@example.com", Plan: "free", Credits: 5}}); err != nil {
		log.Fatal(err)
	}

	rows := []Account{
		{Email: "ada@example.com", Plan: "pro", Credits: 99}, // exists: only plan is updated
		{Email: "eve@example.com", Plan: "free", Credits: 1}, // new
	}
	res, err := bulk.Upsert(ctx, db, rows, bulk.OnConflict("email").DoUpdate("plan"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("written:", res.Written)
	for _, a := range rows {
		fmt.Println(a.ID, a.Email, a.Plan, a.Credits)
	}
	// Output:
	// written: 2
	// 1 ada@example.com pro 5
	// 3 eve@example.com free 1
}

func ExamplePrepare() {
	ctx := context.Background()
	db, cleanup := exampleDB(ctx)
	defer cleanup()
	// At startup: check the model against its table and keep the table's column types
	// on db (one catalog statement).
	if err := bulk.Prepare[Account](ctx, db); err != nil {
		log.Fatal(err)
	}

	ctx, queries := orm.WithQueryLog(ctx)
	err := db.Tx(ctx, func(tx *orm.DB) error { // a transaction of db shares its cache
		accounts := []Account{{Email: "a@example.com", Plan: "free"}, {Email: "b@example.com", Plan: "pro"}}
		if err := bulk.Create(ctx, tx, accounts); err != nil {
			return err
		}
		accounts[1].Credits = 50
		_, err := bulk.Update(ctx, tx, accounts, []string{"credits"})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("statements:", queries.Statements()) // INSERT and UPDATE; BEGIN and COMMIT are not counted
	// Output:
	// statements: 2
}

func ExampleUpdate() {
	ctx := context.Background()
	db, cleanup := exampleDB(ctx)
	defer cleanup()
	accounts := []Account{{Email: "a@example.com", Plan: "free"}, {Email: "b@example.com", Plan: "free"}}
	if err := bulk.Create(ctx, db, accounts); err != nil {
		log.Fatal(err)
	}

	accounts[0].Credits, accounts[1].Credits = 7, 42 // a different value for each row
	n, err := bulk.Update(ctx, db, accounts, []string{"credits"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("updated:", n)
	// Output:
	// updated: 2
}

func ExampleDelete() {
	ctx := context.Background()
	db, cleanup := exampleDB(ctx)
	defer cleanup()
	accounts := []Account{{Email: "a@example.com", Plan: "free"}, {Email: "b@example.com", Plan: "free"}, {Email: "c@example.com", Plan: "free"}}
	if err := bulk.Create(ctx, db, accounts); err != nil {
		log.Fatal(err)
	}

	n, err := bulk.Delete(ctx, db, accounts[:2]) // DELETE … WHERE id = ANY($1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted:", n)
	// Output:
	// deleted: 2
}
