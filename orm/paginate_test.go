package orm_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// The pagination tests have their own tables, so they do not depend on the shared
// schema.
const pageSchema = `
CREATE TABLE page_authors (
	id   bigserial PRIMARY KEY,
	name text NOT NULL
);
CREATE TABLE page_articles (
	id         bigserial PRIMARY KEY,
	author_id  bigint REFERENCES page_authors(id),
	title      text COLLATE "C" NOT NULL,
	rank       integer,
	created_at timestamptz NOT NULL
);
CREATE TABLE page_comments (
	id         bigserial PRIMARY KEY,
	article_id bigint NOT NULL REFERENCES page_articles(id),
	body       text NOT NULL
);
CREATE INDEX page_articles_created_at_id ON page_articles (created_at, id);
`

type pageAuthor struct {
	ID   int64
	Name string
}

func (pageAuthor) TableName() string { return "page_authors" }

type pageArticle struct {
	ID        int64
	AuthorID  *int64
	Title     string
	Rank      *int32 // nullable sort key
	CreatedAt time.Time
	Author    *pageAuthor   `orm:"belongs-to"`
	Comments  []pageComment `orm:"has-many,fk:article_id"`
}

func (pageArticle) TableName() string { return "page_articles" }

type pageComment struct {
	ID        int64
	ArticleID int64
	Body      string
}

func (pageComment) TableName() string { return "page_comments" }

