package orm_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// pagePost is the model of the page SQL-shape and EXPLAIN tests.
type pagePost struct {
	ID        int64
	CreatedAt time.Time
	Title     string
	Score     *int32 // nullable
	AuthorID  int32
}

func (pagePost) TableName() string { return "page_posts" }

const pagePostsDDL = `CREATE TABLE page_posts (
	id bigserial PRIMARY KEY,
	created_at timestamptz NOT NULL,
	title text NOT NULL,
	score int,
	author_id int NOT NULL
)`

const pagePostCols = `SELECT "page_posts"."id", "page_posts"."created_at", "page_posts"."title", "page_posts"."score", "page_posts"."author_id" FROM "page_posts"`

// mustToken encodes a cursor at values in o with the zero Codec.
func mustToken(t testing.TB, o paginate.Order, values ...any) string {
	t.Helper()
	tok, err := testCodec.Encode(o, values)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSelect_Paginate_sqlShapes pins the statement of a page for each shape of the
// keyset condition: row values, the expanded form with its leading bound, NULLs placed
// explicitly (leading and non-leading nullable keys), and the reversed comparison and
// ORDER BY of a page asked for with Before. LIMIT is always a bound parameter.
func TestSelect_Paginate_sqlShapes(t *testing.T) {
	t.Parallel()
	ts := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
	score := int32(7)
	tests := []struct {
		name      string
		keys      []string
		values    []any // position of the cursor, one per key of the final order
		before    bool
		wantWhere string
		wantArgs  []any // the condition's, LIMIT's follows
		wantOrder string
	}{
		{
			name:      "first page by primary key",
			wantOrder: `"page_posts"."id"`,
		},
		{
			name:      "after, one key",
			values:    []any{int64(5)},
			wantWhere: `"page_posts"."id" > $1`,
			wantArgs:  []any{int64(5)},
			wantOrder: `"page_posts"."id"`,
		},
		{
			name:      "after, directions agree ascending: row value",
			keys:      []string{"created_at"},
			values:    []any{ts, int64(5)},
			wantWhere: `("page_posts"."created_at", "page_posts"."id") > ($1, $2)`,
			wantArgs:  []any{ts, int64(5)},
			wantOrder: `"page_posts"."created_at", "page_posts"."id"`,
		},
		{
			name:      "after, directions agree descending: row value, tie-breaker descending",
			keys:      []string{"-created_at"},
			values:    []any{ts, int64(5)},
			wantWhere: `("page_posts"."created_at", "page_posts"."id") < ($1, $2)`,
			wantArgs:  []any{ts, int64(5)},
			wantOrder: `"page_posts"."created_at" DESC, "page_posts"."id" DESC`,
		},
		{
			name:      "before reverses comparison and order",
			keys:      []string{"created_at"},
			values:    []any{ts, int64(5)},
			before:    true,
			wantWhere: `("page_posts"."created_at", "page_posts"."id") < ($1, $2)`,
			wantArgs:  []any{ts, int64(5)},
			wantOrder: `"page_posts"."created_at" DESC, "page_posts"."id" DESC`,
		},
		{
			name:   "after, mixed directions: expanded with leading bound",
			keys:   []string{"-created_at", "title"},
			values: []any{ts, "x", int64(5)},
			wantWhere: `"page_posts"."created_at" <= $1 AND ("page_posts"."created_at" < $2 OR ("page_posts"."created_at" = $3 AND "page_posts"."title" > $4)` +
				` OR ("page_posts"."created_at" = $5 AND "page_posts"."title" = $6 AND "page_posts"."id" > $7))`,
			wantArgs:  []any{ts, ts, ts, "x", ts, "x", int64(5)},
			wantOrder: `"page_posts"."created_at" DESC, "page_posts"."title", "page_posts"."id"`,
		},
		{
			name:   "before, mixed directions",
			keys:   []string{"-created_at", "title"},
			values: []any{ts, "x", int64(5)},
			before: true,
			wantWhere: `"page_posts"."created_at" >= $1 AND ("page_posts"."created_at" > $2 OR ("page_posts"."created_at" = $3 AND "page_posts"."title" < $4)` +
				` OR ("page_posts"."created_at" = $5 AND "page_posts"."title" = $6 AND "page_posts"."id" < $7))`,
			wantArgs:  []any{ts, ts, ts, "x", ts, "x", int64(5)},
			wantOrder: `"page_posts"."created_at", "page_posts"."title" DESC, "page_posts"."id" DESC`,
		},
		{
			name:      "nullable ascending, cursor on NULL: only later NULLs",
			keys:      []string{"score"},
			values:    []any{nil, int64(5)},
			wantWhere: `(("page_posts"."score" IS NULL AND "page_posts"."id" > $1))`,
			wantArgs:  []any{int64(5)},
			wantOrder: `"page_posts"."score", "page_posts"."id"`,
		},
		{
			name:      "nullable descending, value set: NULLs came first, leading bound kept",
			keys:      []string{"-score"},
			values:    []any{&score, int64(5)},
			wantWhere: `"page_posts"."score" <= $1 AND ("page_posts"."score" < $2 OR ("page_posts"."score" = $3 AND "page_posts"."id" < $4))`,
			wantArgs:  []any{int64(7), int64(7), int64(7), int64(5)},
			wantOrder: `"page_posts"."score" DESC, "page_posts"."id" DESC`,
		},
		{
			name:      "nullable descending, cursor on NULL: later NULLs, then every value",
			keys:      []string{"-score"},
			values:    []any{nil, int64(5)},
			wantWhere: `("page_posts"."score" IS NOT NULL OR ("page_posts"."score" IS NULL AND "page_posts"."id" < $1))`,
			wantArgs:  []any{int64(5)},
			wantOrder: `"page_posts"."score" DESC, "page_posts"."id" DESC`,
		},
		{
			name:      "before, nullable ascending, cursor on NULL: every value, then earlier NULLs",
			keys:      []string{"score"},
			values:    []any{nil, int64(5)},
			before:    true,
			wantWhere: `("page_posts"."score" IS NOT NULL OR ("page_posts"."score" IS NULL AND "page_posts"."id" < $1))`,
			wantArgs:  []any{int64(5)},
			wantOrder: `"page_posts"."score" DESC, "page_posts"."id" DESC`,
		},
		{
			// Where a nullable key is not the first, its NULLs follow its values: the term
			// for it must let them through ("OR score IS NULL"), or they are skipped.
			name:   "nullable non-leading key, value set: its NULLs come after its values",
			keys:   []string{"created_at", "score"},
			values: []any{ts, &score, int64(5)},
			wantWhere: `"page_posts"."created_at" >= $1 AND ("page_posts"."created_at" > $2` +
				` OR ("page_posts"."created_at" = $3 AND ("page_posts"."score" > $4 OR "page_posts"."score" IS NULL))` +
				` OR ("page_posts"."created_at" = $5 AND "page_posts"."score" = $6 AND "page_posts"."id" > $7))`,
			wantArgs:  []any{ts, ts, ts, int64(7), ts, int64(7), int64(5)},
			wantOrder: `"page_posts"."created_at", "page_posts"."score", "page_posts"."id"`,
		},
		{
			name:   "nullable non-leading key, cursor on NULL: only later NULLs of it",
			keys:   []string{"created_at", "score"},
			values: []any{ts, nil, int64(5)},
			wantWhere: `"page_posts"."created_at" >= $1 AND ("page_posts"."created_at" > $2` +
				` OR ("page_posts"."created_at" = $3 AND "page_posts"."score" IS NULL AND "page_posts"."id" > $4))`,
			wantArgs:  []any{ts, ts, ts, int64(5)},
			wantOrder: `"page_posts"."created_at", "page_posts"."score", "page_posts"."id"`,
		},
		{
			name:      "primary key inside the order: no tie-breaker",
			keys:      []string{"id", "-title"},
			values:    []any{int64(5), "x"},
			wantWhere: `"page_posts"."id" >= $1 AND ("page_posts"."id" > $2 OR ("page_posts"."id" = $3 AND "page_posts"."title" < $4))`,
			wantArgs:  []any{int64(5), int64(5), int64(5), "x"},
			wantOrder: `"page_posts"."id", "page_posts"."title" DESC`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := mustOrderOf[pagePost](t, tt.keys...)
			req := paginate.Request{Codec: testCodec, Order: o}
			if tt.values != nil {
				if tt.before {
					req.Before = mustToken(t, o, tt.values...)
				} else {
					req.After = mustToken(t, o, tt.values...)
				}
			}
			sql, args, err := orm.PageSQL(orm.Query[pagePost](nil), req)
			if err != nil {
				t.Fatal(err)
			}
			want := pagePostCols
			if tt.wantWhere != "" {
				want += " WHERE " + tt.wantWhere
			}
			want += " ORDER BY " + tt.wantOrder + " LIMIT $" + strconv.Itoa(len(tt.wantArgs)+1)
			if sql != want {
				t.Errorf("SQL:\n got %s\nwant %s", sql, want)
			}
			wantArgs := append(append([]any{}, tt.wantArgs...), int64(paginate.DefaultLimit+1))
			if !reflect.DeepEqual(args, wantArgs) {
				t.Errorf("args: got %#v, want %#v", args, wantArgs)
			}
		})
	}
}

