package paginate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

var signing = &paginate.Codec{Key: []byte("test key: 32 bytes of randomness")}

// walkOrders cover ties (a, e), NULLs in both directions (b, d, e) and at either end
// (NULLS FIRST/LAST), mixed directions, microsecond timestamps (c), numerics (d) and
// Unicode text (b).
var walkOrders = [][]string{
	{}, {"a"}, {"-a"}, {"a", "-b"}, {"-b", "a"}, {"b"}, {"-b"}, {"c", "-a"}, {"-c"},
	{"-d", "b"}, {"d"}, {"e", "-c"}, {"-e", "b", "a"}, {"b", "-d", "-e"},
	{"b nulls first"}, {"-b nulls last"}, {"d NULLS FIRST", "-e nulls last"},
	{"-e NULLS LAST", "b nulls first", "a"}, {"a nulls first", "-d"}, {"-b nulls first", "e nulls last"},
}

// TestSelect_Paginate_walk walks every order forward and then backward with small pages,
// comparing with the same order computed in Go: every row exactly once, one statement
// per page.
func TestSelect_Paginate_walk(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, items := mustItems(t, ctx, 150)
	for _, keys := range walkOrders {
		t.Run(strings.Join(keys, ","), func(t *testing.T) {
			t.Parallel()
			o := mustOrder[Item](t, keys...)
			want := goSort(items, keys...)
			pages := walkForward(t, ctx, orm.Query[Item](db).Paginate, o, 7)
			got := concatIDs(pages)
			if !slices.Equal(got, want) {
				t.Fatalf("forward walk:\n got %v\nwant %v", got, want)
			}
			back := walkBackward(t, ctx, orm.Query[Item](db).Paginate, o, 7, pages[len(pages)-1])
			got = append(concatIDs(back), ids(pages[len(pages)-1].Items, itemID)...)
			if !slices.Equal(got, want) {
				t.Fatalf("backward walk:\n got %v\nwant %v", got, want)
			}
		})
	}
}

// TestSelect_Paginate_walk_withCondition pages through a filtered table.
func TestSelect_Paginate_walk_withCondition(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, items := mustItems(t, ctx, 60)
	var kept []Item
	for _, it := range items {
		if it.A != 2 && (it.A != 1 || it.ID < 30) {
			kept = append(kept, it)
		}
	}
	o := mustOrder[Item](t, "-b", "c")
	// The OR must stay inside its condition: the keyset condition is ANDed to all of it.
	q := orm.Query[Item](db).Where(orm.NotEq{"a": 2}).Where(sqExpr(`a <> ? OR id < ?`, 1, 30))
	pages := walkForward(t, ctx, q.Paginate, o, 4)
	if got, want := concatIDs(pages), goSort(kept, "-b", "c"); !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestSelect_Paginate_count pages a filtered table asking for the total on every page: the
// COUNT ignores the cursor and shares the page's round trip.
func TestSelect_Paginate_count(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, items := mustItems(t, ctx, 40)
	n := 0
	for _, it := range items {
		if it.A != 2 {
			n++
		}
	}
	req := paginate.Request{Order: mustOrder[Item](t, "-b", "c"), Limit: 6, Count: true, Codec: signing}
	seen := 0
	for range 100 {
		var page paginate.Page[Item]
		var err error
		ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 1}, func(ctx context.Context) {
			page, err = orm.Query[Item](db).Where(sqExpr(`"items"."a" <> ?`, 2)).Paginate(ctx, req)
		})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(n) {
			t.Fatalf("Total %d, want %d", page.Total, n)
		}
		seen += len(page.Items)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	if seen != n {
		t.Fatalf("walked %d rows of %d", seen, n)
	}
}

type pageFunc func(ctx context.Context, req paginate.Request) (paginate.Page[Item], error)

