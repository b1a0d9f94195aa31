package paginate_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/paginate"
)

func TestPlan_WhereOrderBy_shapes(t *testing.T) {
	t.Parallel()
	ts := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
	score := int32(7)
	tests := []struct {
		name      string
		keys      []string
		values    []any // position of the cursor, one per key of the final order
		before    bool
		wantWhere string
		wantArgs  []any
		wantOrder []string
	}{
		{
			name:      "first page by primary key",
			wantOrder: []string{`"posts"."id"`},
		},
		{
			name:      "after, one key",
			values:    []any{int64(5)},
			wantWhere: `"posts"."id" > ?`,
			wantArgs:  []any{int64(5)},
			wantOrder: []string{`"posts"."id"`},
		},
		{
			name:      "after, directions agree ascending: row value",
			keys:      []string{"created_at"},
			values:    []any{ts, int64(5)},
			wantWhere: `("posts"."created_at", "posts"."id") > (?, ?)`,
			wantArgs:  []any{ts, int64(5)},
			wantOrder: []string{`"posts"."created_at"`, `"posts"."id"`},
		},
		{
			name:      "after, directions agree descending: row value, tie-breaker descending",
			keys:      []string{"-created_at"},
			values:    []any{ts, int64(5)},
			wantWhere: `("posts"."created_at", "posts"."id") < (?, ?)`,
			wantArgs:  []any{ts, int64(5)},
			wantOrder: []string{`"posts"."created_at" DESC`, `"posts"."id" DESC`},
		},
		{
			name:      "before reverses comparison and order",
			keys:      []string{"created_at"},
			values:    []any{ts, int64(5)},
			before:    true,
			wantWhere: `("posts"."created_at", "posts"."id") < (?, ?)`,
			wantArgs:  []any{ts, int64(5)},
			wantOrder: []string{`"posts"."created_at" DESC`, `"posts"."id" DESC`},
		},
		{
			name:   "after, mixed directions: expanded with leading bound",
			keys:   []string{"-created_at", "title"},
			values: []any{ts, "x", int64(5)},
			wantWhere: `"posts"."created_at" <= ? AND ("posts"."created_at" < ? OR ("posts"."created_at" = ? AND "posts"."title" > ?)` +
				` OR ("posts"."created_at" = ? AND "posts"."title" = ? AND "posts"."id" > ?))`,
			wantArgs:  []any{ts, ts, ts, "x", ts, "x", int64(5)},
			wantOrder: []string{`"posts"."created_at" DESC`, `"posts"."title"`, `"posts"."id"`},
		},
		{
			name:   "before, mixed directions",
			keys:   []string{"-created_at", "title"},
			values: []any{ts, "x", int64(5)},
			before: true,
			wantWhere: `"posts"."created_at" >= ? AND ("posts"."created_at" > ? OR ("posts"."created_at" = ? AND "posts"."title" < ?)` +
				` OR ("posts"."created_at" = ? AND "posts"."title" = ? AND "posts"."id" < ?))`,
			wantArgs:  []any{ts, ts, ts, "x", ts, "x", int64(5)},
			wantOrder: []string{`"posts"."created_at"`, `"posts"."title" DESC`, `"posts"."id" DESC`},
		},
		{
			name:   "nullable ascending, value set: NULLs come after",
			keys:   []string{"score"},
			values: []any{&score, int64(5)},
			// Two branches, each an index range: the non-NULL scores from 7 on, and the NULLs.
			wantWhere: `("posts"."score" >= ? AND ("posts"."score" > ? OR ("posts"."score" = ? AND "posts"."id" > ?))) OR ("posts"."score" IS NULL)`,
			wantArgs:  []any{int64(7), int64(7), int64(7), int64(5)},
			wantOrder: []string{`"posts"."score"`, `"posts"."id"`},
		},
		{
			name:      "nullable ascending, cursor on NULL: only later NULLs",
			keys:      []string{"score"},
			values:    []any{nil, int64(5)},
			wantWhere: `(("posts"."score" IS NULL AND "posts"."id" > ?))`,
			wantArgs:  []any{int64(5)},
			wantOrder: []string{`"posts"."score"`, `"posts"."id"`},
		},
		{
			name:      "nullable descending, value set: NULLs came first, leading bound kept",
			keys:      []string{"-score"},
			values:    []any{&score, int64(5)},
			wantWhere: `"posts"."score" <= ? AND ("posts"."score" < ? OR ("posts"."score" = ? AND "posts"."id" < ?))`,
			wantArgs:  []any{int64(7), int64(7), int64(7), int64(5)},
			wantOrder: []string{`"posts"."score" DESC`, `"posts"."id" DESC`},
		},
		{
			name:      "nullable descending, cursor on NULL: later NULLs, then every value",
			keys:      []string{"-score"},
			values:    []any{nil, int64(5)},
			wantWhere: `("posts"."score" IS NOT NULL OR ("posts"."score" IS NULL AND "posts"."id" < ?))`,
			wantArgs:  []any{int64(5)},
			wantOrder: []string{`"posts"."score" DESC`, `"posts"."id" DESC`},
		},
		{
			name:      "before, nullable ascending, cursor on NULL: every value, then earlier NULLs",
			keys:      []string{"score"},
			values:    []any{nil, int64(5)},
			before:    true,
			wantWhere: `("posts"."score" IS NOT NULL OR ("posts"."score" IS NULL AND "posts"."id" < ?))`,
			wantArgs:  []any{int64(5)},
			wantOrder: []string{`"posts"."score" DESC`, `"posts"."id" DESC`},
		},
		{
			name:      "primary key inside the order: no tie-breaker",
			keys:      []string{"id", "-title"},
			values:    []any{int64(5), "x"},
			wantWhere: `"posts"."id" >= ? AND ("posts"."id" > ? OR ("posts"."id" = ? AND "posts"."title" < ?))`,
			wantArgs:  []any{int64(5), int64(5), int64(5), "x"},
			wantOrder: []string{`"posts"."id"`, `"posts"."title" DESC`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := mustOrder[Post](t, tt.keys...)
			req := paginate.Request{Order: o}
			if tt.values != nil {
				tok, err := (&paginate.Codec{}).Encode(o, tt.values)
				if err != nil {
					t.Fatal(err)
				}
				if tt.before {
					req.Before = tok
				} else {
					req.After = tok
				}
			}
			p, err := paginate.NewPlan[Post](req)
			if err != nil {
				t.Fatal(err)
			}
			where, args := p.Where("posts")
			if where != tt.wantWhere {
				t.Errorf("Where:\n got %s\nwant %s", where, tt.wantWhere)
			}
			if !reflect.DeepEqual(args, tt.wantArgs) {
				t.Errorf("args: got %#v, want %#v", args, tt.wantArgs)
			}
			if got := p.OrderBy("posts"); !reflect.DeepEqual(got, tt.wantOrder) {
				t.Errorf("OrderBy: got %q, want %q", got, tt.wantOrder)
			}
			if strings.Count(where, "?") != len(args) {
				t.Errorf("%d placeholders for %d args", strings.Count(where, "?"), len(args))
			}
			if p.Limit() != paginate.DefaultLimit+1 {
				t.Errorf("Limit: got %d, want %d", p.Limit(), paginate.DefaultLimit+1)
			}
		})
	}
}

