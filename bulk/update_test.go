package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestUpdate_perRow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []bulk.Option
		counts ormtest.Counts
	}{
		{"unnest", nil, ormtest.Counts{Statements: 1, RoundTrips: 1}},
		{"values in chunks", []bulk.Option{bulk.WithStrategy(bulk.Values)}, ormtest.Counts{Statements: 2, RoundTrips: 2, TxStatements: 2}},
		{"unnest in chunks", []bulk.Option{bulk.ChunkSize(15_000)}, ormtest.Counts{Statements: 2, RoundTrips: 2, TxStatements: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := mustDB(t)
			ctx := testCtx(t)
			users := makeUsers(25_000) // VALUES carries 21,844 rows of three parameters: two chunks
			if err := bulk.Create(ctx, db, users); err != nil {
				t.Fatal(err)
			}
			for i := range users {
				users[i].Name = fmt.Sprintf("new-%d", i*7)
				users[i].Age = i % 13 // zero values are written like any other
				users[i].Email = ptr("not written")
			}
			ormtest.AssertCounts(t, ctx, tc.counts, func(ctx context.Context) {
				n, err := bulk.Update(ctx, db, users, []string{"name", "Age"}, tc.opts...)
				if err != nil || n != int64(len(users)) {
					t.Fatalf("updated %d rows: %v", n, err)
				}
			})
			got := mustUsersByID(t, ctx, db)
			for i, u := range users {
				g := got[u.ID]
				if g.Name != u.Name || g.Age != u.Age || *g.Email != fmt.Sprintf("u%d@example.com", i) {
					t.Fatalf("row %d: table %+v, struct %+v", i, g, u)
				}
			}
		})
	}
}

func TestUpdate_compositeKeyAndCasts(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	ms := []Membership{{1, 1, "a"}, {1, 2, "b"}, {2, 1, "c"}}
	if err := bulk.Create(ctx, db, ms); err != nil {
		t.Fatal(err)
	}
	ms[0].Role, ms[2].Role = "A", "C"
	n, err := bulk.Update(ctx, db, []Membership{ms[2], ms[0], {9, 9, "none"}}, []string{"role"})
	if err != nil || n != 2 {
		t.Fatalf("updated %d: %v", n, err)
	}
	got, err := orm.Raw[string](ctx, db, "SELECT org_id || '/' || user_id || '=' || role FROM memberships ORDER BY 1")
	if err != nil || fmt.Sprint(got) != "[1/1=A 1/2=b 2/1=C]" {
		t.Fatalf("table %v: %v", got, err)
	}

	kinds, _ := kindRows(t)
	if err := bulk.Create(ctx, db, kinds); err != nil {
		t.Fatal(err)
	}
	kinds[0].M, kinds[0].Moods, kinds[0].Tags, kinds[0].Grid = nil, []Mood{"happy"}, []string{"one"}, [][]int32{{7}}
	kinds[1].M, kinds[1].Moods, kinds[1].Tags = ptr[Mood]("sad"), []Mood{"ok", "ok"}, []string{}
	if n, err := bulk.Update(ctx, db, kinds[:2], []string{"m", "moods", "tags", "grid"}); err != nil || n != 2 {
		t.Fatalf("updated %d: %v", n, err)
	}
	text := strings.Join(mustKindsText(t, ctx, db), "\n")
	for _, want := range []string{`|{one}|{{7}}|NULL|{happy}|`, `nulls|NULL|{}|NULL|sad|{ok,ok}|`} {
		if !strings.Contains(text, want) {
			t.Fatalf("table lacks %q:\n%s", want, text)
		}
	}
}