// walkForward follows Next from the first page to the last, checking each page's
// flags and that each costs one statement.
func walkForward(t *testing.T, ctx context.Context, fetch pageFunc, o paginate.Order, limit int) []paginate.Page[Item] {
	t.Helper()
	req := paginate.Request{Order: o, Limit: limit, Codec: signing}
	var pages []paginate.Page[Item]
	for len(pages) < 1000 {
		page := mustPage(t, ctx, fetch, req)
		if page.HasPrev != (len(pages) > 0) || (page.HasPrev && page.Prev == "") {
			t.Fatalf("page %d: HasPrev %v, Prev %q", len(pages), page.HasPrev, page.Prev)
		}
		if len(page.Items) > limit || (page.HasNext && len(page.Items) != limit) {
			t.Fatalf("page %d: %d items for limit %d (HasNext %v)", len(pages), len(page.Items), limit, page.HasNext)
		}
		pages = append(pages, page)
		if !page.HasNext {
			if page.Next != "" {
				t.Fatalf("last page has Next %q", page.Next)
			}
			return pages
		}
		req.After = page.Next
	}
	t.Fatal("walk does not end")
	return nil
}

// walkBackward follows Prev from last to the first page; it returns the pages in
// order.
func walkBackward(t *testing.T, ctx context.Context, fetch pageFunc, o paginate.Order, limit int, last paginate.Page[Item]) []paginate.Page[Item] {
	t.Helper()
	var pages []paginate.Page[Item]
	page := last
	for page.HasPrev {
		page = mustPage(t, ctx, fetch, paginate.Request{Order: o, Limit: limit, Codec: signing, Before: page.Prev})
		if !page.HasNext || page.Next == "" {
			t.Fatalf("backward page has HasNext %v, Next %q", page.HasNext, page.Next)
		}
		if page.HasPrev && len(page.Items) != limit {
			t.Fatalf("backward page has %d items for limit %d", len(page.Items), limit)
		}
		pages = append(pages, page)
	}
	slices.Reverse(pages)
	return pages
}

func mustPage(t *testing.T, ctx context.Context, fetch pageFunc, req paginate.Request) paginate.Page[Item] {
	t.Helper()
	var page paginate.Page[Item]
	var err error
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		page, err = fetch(ctx, req)
	})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != -1 {
		t.Fatalf("Total %d without Count", page.Total)
	}
	return page
}

func concatIDs(pages []paginate.Page[Item]) []int64 {
	var out []int64
	for _, p := range pages {
		out = append(out, ids(p.Items, itemID)...)
	}
	return out
}

// TestSelect_Paginate_emptyTable returns an empty first page without cursors.
func TestSelect_Paginate_emptyTable(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := ormtest.New(t, ormtest.Schema(itemsDDL))
	var page paginate.Page[Item]
	var err error
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		page, err = orm.Query[Item](db).Paginate(ctx, paginate.Request{Codec: testCodec})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 || page.HasNext || page.HasPrev || page.Next != "" || page.Prev != "" {
		t.Fatalf("got %+v, want an empty page", page)
	}
}

// TestSelect_Paginate_badCursor_noStatement refuses a bad cursor before any SQL is sent.
func TestSelect_Paginate_badCursor_noStatement(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := ormtest.New(t, ormtest.Schema(itemsDDL))
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		_, err := orm.Query[Item](db).Paginate(ctx, paginate.Request{After: "bm9wZQ", Codec: signing})
		if !isInvalidCursor(err) {
			t.Errorf("got %v, want ErrInvalidCursor", err)
		}
	})
}

