package keyset_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

type post struct {
	ID        int64
	CreatedAt time.Time
	Title     string
	Score     *int32
}

// TestPlan_Apply_includedPosition pins the condition of a cursor that an empty page
// handed back (token version 2): the cursor's own row is in the page, so the
// comparison is inclusive (row values) or gains an "every key equal" term.
func TestPlan_Apply_includedPosition(t *testing.T) {
	m, err := model.Of[post]()
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		keys     []string
		values   []any
		wantCond string
		wantArgs []any
	}{
		"one key": {
			values: []any{int64(5)}, wantCond: `"posts"."id" >= $1`, wantArgs: []any{int64(5)},
		},
		"row value": {
			keys: []string{"-created_at"}, values: []any{ts, int64(5)},
			wantCond: `("posts"."created_at", "posts"."id") <= ($1, $2)`, wantArgs: []any{ts, int64(5)},
		},
		"expanded": {
			keys: []string{"-created_at", "title"}, values: []any{ts, "x", int64(5)},
			wantCond: `"posts"."created_at" <= $1 AND ("posts"."created_at" < $2 OR ("posts"."created_at" = $3 AND "posts"."title" > $4)` +
				` OR ("posts"."created_at" = $5 AND "posts"."title" = $6 AND "posts"."id" > $7)` +
				` OR ("posts"."created_at" = $8 AND "posts"."title" = $9 AND "posts"."id" = $10))`,
			wantArgs: []any{ts, ts, ts, "x", ts, "x", int64(5), ts, "x", int64(5)},
		},
		"cursor on a NULL that sorts last": {
			keys: []string{"score"}, values: []any{nil, int64(5)},
			wantCond: `(("posts"."score" IS NULL AND "posts"."id" > $1) OR ("posts"."score" IS NULL AND "posts"."id" = $2))`,
			wantArgs: []any{int64(5), int64(5)},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := keyset.OrderBy(m, tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := keyset.WalkCodec.Encode(o, tt.values, true)
			if err != nil {
				t.Fatal(err)
			}
			p, err := keyset.NewPlan(m, keyset.Request{Order: o, After: tok, Codec: keyset.WalkCodec})
			if err != nil {
				t.Fatal(err)
			}
			st := sqlw.Select{Columns: "1", From: m.QTable, Limit: -1, Offset: -1}
			p.Apply(&st, func(string) int { return 1 })
			sql, args, err := st.ToSQL()
			if err != nil {
				t.Fatal(err)
			}
			if want := `SELECT 1 FROM "posts" WHERE ` + tt.wantCond; sql != want {
				t.Errorf("SQL:\n got %s\nwant %s", sql, want)
			}
			if !reflect.DeepEqual(args, tt.wantArgs) {
				t.Errorf("args: got %#v, want %#v", args, tt.wantArgs)
			}
		})
	}
}

// TestWalk follows Next until HasNext is false, yields an error once and stops when
// the loop breaks.
func TestWalk(t *testing.T) {
	ctx := context.Background()
	pages := map[string]struct {
		items []int
		nav   keyset.Nav
	}{
		"":  {[]int{1, 2}, keyset.Nav{HasNext: true, Next: "a"}},
		"a": {[]int{3}, keyset.Nav{HasNext: true, Next: "b"}},
		"b": {nil, keyset.Nav{}},
	}
	var calls []string
	page := func(_ context.Context, after string) ([]int, keyset.Nav, error) {
		calls = append(calls, after)
		if after == "boom" {
			return nil, keyset.Nav{}, errors.New("boom")
		}
		p := pages[after]
		return p.items, p.nav, nil
	}
	var got []int
	for batch, err := range keyset.Walk(ctx, page) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, batch...)
	}
	if !reflect.DeepEqual(got, []int{1, 2, 3}) || !reflect.DeepEqual(calls, []string{"", "a", "b"}) {
		t.Fatalf("got %v after calls %q", got, calls)
	}
	calls = nil
	for range keyset.Walk(ctx, page) {
		break
	}
	if len(calls) != 1 {
		t.Fatalf("%d calls after a break", len(calls))
	}
	pages[""] = struct {
		items []int
		nav   keyset.Nav
	}{[]int{1}, keyset.Nav{HasNext: true, Next: "boom"}}
	errs := 0
	for batch, err := range keyset.Walk(ctx, page) {
		if err != nil {
			errs++
			if batch != nil {
				t.Fatal("error with a batch")
			}
		}
	}
	if errs != 1 {
		t.Fatalf("%d errors, want 1", errs)
	}
}