// mustPageDB makes 3 authors and n articles (ties and NULLs in rank, a NULL author on
// every 7th), article i having i%3 comments; it returns the articles as stored.
func mustPageDB(t testing.TB, ctx context.Context, n int) (*orm.DB, []pageArticle) {
	t.Helper()
	db := ormtest.New(t, ormtest.Schema(pageSchema))
	for _, sql := range []string{
		`INSERT INTO page_authors (name) VALUES ('ann'), ('bob'), ('cy')`,
		fmt.Sprintf(`INSERT INTO page_articles (author_id, title, rank, created_at)
			SELECT CASE WHEN i %% 7 = 0 THEN NULL ELSE i %% 3 + 1 END, 'title ' || (i %% 10),
				CASE WHEN i %% 4 = 0 THEN NULL ELSE i %% 5 END, timestamptz '2024-01-01' + (i %% 13) * interval '1 microsecond'
			FROM generate_series(1, %d) AS i`, n),
		`INSERT INTO page_comments (article_id, body)
			SELECT a.id, 'comment ' || k FROM page_articles a, generate_series(1, 2) AS k WHERE k <= a.id % 3`,
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	all, err := orm.Query[pageArticle](db).OrderBy("id").All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return db, all
}

// sortArticles is the Go version of ORDER BY rank DESC NULLS FIRST (PostgreSQL's
// default for DESC) or NULLS LAST, title, id.
func sortArticles(in []pageArticle, nullsLast bool) []int64 {
	out := slices.Clone(in)
	nulls := -1
	if nullsLast {
		nulls = 1
	}
	slices.SortFunc(out, func(x, y pageArticle) int {
		switch {
		case x.Rank == nil && y.Rank != nil:
			return nulls
		case x.Rank != nil && y.Rank == nil:
			return -nulls
		case x.Rank != nil && *x.Rank != *y.Rank:
			return -cmp.Compare(*x.Rank, *y.Rank)
		}
		return cmp.Or(strings.Compare(x.Title, y.Title), cmp.Compare(x.ID, y.ID))
	})
	return articleIDs(out)
}

func articleIDs(in []pageArticle) []int64 {
	out := make([]int64, len(in))
	for i, a := range in {
		out[i] = a.ID
	}
	return out
}

// TestSelect_Paginate_whereJoinPreload walks forward then backward over a filtered,
// joined and preloaded query in mixed directions with a nullable key (NULLs at either
// end): every page costs 1 + depth statements, every row comes exactly once, relations
// are loaded.
func TestSelect_Paginate_whereJoinPreload(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, all := mustPageDB(t, ctx, 61)
	var kept []pageArticle
	for _, a := range all {
		if !strings.HasSuffix(a.Title, "3") && (a.Rank == nil || *a.Rank != 1 || a.ID < 40) {
			kept = append(kept, a)
		}
	}
	for _, rank := range []string{"-rank", "-rank NULLS LAST"} {
		t.Run(rank, func(t *testing.T) {
			want := sortArticles(kept, strings.HasSuffix(rank, "LAST"))
			q := orm.Query[pageArticle](db).Where(orm.NotEq{"title": "title 3"}).
				Where("rank IS NULL OR rank <> ? OR page_articles.id < ?", 1, 40). // an OR: the keyset condition must not bind to its last term
				OrderBy(rank, "title").
				Join("Author").Preload("Comments")
			log := ormtest.Record(ctx, func(ctx context.Context) { walkArticles(t, ctx, q, want) })
			// Where NULL ranks follow a non-NULL cursor (forward with NULLS LAST, backward
			// with NULLS FIRST) a page is a UNION ALL of the two index ranges.
			if unions := strings.Count(strings.Join(log.SQL(), "\n"), "UNION ALL"); unions == 0 {
				t.Fatalf("%d statements with UNION ALL:\n%s", unions, log)
			}
		})
	}
}

// walkArticles pages q forward then backward, 5 rows a page, comparing with want.
func walkArticles(t *testing.T, ctx context.Context, q orm.Select[pageArticle], want []int64) {
	t.Helper()
	codec := &paginate.Codec{Key: []byte("orm test key of 32 bytes or more")}
	var got []int64
	var pages []paginate.Page[pageArticle]
	req := paginate.Request{Limit: 5, Codec: codec}
	for range 100 {
		page := mustArticlePage(t, ctx, q, req)
		checkRelations(t, page.Items, true)
		got = append(got, articleIDs(page.Items)...)
		pages = append(pages, page)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward:\n got %v\nwant %v", got, want)
	}
	var back []int64
	page := pages[len(pages)-1]
	for page.HasPrev {
		page = mustArticlePage(t, ctx, q, paginate.Request{Limit: 5, Codec: codec, Before: page.Prev})
		checkRelations(t, page.Items, true)
		back = append(articleIDs(page.Items), back...)
	}
	back = append(back, articleIDs(pages[len(pages)-1].Items)...)
	if !slices.Equal(back, want) {
		t.Fatalf("backward:\n got %v\nwant %v", back, want)
	}
}

func mustArticlePage(t *testing.T, ctx context.Context, q orm.Select[pageArticle], req paginate.Request) paginate.Page[pageArticle] {
	t.Helper()
	var page paginate.Page[pageArticle]
	var err error
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 2}, func(ctx context.Context) {
		page, err = q.Paginate(ctx, req)
	})
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// checkRelations checks the preloaded comments of each article and, when joined, the
// author.
func checkRelations(t *testing.T, items []pageArticle, joined bool) {
	t.Helper()
	for _, a := range items {
		if joined && ((a.AuthorID == nil) != (a.Author == nil) || (a.Author != nil && a.Author.ID != *a.AuthorID)) {
			t.Fatalf("article %d: author_id %v, Author %+v", a.ID, a.AuthorID, a.Author)
		}
		if len(a.Comments) != int(a.ID%3) {
			t.Fatalf("article %d: %d comments, want %d", a.ID, len(a.Comments), a.ID%3)
		}
	}
}

// TestSelect_Paginate_requestOrder pages in an order parsed from a user's ?sort=, with
// Columns restricting the select list (the sort keys are still selected).
func TestSelect_Paginate_requestOrder(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, all := mustPageDB(t, ctx, 23)
	order, err := paginate.ParseSort[pageArticle]("-rank,title", "rank", "title", "created_at")
	if err != nil {
		t.Fatal(err)
	}
	q := orm.Query[pageArticle](db).Columns("id")
	var got []int64
	req := paginate.Request{Codec: testCodec, Order: order, Limit: 4}
	for range 100 {
		var page paginate.Page[pageArticle]
		ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
			page, err = q.Paginate(ctx, req)
		})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, articleIDs(page.Items)...)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	if want := sortArticles(all, false); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestSelect_Paginate_errors refuses bad requests before any statement is sent.