// TestSelect_PaginateOffset_pages compares offset pages with the Go order, with and without COUNT.
func TestSelect_PaginateOffset_pages(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, items := mustItems(t, ctx, 45)
	want := goSort(items, "-b", "a")
	o := mustOrder[Item](t, "-b", "a")
	tests := map[string]struct {
		req        paginate.OffsetRequest
		statements int
		from, to   int
		hasNext    bool
		total      int64
	}{
		"first page":             {req: paginate.OffsetRequest{Order: o, Size: 10}, statements: 1, from: 0, to: 10, hasNext: true, total: -1},
		"middle page with count": {req: paginate.OffsetRequest{Order: o, Page: 3, Size: 10, Count: true}, statements: 2, from: 20, to: 30, hasNext: true, total: 45},
		"last page":              {req: paginate.OffsetRequest{Order: o, Page: 5, Size: 10}, statements: 1, from: 40, to: 45, total: -1},
		"past the end":           {req: paginate.OffsetRequest{Order: o, Page: 9, Size: 10}, statements: 1, from: 45, to: 45, total: -1},
		"exact fit":              {req: paginate.OffsetRequest{Order: o, Page: 3, Size: 15}, statements: 1, from: 30, to: 45, total: -1},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var page paginate.OffsetPage[Item]
			var err error
			ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: tt.statements, RoundTrips: 1}, func(ctx context.Context) {
				page, err = orm.Query[Item](db).PaginateOffset(ctx, tt.req)
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page.Items, itemID); !slices.Equal(got, want[tt.from:tt.to]) {
				t.Errorf("items: got %v, want %v", got, want[tt.from:tt.to])
			}
			if page.HasNext != tt.hasNext || page.HasPrev != (tt.req.Page > 1) || page.Total != tt.total {
				t.Errorf("got HasNext %v HasPrev %v Total %d", page.HasNext, page.HasPrev, page.Total)
			}
		})
	}
}

// TestSelect_PaginateOffset_badRequests refuses bad offset requests before anything
// is sent: these need no database.
func TestSelect_PaginateOffset_badRequests(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	o := mustOrder[Item](t)
	tests := map[string]struct {
		req  paginate.OffsetRequest
		is   error
		want string
	}{
		"another model": {req: paginate.OffsetRequest{Order: mustOrder[Post](t)}, is: paginate.ErrInvalidSort,
			want: "orm: PaginateOffset: sort on model paginate_test.Item: order was made for model paginate_test.Post"},
		"negative page": {req: paginate.OffsetRequest{Order: o, Page: -2}, want: "orm: PaginateOffset: negative Page -2"},
		"negative size": {req: paginate.OffsetRequest{Order: o, Size: -1}, want: "orm: PaginateOffset: negative Size -1"},
		"overflow":      {req: paginate.OffsetRequest{Order: o, Page: 1 << 62, Size: 1000}, want: "orm: PaginateOffset: Page 4611686018427387904 is out of range"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := orm.Query[Item](nil).PaginateOffset(ctx, tt.req)
			if err == nil || err.Error() != tt.want || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

// TestSelect_Batches_concurrentInserts walks a table while rows are inserted behind and ahead
// of the walk: every row present at the start is seen exactly once, no row twice, one
// statement per batch.
func TestSelect_Batches_concurrentInserts(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, items := mustItems(t, ctx, 95)
	seen := map[int64]int{}
	batches := 0
	log := ormtest.Record(ctx, func(ctx context.Context) {
		for batch, err := range orm.Query[Item](db).OrderBy("a").Batches(ctx, 10) {
			if err != nil {
				t.Fatal(err)
			}
			batches++
			for _, it := range batch {
				seen[it.ID]++
			}
			// One row behind the walk (a = -1), one ahead of it (a = 99), by another connection.
			mustExec(t, context.Background(), db, `INSERT INTO items (a, c) VALUES (-1, now()), (99, now())`)
		}
	})
	for _, it := range items {
		if seen[it.ID] != 1 {
			t.Errorf("row %d seen %d times", it.ID, seen[it.ID])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %d seen %d times", id, n)
		}
	}
	if got := log.Statements(); got != batches {
		t.Errorf("%d statements for %d batches: %s", got, batches, log)
	}
	if len(seen) <= len(items) {
		t.Errorf("saw %d rows: the rows inserted ahead of the walk were not reached", len(seen))
	}
}

// TestSelect_Batches_breakAndErrors stops when the loop breaks and reports a bad size or
// order once, before anything is sent.
func TestSelect_Batches_breakAndErrors(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, _ := mustItems(t, ctx, 30)
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		for batch, err := range orm.Query[Item](db).Batches(ctx, 10) {
			if err != nil || len(batch) != 10 {
				t.Fatalf("got %d items, %v", len(batch), err)
			}
			break
		}
	})
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		for _, err := range orm.Query[Item](db).Batches(ctx, 0) {
			if err == nil || err.Error() != "orm: Batches: batch size 0 must be positive" {
				t.Fatalf("got %v", err)
			}
		}
		var errs int
		for _, err := range orm.Query[Item](db).OrderBy("nope").Batches(ctx, 5) {
			if !isInvalidSort(err) {
				t.Fatalf("got %v, want ErrInvalidSort", err)
			}
			errs++
		}
		if errs != 1 {
			t.Fatalf("got %d errors, want 1", errs)
		}
	})
}

