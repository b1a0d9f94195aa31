package pgbouncertest_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// Mixed operations from many goroutines, each client connection's transactions landing
// on whichever server connection PgBouncer lends: with pgx's statement cache, most of
// these failed with 42P05/26000; with the profile none may.
func TestMixedOperations_concurrent(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schema), ormtest.Schema(data), ormtest.PgBouncer(), ormtest.MaxConns(8))
	ctx := testCtx(t)
	const workers, rounds = 8, 15
	errRollback := errors.New("rollback")
	ops := []func(w, i int) error{
		func(int, int) error {
			_, err := orm.Query[Author](db).Preload("Books.Tags", "Profile").All(ctx)
			return err
		},
		func(int, int) error {
			_, err := orm.Query[Book](db).Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 5, Count: true})
			return err
		},
		func(w, i int) error {
			return bulk.Create(ctx, db, []Book{{AuthorID: 10, Title: fmt.Sprintf("mixed-%d-%d", w, i), Year: 2000}})
		},
		func(w, _ int) error {
			_, err := orm.Query[Book](db).Where(orm.Eq{"id": w + 1}).UpdateAll(ctx, orm.Set{"stock": orm.Expr("stock + 1")})
			return err
		},
		func(int, int) error {
			err := db.Tx(ctx, func(tx *orm.DB) error {
				if _, err := orm.Query[Review](tx).Where(orm.AllRows).DeleteAll(ctx); err != nil {
					return err
				}
				return errRollback
			})
			if errors.Is(err, errRollback) {
				return nil
			}
			return err
		},
		func(int, int) error {
			_, err := orm.Query[Book](db).Join("Author").Where(orm.Eq{"Author.name": "author-3"}).Count(ctx)
			return err
		},
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				if err := ops[(w+i)%len(ops)](w, i); err != nil {
					errs <- fmt.Errorf("worker %d, op %d: %w", w, (w+i)%len(ops), err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed++; failed <= 5 {
			t.Error(err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d operations failed", failed, workers*rounds)
	}
	creates, updates := 0, make([]int64, workers)
	for w := range workers {
		for i := range rounds {
			switch (w + i) % len(ops) {
			case 2:
				creates++
			case 3:
				updates[w]++
			}
		}
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE title LIKE 'mixed-%'"); n != int64(creates) {
		t.Errorf("%d books created, want %d", n, creates)
	}
	for w, want := range updates {
		if got := mustCount(t, ctx, db, "SELECT stock FROM books WHERE id = $1", w+1); got != want {
			t.Errorf("book %d: stock %d, want %d", w+1, got, want)
		}
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM reviews"); n == 0 {
		t.Error("the rolled-back deletes removed the reviews")
	}
}