func TestSelect_Paginate_errors(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, _ := mustPageDB(t, ctx, 3)
	q := orm.Query[pageArticle](db)
	byTitle, err := paginate.OrderBy[pageArticle]("title")
	if err != nil {
		t.Fatal(err)
	}
	tokByTitle := mustFirstNext(t, ctx, q, paginate.Request{Codec: testCodec, Order: byTitle, Limit: 1})
	tests := map[string]struct {
		q    orm.Select[pageArticle]
		req  paginate.Request
		is   error
		want string
	}{
		"cursor of another order": {
			q: q.OrderBy("-created_at"), req: paginate.Request{Codec: testCodec, After: tokByTitle},
			is: paginate.ErrInvalidCursor, want: "orm: Paginate: invalid cursor: made for another order or model",
		},
		"forged cursor": {
			q: q, req: paginate.Request{Codec: testCodec, After: "AAAA"},
			is: paginate.ErrInvalidCursor, want: "orm: Paginate: invalid cursor: unknown version 0",
		},
		"order twice": {
			q: q.OrderBy("title"), req: paginate.Request{Codec: testCodec, Order: byTitle},
			want: "orm: Paginate: order given both by OrderBy and by the request",
		},
		"order of another model": {
			q: q, req: paginate.Request{Codec: testCodec, Order: mustOrderOf[pageComment](t)},
			is: paginate.ErrInvalidSort, want: "orm: Paginate: sort on model orm_test.pageArticle: order was made for model orm_test.pageComment",
		},
		"sort key on a relation not joined": {
			q: q.OrderBy("Author.name"), req: paginate.Request{Codec: testCodec},
			is:   paginate.ErrInvalidSort,
			want: `orm: Paginate: sort field "Author.name" on model orm_test.pageArticle: names relation "Author", which is not joined: add Join("Author")`,
		},
		"query with a limit": {
			q: q.Limit(3), req: paginate.Request{Codec: testCodec},
			want: "orm: Paginate: the query has a Limit or Offset; the page sets them",
		},
		"unknown relation": {
			q: q.Preload("Nope"), req: paginate.Request{Codec: testCodec},
			want: `orm: Preload: unknown relation "Nope"`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				_, err := tt.q.Paginate(ctx, tt.req)
				if err == nil || !strings.HasPrefix(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
					t.Errorf("got %v\nwant %s (errors.Is %v)", err, tt.want, tt.is)
				}
			})
		})
	}
}