// Doc has sort keys of the remaining kinds: a uuid primary key, a timestamp without
// time zone, nullable bytes and a float.
type Doc struct {
	ID  pgtype.UUID
	At  time.Time
	Raw []byte
	F   float64
}

// TestSelect_Paginate_walk_typedKeys walks orders on uuid, timestamp, bytea and float keys and
// compares with PostgreSQL's own ORDER BY: cursors carry these values exactly.
func TestSelect_Paginate_walk_typedKeys(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := ormtest.New(t, ormtest.Schema(`CREATE TABLE docs (
		id uuid PRIMARY KEY, at timestamp NOT NULL, raw bytea, f float8 NOT NULL)`))
	mustExec(t, ctx, db, `INSERT INTO docs (id, at, raw, f)
		SELECT gen_random_uuid(), timestamp '2024-01-01 23:59:59.999998' + (i % 5) * interval '1 microsecond',
			CASE WHEN i % 3 = 0 THEN NULL ELSE decode(lpad(to_hex(i % 7), 2, '0'), 'hex') END, (i % 4) * 0.1
		FROM generate_series(1, 40) AS i`)
	tests := map[string]struct {
		keys []string
		sql  string
	}{
		"uuid primary key":   {sql: "id"},
		"timestamp":          {keys: []string{"at"}, sql: "at, id"},
		"bytes desc, float":  {keys: []string{"-raw", "f"}, sql: "raw DESC, f, id"},
		"float, timestamp":   {keys: []string{"f", "-at"}, sql: "f, at DESC, id DESC"},
		"bytes, float, desc": {keys: []string{"raw", "-f"}, sql: "raw, f DESC, id DESC"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var want [][16]byte
			rows, err := db.Query(ctx, "SELECT id FROM docs ORDER BY "+tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id [16]byte
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				want = append(want, id)
			}
			rows.Close()
			o := mustOrder[Doc](t, tt.keys...)
			var got [][16]byte
			req := paginate.Request{Codec: testCodec, Order: o, Limit: 3}
			for range 100 {
				page, err := orm.Query[Doc](db).Paginate(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range page.Items {
					got = append(got, d.ID.Bytes)
				}
				if !page.HasNext {
					break
				}
				req.After = page.Next
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %d rows in another order than PostgreSQL's %d", len(got), len(want))
			}
		})
	}
}

