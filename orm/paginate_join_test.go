package orm_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// Pages ordered by a joined column: posts by their author's name.

const joinSortSchema = `
CREATE TABLE js_authors (
	id         bigserial PRIMARY KEY,
	name       text COLLATE "C" NOT NULL,
	deleted_at timestamptz
);
CREATE TABLE js_posts (
	id         bigserial PRIMARY KEY,
	author_id  bigint REFERENCES js_authors(id),
	title      text NOT NULL,
	created_at timestamptz NOT NULL
);`

type jsAuthor struct {
	ID        int64
	Name      string
	DeletedAt *time.Time `orm:"softdelete"`
}

func (jsAuthor) TableName() string { return "js_authors" }

type jsPost struct {
	ID        int64
	AuthorID  *int64
	Title     string
	CreatedAt time.Time
	Author    *jsAuthor `orm:"belongs-to"`
}

func (jsPost) TableName() string { return "js_posts" }

// mustJoinSortDB makes authors ann (1), bob (2), ann again (3, a duplicate name) and
// cy (4, soft-deleted), and 23 posts: every 5th without author, the others cycling
// over the four authors, created_at with ties (i % 4), so every key needs the next.
func mustJoinSortDB(t testing.TB, ctx context.Context) *orm.DB {
	t.Helper()
	db := ormtest.New(t, ormtest.Schema(joinSortSchema))
	for _, sql := range []string{
		`INSERT INTO js_authors (name, deleted_at) VALUES ('ann', NULL), ('bob', NULL), ('ann', NULL), ('cy', now())`,
		`INSERT INTO js_posts (author_id, title, created_at)
			SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i % 4 + 1 END, 'post ' || i,
				timestamptz '2024-01-01' + (i % 4) * interval '1 hour'
			FROM generate_series(1, 23) AS i`,
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return db
}

// sortPosts is the Go version of ORDER BY author name (nullsFirst: NULLs first), then
// created_at when created is +1 (ascending) or -1 (descending), then id in the
// direction of the last key; the name compared as bytes (COLLATE "C").
func sortPosts(in []jsPost, nameDesc, nullsFirst bool, created int) []int64 {
	out := slices.Clone(in)
	nulls := 1
	if nullsFirst {
		nulls = -1
	}
	idDir := created
	if created == 0 {
		idDir = 1
		if nameDesc {
			idDir = -1
		}
	}
	slices.SortFunc(out, func(x, y jsPost) int {
		switch {
		case x.Author == nil && y.Author == nil:
		case x.Author == nil:
			return nulls
		case y.Author == nil:
			return -nulls
		default:
			if c := strings.Compare(x.Author.Name, y.Author.Name); c != 0 && nameDesc {
				return -c
			} else if c != 0 {
				return c
			}
		}
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 && created != 0 {
			return c * created
		}
		return cmp.Compare(x.ID, y.ID) * idDir
	})
	return postIDs(out)
}

func postIDs(in []jsPost) []int64 {
	out := make([]int64, len(in))
	for i, p := range in {
		out[i] = p.ID
	}
	return out
}

// TestSelect_Paginate_joinedOrder walks every order forward and backward with page
// sizes 1 to 4 and compares with the rows of one query in the same order, and with
// the same order computed in Go: posts without an author and the post of the
// soft-deleted author (its scope is in the ON clause) keep their place among the
// NULLs, duplicate names are broken by created_at and the primary key, and every page
// is one statement.
func TestSelect_Paginate_joinedOrder(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := mustJoinSortDB(t, ctx)
	left := orm.Query[jsPost](db).Join("Author")
	joined, err := left.OrderBy("id").All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var withAuthor []jsPost
	orphans := 0
	for _, p := range joined {
		switch {
		case p.Author != nil:
			withAuthor = append(withAuthor, p)
		case p.AuthorID != nil && *p.AuthorID == 4:
			orphans++ // the soft-deleted author's posts: NULL names, still listed
		}
	}
	if orphans == 0 || len(withAuthor) == len(joined) {
		t.Fatalf("data: %d posts of the deleted author, %d of %d with an author", orphans, len(withAuthor), len(joined))
	}
	tests := map[string]struct {
		q     orm.Select[jsPost]
		keys  []string
		want  []int64
		union bool // the walk needs the UNION ALL of the nullable first key
	}{
		"name, -created_at (NULLs last)": {
			q: left, keys: []string{"Author.name", "-created_at"}, want: sortPosts(joined, false, false, -1), union: true,
		},
		"-name, created_at (NULLs first)": {
			q: left, keys: []string{"-Author.name", "created_at"}, want: sortPosts(joined, true, true, 1), union: true,
		},
		"name NULLS FIRST, -created_at": {
			q: left, keys: []string{"Author.name NULLS FIRST", "-created_at"}, want: sortPosts(joined, false, true, -1), union: true,
		},
		"-name only": {
			q: left, keys: []string{"-Author.Name"}, want: sortPosts(joined, true, true, 0), union: true,
		},
		"inner: name, -created_at": {
			q: orm.Query[jsPost](db).InnerJoin("Author"), keys: []string{"Author.name", "-created_at"}, want: sortPosts(withAuthor, false, false, -1),
		},
		"inner: name, created_at (row value)": {
			q: orm.Query[jsPost](db).InnerJoin("Author"), keys: []string{"Author.name", "created_at"}, want: sortPosts(withAuthor, false, false, 1),
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := tt.q.OrderBy(tt.keys...)
			// The reference: the whole list from one query in the same order, the
			// primary key last (the page's tie-breaker).
			tie := "id"
			if strings.HasPrefix(tt.keys[len(tt.keys)-1], "-") {
				tie = "-id"
			}
			ref, err := q.OrderBy(tie).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(postIDs(ref), tt.want) {
				t.Fatalf("one query:\n got %v\nwant %v", postIDs(ref), tt.want)
			}
			for size := 1; size <= 4; size++ {
				log := ormtest.Record(ctx, func(ctx context.Context) { walkPosts(t, ctx, q, size, tt.want) })
				text := strings.Join(log.SQL(), "\n")
				if unions := strings.Count(text, "UNION ALL"); (unions > 0) != tt.union {
					t.Fatalf("size %d: %d statements with UNION ALL, want some: %v\n%s", size, unions, tt.union, log)
				}
				if strings.HasSuffix(name, "(row value)") && !strings.Contains(text, `("Author"."name", "js_posts"."created_at", "js_posts"."id") > (`) {
					t.Fatalf("size %d: no row-value condition on the INNER-joined key:\n%s", size, log)
				}
			}
		})
	}
}