// TestSelect_Paginate_statement pins whole statements: the query's own condition
// ANDed with the keyset condition, and the UNION ALL of two index ranges where NULLs
// of the first key follow a non-NULL cursor value (one LIMIT parameter for all three
// LIMITs).
func TestSelect_Paginate_statement(t *testing.T) {
	t.Parallel()
	o := mustOrderOf[pagePost](t, "-created_at")
	ts := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	byScore := mustOrderOf[pagePost](t, "-score nulls last")
	score := int32(7)
	tests := map[string]struct {
		req      paginate.Request
		wantSQL  string
		wantArgs []any
	}{
		"first page, default limit": {
			req:      paginate.Request{Codec: testCodec, Order: o},
			wantSQL:  pagePostCols + ` WHERE "page_posts"."author_id" = $1 ORDER BY "page_posts"."created_at" DESC, "page_posts"."id" DESC LIMIT $2`,
			wantArgs: []any{3, int64(21)},
		},
		"after a cursor": {
			req: paginate.Request{Codec: testCodec, Order: o, Limit: 5, After: mustToken(t, o, ts, int64(9))},
			wantSQL: pagePostCols + ` WHERE ("page_posts"."author_id" = $1) AND (("page_posts"."created_at", "page_posts"."id") < ($2, $3))` +
				` ORDER BY "page_posts"."created_at" DESC, "page_posts"."id" DESC LIMIT $4`,
			wantArgs: []any{3, ts, int64(9), int64(6)},
		},
		"nullable key with NULLs after the cursor: one SELECT per index range": {
			req: paginate.Request{Codec: testCodec, Order: byScore, Limit: 5, After: mustToken(t, byScore, int32(40), int64(9))},
			wantSQL: `(` + pagePostCols +
				` WHERE ("page_posts"."author_id" = $1) AND ("page_posts"."score" <= $2 AND ("page_posts"."score" < $3 OR ("page_posts"."score" = $4 AND "page_posts"."id" < $5)))` +
				` ORDER BY "page_posts"."score" DESC NULLS LAST, "page_posts"."id" DESC LIMIT $6)` +
				` UNION ALL (` + pagePostCols + ` WHERE ("page_posts"."author_id" = $7) AND ("page_posts"."score" IS NULL)` +
				` ORDER BY "page_posts"."score" DESC NULLS LAST, "page_posts"."id" DESC LIMIT $6)` +
				` ORDER BY 4 DESC NULLS LAST, 1 DESC LIMIT $6`,
			wantArgs: []any{3, int64(40), int64(40), int64(40), int64(9), int64(6), 3},
		},
		"nullable ascending, value set, backward: NULLs before the cursor are the second range": {
			req: paginate.Request{Codec: testCodec, Order: mustOrderOf[pagePost](t, "-score"), Limit: 5, Before: mustToken(t, mustOrderOf[pagePost](t, "-score"), &score, int64(9))},
			wantSQL: `(` + pagePostCols +
				` WHERE ("page_posts"."author_id" = $1) AND ("page_posts"."score" >= $2 AND ("page_posts"."score" > $3 OR ("page_posts"."score" = $4 AND "page_posts"."id" > $5)))` +
				` ORDER BY "page_posts"."score", "page_posts"."id" LIMIT $6)` +
				` UNION ALL (` + pagePostCols + ` WHERE ("page_posts"."author_id" = $7) AND ("page_posts"."score" IS NULL)` +
				` ORDER BY "page_posts"."score", "page_posts"."id" LIMIT $6)` +
				` ORDER BY 4, 1 LIMIT $6`,
			wantArgs: []any{3, int64(7), int64(7), int64(7), int64(9), int64(6), 3},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sql, args, err := orm.PageSQL(orm.Query[pagePost](nil).Where(orm.Eq{"author_id": 3}), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if sql != tt.wantSQL {
				t.Errorf("SQL:\n got %s\nwant %s", sql, tt.wantSQL)
			}
			if !reflect.DeepEqual(args, tt.wantArgs) {
				t.Errorf("args: got %#v, want %#v", args, tt.wantArgs)
			}
		})
	}
}

