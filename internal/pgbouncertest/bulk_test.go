package pgbouncertest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// newBooks returns n books by author 10 with distinct titles starting with prefix.
func newBooks(prefix string, n int) []Book {
	out := make([]Book, n)
	for i := range out {
		out[i] = Book{AuthorID: 10, Title: fmt.Sprintf("%s-%d", prefix, i), Year: int32(2000 + i%20)}
	}
	return out
}

// warmBulk makes one bulk call on Book so that the catalog lookup of the first call
// per pool is out of the way before statements are counted.
func warmBulk(t testing.TB, ctx context.Context, db *orm.DB) {
	t.Helper()
	if err := bulk.Create(ctx, db, newBooks("warm", 1)); err != nil {
		t.Fatal(err)
	}
}

// mustSQL fails t unless the only statement in log starts with prefix and contains
// each of parts.
func mustSQL(t testing.TB, log *orm.QueryLog, prefix string, parts ...string) {
	t.Helper()
	sqls := log.SQL()
	if len(sqls) != 1 || !strings.HasPrefix(sqls[0], prefix) {
		t.Fatalf("statements %q, want one starting with %q", sqls, prefix)
	}
	for _, p := range parts {
		if !strings.Contains(sqls[0], p) {
			t.Errorf("statement %q does not contain %q", sqls[0], p)
		}
	}
}

func TestBulkCreate_unnest_idsAndDefaultsBack(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	warmBulk(t, ctx, db)
	rows := newBooks("unnest", 5)
	log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		if err := bulk.Create(ctx, db, rows); err != nil {
			t.Fatal(err)
		}
	})
	mustSQL(t, log, "WITH", "unnest(")
	for i, r := range rows {
		if r.ID <= bookCount+1 || (i > 0 && r.ID != rows[i-1].ID+1) {
			t.Errorf("row %d: id %d not read back in order", i, r.ID)
		}
	}
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "title LIKE 'unnest-%'"), rows)
}

func TestBulkCreate_copy(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	warmBulk(t, ctx, db)
	tests := []struct {
		name string
		rows []Book
		opts []bulk.Option
	}{
		{"forced", newBooks("copy", 300), []bulk.Option{bulk.NoReturning(), bulk.WithStrategy(bulk.Copy)}},
		{"auto, large batch", newBooks("auto", 2500), []bulk.Option{bulk.NoReturning()}},
	}
	for _, tt := range tests {
		log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
			if err := bulk.Create(ctx, db, tt.rows, tt.opts...); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		})
		mustSQL(t, log, "COPY")
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE title LIKE 'copy-%' OR title LIKE 'auto-%'"); n != 2800 {
		t.Errorf("%d rows copied, want 2800", n)
	}
}

// Chunks run in one transaction, which PgBouncer keeps on one server connection; a
// failing chunk rolls back the ones before it.
func TestBulkCreate_chunks_oneTransaction(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	warmBulk(t, ctx, db)
	rows := newBooks("chunk", 10)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 3, TxStatements: 2}, func(ctx context.Context) {
		if err := bulk.Create(ctx, db, rows, bulk.ChunkSize(4)); err != nil {
			t.Fatal(err)
		}
	})
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "title LIKE 'chunk-%'"), rows)

	bad := newBooks("bad", 10)
	bad[9].Title = "book-1-1" // taken: the third chunk fails
	err := bulk.Create(ctx, db, bad, bulk.ChunkSize(4))
	if !orm.IsUniqueViolation(err) {
		t.Fatalf("Create with a taken title = %v, want a unique violation", err)
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE title LIKE 'bad-%'"); n != 0 {
		t.Errorf("%d rows of the failed call stored, want 0", n)
	}
	for i, b := range bad {
		if b.ID != 0 {
			t.Errorf("row %d: id %d left after the rollback, want 0", i, b.ID)
		}
	}
}

func TestBulkUpsert_doUpdateAndDoNothing(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	warmBulk(t, ctx, db)
	rows := []Book{{AuthorID: 1, Title: "book-1-1", Year: 1800}, {AuthorID: 10, Title: "upserted", Year: 2001}}
	var res bulk.UpsertResult
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		var err error
		if res, err = bulk.Upsert(ctx, db, rows, bulk.OnConflict("title").DoUpdate("year")); err != nil {
			t.Fatal(err)
		}
	})
	if res.Written != 2 || rows[0].ID != 1 || rows[1].ID <= bookCount {
		t.Fatalf("Upsert: %+v, ids %d and %d", res, rows[0].ID, rows[1].ID)
	}
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "id = ANY($1)", []int64{rows[0].ID, rows[1].ID}), rows)

	again := []Book{{AuthorID: 2, Title: "book-2-1", Year: 1700}, {AuthorID: 10, Title: "fresh", Year: 2002}}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		var err error
		if res, err = bulk.Upsert(ctx, db, again, bulk.OnConflict("title").DoNothing()); err != nil {
			t.Fatal(err)
		}
	})
	if res.Written != 1 || len(res.Skipped) != 1 || res.Skipped[0] != 0 || again[1].ID == 0 {
		t.Fatalf("DoNothing: %+v, fresh id %d", res, again[1].ID)
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE title = 'book-2-1' AND year = 1700"); n != 0 {
		t.Error("DO NOTHING updated the existing row")
	}
}

func TestBulkUpdate_byPrimaryKey(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	warmBulk(t, ctx, db)
	rows := mustBooks(t, ctx, db, "author_id = 4")
	for i := range rows {
		rows[i].Year = 1900 + int32(i)
		rows[i].Stock = 7
		rows[i].Title = "not written" // not among the columns named
	}
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		n, err := bulk.Update(ctx, db, rows, []string{"year", "stock"})
		if err != nil || n != 3 {
			t.Fatalf("Update = %d, %v; want 3", n, err)
		}
	})
	got := mustBooks(t, ctx, db, "author_id = 4")
	for i, b := range got {
		if b.Year != 1900+int32(i) || b.Stock != 7 || b.Title == "not written" {
			t.Errorf("row %d after Update: %+v", i, b)
		}
	}
}

func TestBulkDelete_byPrimaryKey(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	rows := mustBooks(t, ctx, db, "author_id = 2")
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		n, err := bulk.Delete(ctx, db, rows)
		if err != nil || n != 3 {
			t.Fatalf("Delete = %d, %v; want 3", n, err)
		}
	})
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books"); n != bookCount-3 {
		t.Errorf("%d books left, want %d", n, bookCount-3)
	}
}
