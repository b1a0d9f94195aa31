package pgbouncertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestInsertUpdateDelete_oneStatementEach(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	plain := ctx // a context that records nothing, for the reference reads below
	b := Book{AuthorID: 10, Title: "single", Year: 2020}
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 3}, func(ctx context.Context) {
		if err := orm.Insert(ctx, db, &b); err != nil {
			t.Fatal(err)
		}
		if b.ID != bookCount+1 {
			t.Errorf("inserted id %d, want %d", b.ID, bookCount+1)
		}
		b.Year, b.Stock = 2021, 4
		if err := orm.Update(ctx, db, &b, "year"); err != nil {
			t.Fatal(err)
		}
		if b.Stock != 0 { // read back: only year was written
			t.Errorf("after Update of year, stock = %d, want the stored 0", b.Stock)
		}
		got := mustBooks(t, plain, db, "id = $1", b.ID)
		rowtest.RequireEqual(t, []Book{{ID: b.ID, AuthorID: 10, Title: "single", Year: 2021}}, got)
		if err := orm.Delete(ctx, db, &b); err != nil {
			t.Fatal(err)
		}
	})
	if err := orm.Delete(ctx, db, &b); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

func TestUpdateAll_andReturning(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := orm.Query[Book](db).Where(orm.Eq{"author_id": 3}).UpdateAll(ctx, orm.Set{"stock": orm.Expr("stock + ?", 5)})
		if err != nil || n != 3 {
			t.Fatalf("UpdateAll = %d, %v; want 3", n, err)
		}
	})
	var got []Book
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Book](db).Where("author_id = ?", 3).UpdateAllReturning(ctx, orm.Set{"year": 1999})
		if err != nil {
			t.Fatal(err)
		}
	})
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "author_id = 3 AND stock = 5 AND year = 1999"), sortedBooks(got))
	if len(got) != 3 {
		t.Errorf("UpdateAllReturning gave %d rows, want 3", len(got))
	}
}

func TestDeleteAll_needsWhere(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		if _, err := orm.Query[Review](db).DeleteAll(ctx); !errors.Is(err, orm.ErrMissingWhere) {
			t.Errorf("DeleteAll without Where = %v, want ErrMissingWhere", err)
		}
	})
	plain := ctx // a context that records nothing, for the reference reads below
	before := mustCount(t, ctx, db, "SELECT count(*) FROM reviews")
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := orm.Query[Review](db).Where(orm.Gte{"stars": 4}).DeleteAll(ctx)
		if err != nil || n == 0 {
			t.Fatalf("DeleteAll = %d, %v; want some rows", n, err)
		}
		if left := mustCount(t, plain, db, "SELECT count(*) FROM reviews"); left != before-n {
			t.Errorf("%d reviews left, want %d", left, before-n)
		}
	})
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM reviews WHERE stars >= 4"); n != 0 {
		t.Errorf("%d reviews with 4+ stars left", n)
	}
}