func TestUpdate_badInput(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := []User{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}
	cases := []struct {
		name    string
		rows    []User
		columns []string
		opts    []bulk.Option
		want    error
	}{
		{"no rows", nil, []string{"name"}, nil, bulk.ErrEmpty},
		{"no columns", users, nil, nil, bulk.ErrNothingToUpdate},
		{"primary key column", users, []string{"id"}, nil, bulk.ErrInvalidOption},
		{"zero key", []User{{ID: 1}, {Name: "new"}}, []string{"name"}, nil, bulk.ErrMissingPK},
		{"duplicate key", []User{{ID: 1}, {ID: 2}, {ID: 1}}, []string{"name"}, nil, bulk.ErrDuplicateKey},
		{"copy", users, []string{"name"}, []bulk.Option{bulk.WithStrategy(bulk.Copy)}, bulk.ErrInvalidOption},
	}
	mustWarm(t, ctx, db)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				_, err := bulk.Update(ctx, db, tc.rows, tc.columns, tc.opts...)
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
			})
		})
	}
	t.Run("row errors say which row", func(t *testing.T) {
		_, err := bulk.Update(ctx, db, []User{{ID: 1}, {ID: 2}, {ID: 1}}, []string{"name"})
		var re *bulk.RowError
		if !errors.As(err, &re) || re.Index != 2 {
			t.Fatalf("want a RowError at 2, got %v", err)
		}
	})
	t.Run("unknown column", func(t *testing.T) {
		var ce *bulk.ColumnError
		if _, err := bulk.Update(ctx, db, users, []string{"nmae"}); !errors.As(err, &ce) {
			t.Fatalf("want a ColumnError, got %v", err)
		}
	})
	t.Run("no primary key", func(t *testing.T) {
		if _, err := bulk.Update(ctx, db, []Event{{Name: "x"}}, []string{"name"}); !errors.Is(err, bulk.ErrMissingPK) {
			t.Fatalf("want ErrMissingPK, got %v", err)
		}
		if _, err := bulk.Delete(ctx, db, []Event{{Name: "x"}}); !errors.Is(err, bulk.ErrMissingPK) {
			t.Fatalf("want ErrMissingPK, got %v", err)
		}
	})
}

func TestDelete_byPrimaryKey(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(50)
	if err := bulk.Create(ctx, db, users); err != nil {
		t.Fatal(err)
	}
	gone := []*User{&users[3], &users[10], &users[10], {ID: 999_999}}
	log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		n, err := bulk.Delete(ctx, db, gone)
		if err != nil || n != 2 {
			t.Fatalf("deleted %d: %v", n, err)
		}
	})
	if sql := log.SQL()[0]; sql != `DELETE FROM "users" WHERE "id" = ANY($1)` {
		t.Fatalf("sent %s", sql)
	}
	checkUsers(t, ctx, db, append(append(users[:3:3], users[4:10]...), users[11:]...))
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 2, TxStatements: 2}, func(ctx context.Context) {
		n, err := bulk.Delete(ctx, db, users[20:], bulk.ChunkSize(20))
		if err != nil || n != 30 {
			t.Fatalf("deleted %d: %v", n, err)
		}
	})
	if _, err := bulk.Delete(ctx, db, []User{{ID: 1}, {}}); !errors.Is(err, bulk.ErrMissingPK) {
		t.Fatalf("want ErrMissingPK, got %v", err)
	}
	if n := mustCount(t, ctx, db, "users"); n != 18 {
		t.Fatalf("table holds %d rows", n)
	}
}

func TestDelete_compositeKey(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	ms := []Membership{{1, 1, "a"}, {1, 2, "b"}, {2, 1, "c"}, {2, 2, "d"}}
	if err := bulk.Create(ctx, db, ms); err != nil {
		t.Fatal(err)
	}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { // the catalog was read by Create
		n, err := bulk.Delete(ctx, db, []Membership{{OrgID: 1, UserID: 2}, {OrgID: 2, UserID: 1}, {OrgID: 3, UserID: 3}})
		if err != nil || n != 2 {
			t.Fatalf("deleted %d: %v", n, err)
		}
	})
	got, err := orm.Raw[string](ctx, db, "SELECT org_id || '/' || user_id FROM memberships ORDER BY 1")
	if err != nil || fmt.Sprint(got) != "[1/1 2/2]" {
		t.Fatalf("table %v: %v", got, err)
	}
}
