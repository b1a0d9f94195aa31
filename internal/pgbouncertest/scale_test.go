package pgbouncertest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// yearBook reads books scoped by a value from the context (the year stands in for a
// tenant): the scope's bound parameter travels through PgBouncer with each statement.
type yearBook struct {
	ID       int64
	AuthorID int64
	Title    string
	Year     int32 `orm:"scope:year"`
}

func (yearBook) TableName() string { return "books" }

type yearAuthor struct {
	ID    int64
	Name  string
	Books []yearBook `orm:"has-many,fk:author_id"`
}

func (yearAuthor) TableName() string { return "authors" }

// A value scope through PgBouncer: the query, its Join-free preload edge and its count
// each bind the context's value, and give what hand-written SQL gives.
func readScope_valueFromContext(t *testing.T, db *orm.DB) {
	ctx := orm.WithScope(testCtx(t), "year", int32(2000))
	var authors []yearAuthor
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 2}, func(ctx context.Context) {
		var err error
		authors, err = orm.Query[yearAuthor](db).OrderBy("id").Preload("Books").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	var got int64
	for _, a := range authors {
		for _, b := range a.Books {
			if b.Year != 2000 {
				t.Fatalf("author %d: book %d of year %d, outside the scope", a.ID, b.ID, b.Year)
			}
			got++
		}
	}
	if want := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE year = 2000"); got != want || got == 0 {
		t.Fatalf("preloaded %d books of 2000, want %d", got, want)
	}
	n, err := orm.Query[yearBook](db).Count(ctx)
	if err != nil || n != got {
		t.Fatalf("Count in scope: %d, %v; want %d", n, err, got)
	}
}

var (
	authorsByID, _ = dataload.Key[Author, int64]()
	booksOf, _     = dataload.Relation[Author, Book, int64]("Books")
)

// The dataloader through PgBouncer: loads of two loaders in one request go out as one
// pipelined batch, which PgBouncer hands to one server connection.
func readDataload_twoLoadersOneRoundTrip(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	names := make([]string, authorCount)
	books := make([]int, authorCount)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 1}, func(ctx context.Context) {
		rctx, err := dataload.NewRequest(ctx, db, dataload.WithWait(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range authorCount {
			wg.Go(func() {
				if a, err := authorsByID.Load(rctx, int64(i+1)); err == nil {
					names[i] = a.Name
				} else {
					t.Error(err)
				}
			})
			wg.Go(func() {
				bs, err := booksOf.Load(rctx, int64(i+1))
				if err != nil {
					t.Error(err)
				}
				books[i] = len(bs)
			})
		}
		wg.Wait()
	})
	for i := range authorCount {
		want := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE author_id = $1", i+1)
		if names[i] != mustAuthors(t, ctx, db, "id = $1", i+1)[0].Name || int64(books[i]) != want {
			t.Fatalf("author %d: name %q, %d books; want %d books", i+1, names[i], books[i], want)
		}
	}
}

// The index check through PgBouncer: the generic plan's PREPARE, EXPLAIN and
// DEALLOCATE and the proof's CREATE INDEX run inside one transaction, so on the one
// server connection PgBouncer lends it.
func readCheckIndexes_throughTransactionPooling(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	reports, err := orm.Query[Book](db).Where(orm.Eq{"author_id": 3}).OrderBy("year").CheckIndexes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("got %d reports, want 1: %+v", len(reports), reports)
	}
	for _, f := range reports[0].Findings {
		if len(f.Columns) > 0 {
			t.Errorf("books (author_id, year) is indexed, yet: %+v", f)
		}
	}
}