func TestKeysetSQL_statement(t *testing.T) {
	t.Parallel()
	o := mustOrder[Post](t, "-created_at")
	ts := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	tok, err := (*paginate.Codec)(nil).Encode(o, []any{ts, int64(9)})
	if err != nil {
		t.Fatal(err)
	}
	byScore := mustOrder[Post](t, "-score nulls last")
	scoreTok, err := (*paginate.Codec)(nil).Encode(byScore, []any{int32(40), int64(9)})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		req      paginate.Request
		wantSQL  string
		wantArgs []any
	}{
		"first page, default limit": {
			req: paginate.Request{Order: o},
			wantSQL: `SELECT "posts"."id", "posts"."created_at", "posts"."title", "posts"."score", "posts"."author_id" FROM "posts"` +
				` WHERE "posts"."author_id" = $1 ORDER BY "posts"."created_at" DESC, "posts"."id" DESC LIMIT 21`,
			wantArgs: []any{3},
		},
		"after a cursor": {
			req: paginate.Request{Order: o, Limit: 5, After: tok},
			wantSQL: `SELECT "posts"."id", "posts"."created_at", "posts"."title", "posts"."score", "posts"."author_id" FROM "posts"` +
				` WHERE ("posts"."author_id" = $1) AND (("posts"."created_at", "posts"."id") < ($2, $3))` +
				` ORDER BY "posts"."created_at" DESC, "posts"."id" DESC LIMIT 6`,
			wantArgs: []any{3, ts, int64(9)},
		},
		"nullable key with NULLs after the cursor: one SELECT per index range": {
			req: paginate.Request{Order: byScore, Limit: 5, After: scoreTok},
			wantSQL: `(SELECT "posts"."id", "posts"."created_at", "posts"."title", "posts"."score", "posts"."author_id" FROM "posts"` +
				` WHERE ("posts"."author_id" = $1) AND ("posts"."score" <= $2 AND ("posts"."score" < $3 OR ("posts"."score" = $4 AND "posts"."id" < $5)))` +
				` ORDER BY "posts"."score" DESC NULLS LAST, "posts"."id" DESC LIMIT 6)` +
				` UNION ALL (SELECT "posts"."id", "posts"."created_at", "posts"."title", "posts"."score", "posts"."author_id" FROM "posts"` +
				` WHERE ("posts"."author_id" = $6) AND ("posts"."score" IS NULL)` +
				` ORDER BY "posts"."score" DESC NULLS LAST, "posts"."id" DESC LIMIT 6)` +
				` ORDER BY 4 DESC NULLS LAST, 1 DESC LIMIT 6`,
			wantArgs: []any{3, int64(40), int64(40), int64(40), int64(9), 3},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sql, args, err := paginate.KeysetSQL[Post](tt.req, sqExpr(`"posts"."author_id" = ?`, 3))
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

func TestNewPlan_badRequests(t *testing.T) {
	t.Parallel()
	o := mustOrder[Post](t)
	tok, err := (&paginate.Codec{}).Encode(o, []any{int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		req  paginate.Request
		want string
	}{
		"another model":  {req: paginate.Request{Order: mustOrder[Article](t)}, want: "paginate: sort on model paginate_test.Post: order was made for model paginate_test.Article"},
		"negative limit": {req: paginate.Request{Order: o, Limit: -1}, want: "paginate: negative Limit -1"},
		"both cursors":   {req: paginate.Request{Order: o, After: tok, Before: tok}, want: "paginate: both After and Before are set: paginate: invalid cursor"},
		"short key":      {req: paginate.Request{Order: o, After: tok, Codec: &paginate.Codec{Key: []byte("short")}}, want: "paginate: Codec.Key is 5 bytes, want at least 16"},
		"garbage cursor": {req: paginate.Request{Order: o, After: "%%%"}, want: "paginate: invalid cursor: not base64url"},
		"huge limit":     {req: paginate.Request{Order: o, Limit: 1 << 31}, want: "paginate: Limit 2147483648 exceeds 1073741824"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := paginate.NewPlan[Post](tt.req)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestKeyset_orderOfAnotherModel(t *testing.T) {
	t.Parallel()
	_, _, err := paginate.KeysetSQL[Article](paginate.Request{Order: mustOrder[Post](t)})
	if !errors.Is(err, paginate.ErrInvalidSort) {
		t.Fatalf("got %v, want ErrInvalidSort", err)
	}
	_, _, err = paginate.KeysetSQL[*Post](paginate.Request{})
	if err == nil || !strings.Contains(err.Error(), "rows must be structs") {
		t.Fatalf("got %v, want a refusal of *Post", err)
	}
}