// walkPosts pages q forward then backward, size rows a page, comparing with want and
// checking that each page is one statement and carries the joined authors.
func walkPosts(t *testing.T, ctx context.Context, q orm.Select[jsPost], size int, want []int64) {
	t.Helper()
	var got []int64
	var last paginate.Page[jsPost]
	req := paginate.Request{Limit: size, Codec: testCodec}
	for range 100 {
		last = mustPostPage(t, ctx, q, req)
		got = append(got, postIDs(last.Items)...)
		if !last.HasNext {
			break
		}
		req.After = last.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("size %d forward:\n got %v\nwant %v", size, got, want)
	}
	back := postIDs(last.Items)
	for page := last; page.HasPrev; {
		page = mustPostPage(t, ctx, q, paginate.Request{Limit: size, Codec: testCodec, Before: page.Prev})
		back = append(postIDs(page.Items), back...)
	}
	if !slices.Equal(back, want) {
		t.Fatalf("size %d backward:\n got %v\nwant %v", size, back, want)
	}
}

func mustPostPage(t *testing.T, ctx context.Context, q orm.Select[jsPost], req paginate.Request) paginate.Page[jsPost] {
	t.Helper()
	var page paginate.Page[jsPost]
	var err error
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { page, err = q.Paginate(ctx, req) })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Items {
		if p.Author != nil && (p.AuthorID == nil || p.Author.ID != *p.AuthorID || p.Author.ID == 4) {
			t.Fatalf("post %d: author_id %v, Author %+v", p.ID, p.AuthorID, p.Author)
		}
	}
	return page
}

// TestSelect_Paginate_joinedOrderRequest pages by an order a user chose from an
// allowlist naming "Author.name", with the COUNT in the same round trip, and walks
// the same order in batches.
func TestSelect_Paginate_joinedOrderRequest(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := mustJoinSortDB(t, ctx)
	q := orm.Query[jsPost](db).Join("Author")
	all, err := q.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := sortPosts(all, true, true, 0)
	order, err := paginate.ParseSort[jsPost]("-Author.name", "Author.name", "created_at")
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	req := paginate.Request{Order: order, Limit: 7, Codec: testCodec, Count: true}
	for range 100 {
		var page paginate.Page[jsPost]
		ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 1}, func(ctx context.Context) {
			page, err = q.Paginate(ctx, req)
		})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(len(all)) {
			t.Fatalf("Total %d, want %d", page.Total, len(all))
		}
		got = append(got, postIDs(page.Items)...)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages:\n got %v\nwant %v", got, want)
	}

	got = got[:0]
	ormtest.AssertStatements(t, ctx, 4, func(ctx context.Context) { // 23 rows in batches of 7
		for batch, err := range q.OrderBy("-Author.name").Batches(ctx, 7) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, postIDs(batch)...)
		}
	})
	if !slices.Equal(got, want) {
		t.Fatalf("batches:\n got %v\nwant %v", got, want)
	}
}