func mustOrderOf[T any](t testing.TB, keys ...string) paginate.Order {
	t.Helper()
	o, err := paginate.OrderBy[T](keys...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustFirstNext(t testing.TB, ctx context.Context, q orm.Select[pageArticle], req paginate.Request) string {
	t.Helper()
	page, err := q.Paginate(ctx, req)
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	return page.Next
}

// TestSelect_PaginateOffset checks offset pages with COUNT and a preload.
func TestSelect_PaginateOffset(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, all := mustPageDB(t, ctx, 26)
	want := sortArticles(all, false)
	q := orm.Query[pageArticle](db).OrderBy("-rank", "title").Preload("Comments")
	var page paginate.OffsetPage[pageArticle]
	var err error
	// The COUNT is pipelined with the page: 3 statements (page, count, comments) in 2
	// round trips.
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 2}, func(ctx context.Context) {
		page, err = q.PaginateOffset(ctx, paginate.OffsetRequest{Page: 2, Size: 10, Count: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRelations(t, page.Items, false)
	if got := articleIDs(page.Items); !slices.Equal(got, want[10:20]) || !page.HasNext || !page.HasPrev || page.Total != 26 {
		t.Fatalf("got %v (next %v prev %v total %d), want %v", got, page.HasNext, page.HasPrev, page.Total, want[10:20])
	}
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		page, err = q.PaginateOffset(ctx, paginate.OffsetRequest{Page: 3, Size: 10})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := articleIDs(page.Items); !slices.Equal(got, want[20:]) || page.HasNext || page.Total != -1 {
		t.Fatalf("last page: got %v (next %v total %d), want %v", got, page.HasNext, page.Total, want[20:])
	}
}

// TestSelect_Paginate_count asks each keyset page for the query's total: the COUNT
// ignores the cursor and rides in the page's round trip.
func TestSelect_Paginate_count(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, all := mustPageDB(t, ctx, 33)
	var kept []pageArticle
	for _, a := range all {
		if a.Rank != nil && *a.Rank >= 2 {
			kept = append(kept, a)
		}
	}
	want := sortArticles(kept, false)
	q := orm.Query[pageArticle](db).Where(orm.Gte{"rank": 2}).OrderBy("-rank", "title").Join("Author").Preload("Comments")
	req := paginate.Request{Codec: testCodec, Limit: 4, Count: true}
	var got []int64
	for range 100 {
		var page paginate.Page[pageArticle]
		var err error
		ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 2}, func(ctx context.Context) {
			page, err = q.Paginate(ctx, req)
		})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(len(want)) {
			t.Fatalf("Total %d, want %d", page.Total, len(want))
		}
		checkRelations(t, page.Items, true)
		got = append(got, articleIDs(page.Items)...)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	page, err := q.Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 4})
	if err != nil || page.Total != -1 {
		t.Fatalf("without Count: Total %d, %v", page.Total, err)
	}
}

// TestSelect_Batches walks a preloaded query in batches while rows are inserted: one
// page (1 + depth statements) per batch, every original row exactly once.
func TestSelect_Batches(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, all := mustPageDB(t, ctx, 47)
	q := orm.Query[pageArticle](db).OrderBy("created_at").Preload("Comments")
	seen := map[int64]int{}
	batches := 0
	log := ormtest.Record(ctx, func(ctx context.Context) {
		for batch, err := range q.Batches(ctx, 10) {
			if err != nil {
				t.Fatal(err)
			}
			batches++
			checkRelations(t, slices.DeleteFunc(slices.Clone(batch), func(a pageArticle) bool { return a.ID > int64(len(all)) }), false)
			for _, a := range batch {
				seen[a.ID]++
			}
			mustExec(t, db, `INSERT INTO page_articles (title, created_at) VALUES ('behind', '2000-01-01'), ('ahead', '2100-01-01')`)
		}
	})
	for _, a := range all {
		if seen[a.ID] != 1 {
			t.Errorf("article %d seen %d times", a.ID, seen[a.ID])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("article %d seen %d times", id, n)
		}
	}
	if log.Statements() != 2*batches || batches < 5 {
		t.Errorf("%d batches: %s", batches, log)
	}
}

// TestSelect_Each visits every row once, stops at fn's first error and refuses a
// query with a Limit.
func TestSelect_Each(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, all := mustPageDB(t, ctx, 25)
	q := orm.Query[pageArticle](db)
	var got []int64
	ormtest.AssertStatements(t, ctx, 3, func(ctx context.Context) {
		err := q.Each(ctx, 10, func(a pageArticle) error { got = append(got, a.ID); return nil })
		if err != nil {
			t.Fatal(err)
		}
	})
	if want := articleIDs(all); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	err := q.Each(ctx, 10, func(pageArticle) error {
		if n++; n == 12 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 12 {
		t.Fatalf("got %v after %d rows, want stop after 12", err, n)
	}
	err = q.Limit(5).Each(ctx, 10, func(pageArticle) error { return nil })
	if err == nil || err.Error() != "orm: Batches: the query has a Limit or Offset; the page sets them" {
		t.Fatalf("got %v", err)
	}
	if err := q.Each(ctx, 10, nil); err == nil || err.Error() != "orm: Each: nil function" {
		t.Fatalf("got %v", err)
	}
}

// ExampleSelect_Paginate pages through posts newest first, following Next.
func ExampleSelect_Paginate() {
	ctx := context.Background()
	db, cleanup, err := ormtest.Open(ctx, ormtest.Schema(pageSchema))
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	if _, err := db.Exec(ctx, `INSERT INTO page_articles (title, created_at)
		SELECT 'article ' || i, timestamptz '2024-01-01' + i * interval '1 hour' FROM generate_series(1, 5) AS i`); err != nil {
		log.Fatal(err)
	}
	q := orm.Query[pageArticle](db).OrderBy("-created_at")
	req := paginate.Request{Codec: testCodec, Limit: 2}
	for {
		page, err := q.Paginate(ctx, req)
		if err != nil {
			log.Fatal(err)
		}
		for _, a := range page.Items {
			fmt.Print(a.Title, "; ")
		}
		fmt.Println("more:", page.HasNext)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	// Output:
	// article 5; article 4; more: true
	// article 3; article 2; more: true
	// article 1; more: false
}
