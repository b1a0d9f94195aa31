package pgbouncertest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// byYear is the reference order of the keyset tests: year, then the primary key that
// Paginate appends as tie-breaker.
const byYear = "SELECT " + bookCols + " FROM books ORDER BY year, id"

func readPaginate_keysetForwardAndBack(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	q := orm.Query[Book](db).OrderBy("year")
	var pages [][]Book
	var last paginate.Page[Book]
	req := paginate.Request{Codec: testCodec, Limit: 5}
	for {
		ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
			var err error
			if last, err = q.Paginate(ctx, req); err != nil {
				t.Fatal(err)
			}
		})
		pages = append(pages, last.Items)
		if !last.HasNext {
			break
		}
		req.After = last.Next
	}
	if len(pages) != 6 {
		t.Errorf("walked %d pages of 5 over %d rows, want 6", len(pages), bookCount)
	}
	want := rowtest.MustQuery(t, ctx, db, scanBook, byYear)
	rowtest.RequireEqual(t, want, plainBooks(slices.Concat(pages...)))

	// Back from the last page with its Prev cursor.
	back, err := q.Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 5, Before: last.Prev})
	if err != nil {
		t.Fatal(err)
	}
	rowtest.RequireEqual(t, pages[len(pages)-2], back.Items)
	if !back.HasNext || !back.HasPrev {
		t.Errorf("page before the last: HasNext %v, HasPrev %v; want both", back.HasNext, back.HasPrev)
	}
}

func readPaginate_withCount_pipelined(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var page paginate.Page[Book]
	// The COUNT rides in the page's round trip, in one pgx batch.
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 1}, func(ctx context.Context) {
		var err error
		page, err = orm.Query[Book](db).Where(orm.Lte{"author_id": 5}).OrderBy("-year").
			Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 4, Count: true})
		if err != nil {
			t.Fatal(err)
		}
	})
	if page.Total != 15 || len(page.Items) != 4 || !page.HasNext {
		t.Fatalf("page: %d items, total %d, HasNext %v; want 4 of 15 and more", len(page.Items), page.Total, page.HasNext)
	}
	want := rowtest.MustQuery(t, ctx, db, scanBook,
		"SELECT "+bookCols+" FROM books WHERE author_id <= 5 ORDER BY year DESC, id DESC LIMIT 4")
	rowtest.RequireEqual(t, want, page.Items)
}

func readPaginate_withPreload(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var page paginate.Page[Book]
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 2}, func(ctx context.Context) {
		var err error
		page, err = orm.Query[Book](db).Preload("Tags", "Author").Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 6})
		if err != nil {
			t.Fatal(err)
		}
	})
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "id <= 6"), plainBooks(page.Items))
	for _, b := range page.Items {
		if b.Tags == nil || b.Author == nil || b.Author.ID != b.AuthorID {
			t.Errorf("book %d: tags %v, author %+v", b.ID, b.Tags, b.Author)
		}
	}
}

func readPaginateOffset_withCount(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var page paginate.OffsetPage[Book]
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 1}, func(ctx context.Context) {
		var err error
		page, err = orm.Query[Book](db).PaginateOffset(ctx, paginate.OffsetRequest{Page: 3, Size: 5, Count: true})
		if err != nil {
			t.Fatal(err)
		}
	})
	if page.Total != bookCount || !page.HasNext || !page.HasPrev {
		t.Errorf("page 3: total %d, HasNext %v, HasPrev %v", page.Total, page.HasNext, page.HasPrev)
	}
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "id BETWEEN 11 AND 15"), page.Items)
}

func readBatches_walkEveryRow(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Book
	ormtest.AssertStatements(t, ctx, 3, func(ctx context.Context) {
		for batch, err := range orm.Query[Book](db).OrderBy("year").Batches(ctx, 10) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, batch...)
		}
	})
	rowtest.RequireEqual(t, rowtest.MustQuery(t, ctx, db, scanBook, byYear), got)
}