// TestSelect_Paginate_badRequests refuses bad requests before any SQL is built: no
// database is needed to see them.
func TestSelect_Paginate_badRequests(t *testing.T) {
	t.Parallel()
	o := mustOrderOf[pagePost](t)
	tok := mustToken(t, o, int64(1))
	tests := map[string]struct {
		req  paginate.Request
		is   error
		want string
	}{
		"another model": {req: paginate.Request{Codec: testCodec, Order: mustOrderOf[pageArticle](t)}, is: paginate.ErrInvalidSort,
			want: "orm: Paginate: sort on model orm_test.pagePost: order was made for model orm_test.pageArticle"},
		"negative limit": {req: paginate.Request{Codec: testCodec, Order: o, Limit: -1}, want: "orm: Paginate: negative Limit -1"},
		"both cursors": {req: paginate.Request{Codec: testCodec, Order: o, After: tok, Before: tok}, is: paginate.ErrInvalidCursor,
			want: "orm: Paginate: invalid cursor: both After and Before are set"},
		"short key":      {req: paginate.Request{Order: o, After: tok, Codec: &paginate.Codec{Key: []byte("short")}}, want: "orm: Paginate: Codec.Key is 5 bytes, want at least 16"},
		"garbage cursor": {req: paginate.Request{Codec: testCodec, Order: o, After: "%%%"}, is: paginate.ErrInvalidCursor, want: "orm: Paginate: invalid cursor: not base64url: character '%' at 0"},
		"huge limit":     {req: paginate.Request{Codec: testCodec, Order: o, Limit: 1 << 31}, want: "orm: Paginate: Limit 2147483648 exceeds 1073741824"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := orm.Query[pagePost](nil).Paginate(context.Background(), tt.req)
			if err == nil || err.Error() != tt.want || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("got %v, want %s (errors.Is %v)", err, tt.want, tt.is)
			}
		})
	}
	// The typed errors are paginate's, with their fields.
	_, err := orm.Query[pagePost](nil).Paginate(context.Background(), paginate.Request{Codec: testCodec, After: "%%%"})
	var ce *paginate.CursorError
	if !errors.As(err, &ce) || ce.Reason != "not base64url: character '%' at 0" {
		t.Fatalf("errors.As(%v, *paginate.CursorError): %+v", err, ce)
	}
	_, err = orm.Query[pagePost](nil).OrderBy("nope").Paginate(context.Background(), paginate.Request{Codec: testCodec})
	var se *paginate.SortError
	var col *orm.ColumnError
	if !errors.As(err, &se) || se.Field != "nope" || !errors.As(err, &col) {
		t.Fatalf("errors.As(%v, *paginate.SortError / *orm.ColumnError): %+v", err, se)
	}
}