// TestSelect_Paginate_emptyPageStepsBack: a page past the last row (its rows deleted since the
// cursor was made) is empty but hands back its own position, included, so the client
// can step back to the page that ended there; the same backward.
func TestSelect_Paginate_emptyPageStepsBack(t *testing.T) {
	t.Parallel()
	for _, keys := range [][]string{{"c"}, {"-b", "a"}, {"b nulls first", "-d"}} {
		t.Run(strings.Join(keys, ","), func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			db, items := mustItems(t, ctx, 30)
			o := mustOrder[Item](t, keys...)
			want := goSort(items, keys...)
			fetch := orm.Query[Item](db).Paginate
			pages := walkForward(t, ctx, fetch, o, 7)

			// Forward: delete everything after page 1, then ask for the page after it.
			mustExec(t, ctx, db, `DELETE FROM items WHERE id = ANY($1)`, want[14:])
			empty := mustPage(t, ctx, fetch, paginate.Request{Order: o, Limit: 7, Codec: signing, After: pages[1].Next})
			if len(empty.Items) != 0 || empty.HasNext || !empty.HasPrev || empty.Prev == "" || empty.Next != "" {
				t.Fatalf("empty page after the end: %+v", empty)
			}
			back := mustPage(t, ctx, fetch, paginate.Request{Order: o, Limit: 7, Codec: signing, Before: empty.Prev})
			if got := ids(back.Items, itemID); !slices.Equal(got, want[7:14]) || !back.HasPrev || back.Prev == "" {
				t.Fatalf("step back: got %v (prev %v), want %v", got, back.HasPrev, want[7:14])
			}

			// Backward: delete page 0, then ask for the page before page 1.
			mustExec(t, ctx, db, `DELETE FROM items WHERE id = ANY($1)`, want[:7])
			empty = mustPage(t, ctx, fetch, paginate.Request{Order: o, Limit: 7, Codec: signing, Before: pages[1].Prev})
			if len(empty.Items) != 0 || empty.HasPrev || !empty.HasNext || empty.Next == "" || empty.Prev != "" {
				t.Fatalf("empty page before the start: %+v", empty)
			}
			fwd := mustPage(t, ctx, fetch, paginate.Request{Order: o, Limit: 7, Codec: signing, After: empty.Next})
			if got := ids(fwd.Items, itemID); !slices.Equal(got, want[7:14]) || fwd.HasNext {
				t.Fatalf("step forward: got %v (next %v), want %v", got, fwd.HasNext, want[7:14])
			}
		})
	}
}

// CursorFor makes the cursor of a row in hand: the page after it and the page before it
// are the rows that follow and precede it in the order, NULL keys included.
func TestCursorFor(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, items := mustItems(t, ctx, 40)
	byID := map[int64]Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	fetch := orm.Query[Item](db).Paginate
	for _, keys := range [][]string{{}, {"-b", "a"}, {"d nulls first", "-e"}, {"c"}} {
		o := mustOrder[Item](t, keys...)
		want := goSort(items, keys...)
		for _, at := range []int{0, 17, 39} {
			row := byID[want[at]]
			tok, err := paginate.CursorFor(signing, o, &row)
			if err != nil {
				t.Fatal(err)
			}
			after := mustPage(t, ctx, fetch, paginate.Request{Order: o, Limit: 5, Codec: signing, After: tok})
			if got := ids(after.Items, itemID); !slices.Equal(got, want[at+1:min(at+6, len(want))]) {
				t.Fatalf("%v after row %d: got %v, want %v", keys, at, got, want[at+1:min(at+6, len(want))])
			}
			before := mustPage(t, ctx, fetch, paginate.Request{Order: o, Limit: 5, Codec: signing, Before: tok})
			if got := ids(before.Items, itemID); !slices.Equal(got, want[max(at-5, 0):at]) {
				t.Fatalf("%v before row %d: got %v, want %v", keys, at, got, want[max(at-5, 0):at])
			}
		}
	}
	if _, err := paginate.CursorFor(signing, mustOrder[Post](t), &items[0]); !errors.Is(err, paginate.ErrInvalidSort) {
		t.Fatalf("order of another model: %v", err)
	}
	if _, err := paginate.CursorFor[Item](signing, paginate.Order{}, nil); err == nil {
		t.Fatal("nil row: no error")
	}
}
