package pgbouncertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Preloads at one depth go out in one pgx batch: the statements of a round trip are
// pipelined through PgBouncer and must all run on the server connection it lends.

func readPreload_belongsTo(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Book
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 2}, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Book](db).Preload("Author").OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(got) != bookCount {
		t.Fatalf("got %d books, want %d", len(got), bookCount)
	}
	for _, b := range got {
		want := mustAuthors(t, ctx, db, "id = $1", b.AuthorID)
		if b.Author == nil {
			t.Fatalf("book %d: author not loaded", b.ID)
		}
		rowtest.RequireEqual(t, want, plainAuthors([]Author{*b.Author}))
	}
}

func readPreload_belongsToSelf_nullableKey(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Author
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Author](db).Preload("Mentor").OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	for _, a := range got {
		switch {
		case a.ID%3 == 0 && (a.Mentor == nil || a.Mentor.ID != a.ID-1):
			t.Errorf("author %d: mentor = %+v, want author %d", a.ID, a.Mentor, a.ID-1)
		case a.ID%3 != 0 && a.Mentor != nil:
			t.Errorf("author %d: mentor = %+v, want none", a.ID, a.Mentor)
		}
	}
}

func readPreload_hasOne(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Author
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Author](db).Preload("Profile").OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(got) != authorCount {
		t.Fatalf("got %d authors", len(got))
	}
	for _, a := range got {
		want := rowtest.MustQueryOne(t, ctx, db, scanProfile, "SELECT id, author_id, bio FROM profiles WHERE author_id = $1", a.ID)
		switch {
		case want == nil && a.Profile != nil:
			t.Errorf("author %d: profile %+v, want none", a.ID, a.Profile)
		case want != nil && (a.Profile == nil || *a.Profile != *want):
			t.Errorf("author %d: profile %+v, want %+v", a.ID, a.Profile, want)
		}
	}
}

func readPreload_hasMany(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Author
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Author](db).Preload("Books").OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	for _, a := range got {
		if a.Books == nil {
			t.Fatalf("author %d: Books not loaded (nil)", a.ID)
		}
		rowtest.RequireEqual(t, mustBooks(t, ctx, db, "author_id = $1", a.ID), plainBooks(sortedBooks(a.Books)))
	}
	if len(got[authorCount-1].Books) != 0 {
		t.Errorf("author 10 has %d books, want none", len(got[authorCount-1].Books))
	}
}

func readPreload_manyToMany(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Book
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Book](db).Preload("Tags").Where(orm.Lte{"id": 12}).OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(got) != 12 {
		t.Fatalf("got %d books", len(got))
	}
	for _, b := range got {
		want := rowtest.MustQuery(t, ctx, db, scanTag,
			"SELECT t.id, t.name FROM tags t JOIN book_tags bt ON bt.tag_id = t.id WHERE bt.book_id = $1 ORDER BY t.id", b.ID)
		rowtest.RequireEqual(t, want, sortedTags(b.Tags))
	}
}

func readPreload_nested_threeDepths(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Author
	// Depth 1: Books and Profile in one round trip; depth 2: Reviews and Tags in one.
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 5, RoundTrips: 3}, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Author](db).Preload("Books.Reviews", "Books.Tags", "Profile").
			Where(orm.Lte{"id": 4}).OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(got) != 4 {
		t.Fatalf("got %d authors", len(got))
	}
	reviews := 0
	for _, a := range got {
		if (a.Profile != nil) != (a.ID%2 == 0) {
			t.Errorf("author %d: profile %+v", a.ID, a.Profile)
		}
		rowtest.RequireEqual(t, mustBooks(t, ctx, db, "author_id = $1", a.ID), plainBooks(sortedBooks(a.Books)))
		for _, b := range a.Books {
			want := rowtest.MustQuery(t, ctx, db, scanReview,
				"SELECT id, book_id, stars, body FROM reviews WHERE book_id = $1 ORDER BY id", b.ID)
			rowtest.RequireEqual(t, want, sortedReviews(b.Reviews))
			reviews += len(b.Reviews)
			if b.Tags == nil {
				t.Errorf("book %d: Tags not loaded", b.ID)
			}
		}
	}
	if reviews == 0 {
		t.Error("no reviews loaded: the data does not exercise depth 2")
	}
}

func readPreloadWith_limitPerParent(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Author
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Author](db).PreloadWith(loader.Path("Books", loader.OrderBy("-year", "-id"), loader.Limit(2))).
			OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	for _, a := range got {
		want := rowtest.MustQuery(t, ctx, db, scanBook,
			"SELECT "+bookCols+" FROM books WHERE author_id = $1 ORDER BY year DESC, id DESC LIMIT 2", a.ID)
		rowtest.RequireEqual(t, want, plainBooks(a.Books))
	}
}

func readPreload_insideTransaction(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	errRollback := errors.New("roll back: the database is shared by the read tests")
	err := db.Tx(ctx, func(tx *orm.DB) error {
		// A row written in the transaction is seen by the preload's statements, which
		// must therefore run on the transaction's server connection.
		if _, err := tx.Exec(ctx, "INSERT INTO books (author_id, title, year) VALUES (10, 'late book', 2024)"); err != nil {
			return err
		}
		got, err := orm.Query[Author](tx).Preload("Books.Tags").Where(orm.Eq{"id": 10}).All(ctx)
		if err != nil {
			return err
		}
		if len(got) != 1 || len(got[0].Books) != 1 || got[0].Books[0].Title != "late book" || got[0].Books[0].Tags == nil {
			t.Errorf("inside the transaction: %+v", got)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Tx = %v", err)
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE author_id = 10"); n != 0 {
		t.Errorf("author 10 has %d books after the rollback", n)
	}
}