// TestSelect_Paginate_sameStatementText: pages that differ in size or position send one
// statement text (LIMIT and OFFSET are bound parameters), so pgx prepares it once per
// connection; checked on what reaches the server.
func TestSelect_Paginate_sameStatementText(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db, _ := mustPageDB(t, ctx, 30)
	q := orm.Query[pageArticle](db).OrderBy("-created_at")
	sent := func(fn func(ctx context.Context) error) string {
		t.Helper()
		var err error
		log := ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { err = fn(ctx) })
		if err != nil {
			t.Fatal(err)
		}
		return log.SQL()[0]
	}
	keyset := func(req paginate.Request) func(ctx context.Context) error {
		return func(ctx context.Context) error { _, err := q.Paginate(ctx, req); return err }
	}
	offset := func(req paginate.OffsetRequest) func(ctx context.Context) error {
		return func(ctx context.Context) error { _, err := q.PaginateOffset(ctx, req); return err }
	}
	first, err := q.Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string][2]func(ctx context.Context) error{
		"first pages of 3 and 17 rows": {keyset(paginate.Request{Codec: testCodec, Limit: 3}), keyset(paginate.Request{Codec: testCodec, Limit: 17})},
		"later pages of 3 and 17 rows": {keyset(paginate.Request{Codec: testCodec, Limit: 3, After: first.Next}), keyset(paginate.Request{Codec: testCodec, Limit: 17, After: first.Next})},
		"offset pages 1 and 3":         {offset(paginate.OffsetRequest{Page: 1, Size: 5}), offset(paginate.OffsetRequest{Page: 3, Size: 7})},
	}
	for name, p := range pairs {
		if a, b := sent(p[0]), sent(p[1]); a != b {
			t.Errorf("%s: two statement texts:\n%s\n%s", name, a, b)
		}
	}
}

// TestSelect_PaginateOffset_sql pins an offset page's statement: ORDER BY the order,
// LIMIT and OFFSET bound (OFFSET 0 is sent too, so page 1 shares page 2's text).
func TestSelect_PaginateOffset_sql(t *testing.T) {
	t.Parallel()
	sql, args, err := orm.OffsetPageSQL(orm.Query[pagePost](nil).OrderBy("-score nulls last"), paginate.OffsetRequest{Page: 3, Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := pagePostCols + ` ORDER BY "page_posts"."score" DESC NULLS LAST, "page_posts"."id" DESC LIMIT $1 OFFSET $2`
	if sql != want || !reflect.DeepEqual(args, []any{int64(11), int64(20)}) {
		t.Fatalf("got %s %v\nwant %s [11 20]", sql, args, want)
	}
}