// TestSelect_Paginate_joinedOrderErrors refuses, before any statement is sent, a sort
// key on a relation the query does not join, an unknown joined column, and cursors of
// another order (a base column's, or a NULL name where the join is INNER).
func TestSelect_Paginate_joinedOrderErrors(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := mustJoinSortDB(t, ctx)
	q := orm.Query[jsPost](db)
	byName := q.Join("Author").OrderBy("Author.name")
	byTitle := q.Join("Author").OrderBy("title")
	tokByTitle := mustPostNext(t, ctx, byTitle, paginate.Request{Codec: testCodec, Limit: 1})
	tokByName := mustPostNext(t, ctx, byName, paginate.Request{Codec: testCodec, Limit: 1})
	// A cursor on a NULL name: the first page in descending order starts with the NULLs.
	tokNull := mustPostNext(t, ctx, q.Join("Author").OrderBy("-Author.name"), paginate.Request{Codec: testCodec, Limit: 1})
	var colErr *orm.ColumnError
	tests := map[string]struct {
		q    orm.Select[jsPost]
		req  paginate.Request
		is   error
		as   any
		want string
	}{
		"relation not joined": {
			q: q.OrderBy("Author.name"), req: paginate.Request{Codec: testCodec},
			is:   paginate.ErrInvalidSort,
			want: `orm: Paginate: sort field "Author.name" on model orm_test.jsPost: names relation "Author", which is not joined: add Join("Author")`,
		},
		"relation not joined, order from the request": {
			q: q, req: paginate.Request{Codec: testCodec, Order: mustOrderOf[jsPost](t, "Author.name")},
			is:   paginate.ErrInvalidSort,
			want: `orm: Paginate: sort field "Author.name" on model orm_test.jsPost: names relation "Author", which is not joined: add Join("Author")`,
		},
		"unknown joined column": {
			q: q.Join("Author").OrderBy("Author.nope"), req: paginate.Request{Codec: testCodec},
			is: paginate.ErrInvalidSort, as: &colErr,
			want: `orm: Paginate: sort field "Author.nope" on model orm_test.jsPost: not a column of the model or of a to-one relation: unknown column "nope" on model orm_test.jsAuthor`,
		},
		"unknown relation": {
			q: q.Join("Author").OrderBy("Editor.name"), req: paginate.Request{Codec: testCodec},
			is:   paginate.ErrInvalidSort,
			want: `orm: Paginate: sort field "Editor.name" on model orm_test.jsPost: not a column of the model or of a to-one relation: unknown relation "Editor"`,
		},
		"cursor of a base column's order": {
			q: byName, req: paginate.Request{Codec: testCodec, After: tokByTitle},
			is: paginate.ErrInvalidCursor, want: "orm: Paginate: invalid cursor: made for another order or model",
		},
		"cursor of the joined order on a base column's order": {
			q: byTitle, req: paginate.Request{Codec: testCodec, Before: tokByName},
			is: paginate.ErrInvalidCursor, want: "orm: Paginate: invalid cursor: made for another order or model",
		},
		"NULL name where the join is INNER": {
			q: q.InnerJoin("Author").OrderBy("-Author.name"), req: paginate.Request{Codec: testCodec, After: tokNull},
			is: paginate.ErrInvalidCursor, want: "orm: Paginate: invalid cursor: key Author.name: NULL in a NOT NULL sort key",
		},
		"batches, relation not joined": {
			q: q.OrderBy("-Author.name"), req: paginate.Request{Limit: -1},
			is:   paginate.ErrInvalidSort,
			want: `orm: Batches: sort field "Author.name" on model orm_test.jsPost: names relation "Author", which is not joined: add Join("Author")`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				var err error
				if tt.req.Limit < 0 {
					for _, e := range tt.q.Batches(ctx, 3) {
						err = e
						break
					}
				} else {
					_, err = tt.q.Paginate(ctx, tt.req)
				}
				if err == nil || !strings.HasPrefix(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
					t.Errorf("got %v\nwant %s (errors.Is %v)", err, tt.want, tt.is)
				}
				if tt.as != nil && !errors.As(err, tt.as) {
					t.Errorf("errors.As(%v, %T) is false", err, tt.as)
				}
			})
		})
	}
}

func mustPostNext(t testing.TB, ctx context.Context, q orm.Select[jsPost], req paginate.Request) string {
	t.Helper()
	page, err := q.Paginate(ctx, req)
	if err != nil || page.Next == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	return page.Next
}

// ExampleSelect_Paginate_joinedOrder lists posts by their author's name, newest first
// among an author's posts; posts without an author come last (a LEFT JOIN: their
// Author.name is NULL, which sorts last in ascending order).
func ExampleSelect_Paginate_joinedOrder() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(joinSortSchema))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()
	if _, err := db.Exec(ctx, `INSERT INTO js_authors (name) VALUES ('bob'), ('ann');
		INSERT INTO js_posts (author_id, title, created_at) VALUES
			(1, 'b1', '2024-01-01'), (2, 'a1', '2024-01-01'), (2, 'a2', '2024-01-02'), (NULL, 'anon', '2024-01-03')`); err != nil {
		fmt.Println(err)
		return
	}

	codec := &paginate.Codec{Key: []byte("a key of at least 16 bytes")}
	q := orm.Query[jsPost](db).Join("Author").OrderBy("Author.name", "-created_at")
	req := paginate.Request{Limit: 2, Codec: codec}
	for {
		page, err := q.Paginate(ctx, req)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, p := range page.Items {
			author := "-"
			if p.Author != nil {
				author = p.Author.Name
			}
			fmt.Println(author, p.Title)
		}
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	// Output:
	// ann a2
	// ann a1
	// bob b1
	// - anon
}
