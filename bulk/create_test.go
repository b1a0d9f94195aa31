package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// checkUsers fails t unless the users table holds exactly the rows in want, each under
// the id its struct received.
func checkUsers(t *testing.T, ctx context.Context, db *orm.DB, want []User) {
	t.Helper()
	got := mustUsersByID(t, ctx, db)
	if len(got) != len(want) {
		t.Fatalf("table holds %d users, want %d", len(got), len(want))
	}
	for i, w := range want {
		g, ok := got[w.ID]
		switch {
		case !ok:
			t.Fatalf("row %d: id %d not in table", i, w.ID)
		case g.Name != w.Name || !equalPtr(g.Email, w.Email) || g.Age != w.Age || !g.CreatedAt.Equal(w.CreatedAt):
			t.Fatalf("row %d: id %d holds %+v, struct is %+v", i, w.ID, g, w)
		}
	}
}

func equalPtr[V comparable](a, b *V) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func TestCreate_idsMatchRows(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []bulk.Option
		prefix string // of the INSERT statement
	}{
		{"default arrays", nil, "WITH k AS MATERIALIZED"},
		{"returning joined on the key", []bulk.Option{bulk.ViaReturning()}, "WITH v AS MATERIALIZED"},
		{"values", []bulk.Option{bulk.WithStrategy(bulk.Values)}, "WITH k AS MATERIALIZED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := mustDB(t)
			ctx := testCtx(t)
			users := makeUsers(10_000)
			for i := 0; i < len(users); i += 7 { // some rows bring their own id
				users[i].ID = int64(5_000_000 + i)
			}
			for i := 3; i < len(users); i += 11 { // some rows bring their own age, others take the DEFAULT
				users[i].Age = 0
			}
			log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
				if err := bulk.Create(ctx, db, users, tc.opts...); err != nil {
					t.Fatal(err)
				}
			})
			if sql := log.SQL()[0]; !strings.HasPrefix(sql, tc.prefix) || log.CatalogStatements() != 1 {
				t.Errorf("want %s…, got %s", tc.prefix, sql)
			}
			seen := map[int64]bool{}
			for i, u := range users {
				if u.ID == 0 || seen[u.ID] || u.CreatedAt.IsZero() {
					t.Fatalf("row %d: id %d (seen before: %v), created_at %v", i, u.ID, seen[u.ID], u.CreatedAt)
				}
				seen[u.ID] = true
				if i%7 == 0 && u.ID != int64(5_000_000+i) {
					t.Fatalf("row %d: own id replaced by %d", i, u.ID)
				}
				if i%11 == 3 && i%7 != 0 && u.Age != 18 {
					t.Fatalf("row %d: age %d, want the DEFAULT 18", i, u.Age)
				}
			}
			checkUsers(t, ctx, db, users)

			more := makeUsers(3)
			for i := range more {
				more[i].Email = nil
			}
			ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
				if err := bulk.Create(ctx, db, more, tc.opts...); err != nil {
					t.Fatal(err)
				}
			})
			checkUsers(t, ctx, db, append(users, more...))
		})
	}
}

func TestCreate_pointerRows(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	rows := []*User{{Name: "a"}, {Name: "b", Age: 40}}
	if err := bulk.Create(ctx, db, rows); err != nil {
		t.Fatal(err)
	}
	if rows[0].ID == 0 || rows[1].ID == 0 || rows[0].Age != 18 || rows[1].Age != 40 {
		t.Fatalf("values not written back: %+v %+v", rows[0], rows[1])
	}
	checkUsers(t, ctx, db, []User{*rows[0], *rows[1]})
}

func TestCreate_badInput(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	one := []User{{Name: "x"}}
	cases := []struct {
		name string
		run  func(ctx context.Context) error
		want error
	}{
		{"nil slice", func(ctx context.Context) error { return bulk.Create[User](ctx, db, nil) }, bulk.ErrEmpty},
		{"empty slice", func(ctx context.Context) error { return bulk.Create(ctx, db, []User{}) }, bulk.ErrEmpty},
		{"nil element", func(ctx context.Context) error { return bulk.Create(ctx, db, []*User{{Name: "a"}, nil}) }, bulk.ErrNilRow},
		{"nil option", func(ctx context.Context) error { return bulk.Create(ctx, db, one, nil) }, bulk.ErrInvalidOption},
		{"zero chunk", func(ctx context.Context) error { return bulk.Create(ctx, db, one, bulk.ChunkSize(0)) }, bulk.ErrInvalidOption},
		{"unknown strategy", func(ctx context.Context) error { return bulk.Create(ctx, db, one, bulk.WithStrategy(9)) }, bulk.ErrInvalidOption},
		{"pointer to pointer", func(ctx context.Context) error { return bulk.Create(ctx, db, []**User{}) }, orm.ErrInvalidModel},
		{"not a struct", func(ctx context.Context) error { return bulk.Create(ctx, db, []int{1}) }, orm.ErrInvalidModel},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				err := tc.run(ctx)
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
			})
		})
	}
	t.Run("nil element index", func(t *testing.T) {
		err := bulk.Create(ctx, db, []*User{{Name: "a"}, nil})
		var re *bulk.RowError
		if !errors.As(err, &re) || re.Index != 1 {
			t.Fatalf("want RowError at 1, got %v", err)
		}
	})
	t.Run("nil querier", func(t *testing.T) {
		if err := bulk.Create(ctx, nil, one); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("copy with values to return", func(t *testing.T) {
		err := bulk.Create(ctx, db, one, bulk.WithStrategy(bulk.Copy))
		if !errors.Is(err, bulk.ErrInvalidOption) {
			t.Fatalf("want ErrInvalidOption, got %v", err)
		}
	})
	t.Run("unknown table", func(t *testing.T) {
		err := bulk.Create(ctx, db, []Ghost{{Name: "x"}})
		if err == nil || orm.ConstraintName(err) != "" {
			t.Fatalf("want a catalog error, got %v", err)
		}
	})
	if n := mustCount(t, ctx, db, "users"); n != 0 {
		t.Fatalf("bad input wrote %d rows", n)
	}
}

// Ghost maps to a table that does not exist.
type Ghost struct {
	ID   int64
	Name string
}

func TestCreate_strategyChoice(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		rows int
		opts []bulk.Option
		kind orm.StatementKind
	}{
		{"large batch, nothing back: COPY", 2000, []bulk.Option{bulk.NoReturning()}, orm.KindCopy},
		{"small batch, nothing back: unnest", 10, []bulk.Option{bulk.NoReturning()}, orm.KindQuery},
		{"ids back: unnest", 2000, nil, orm.KindQuery},
		{"forced COPY", 10, []bulk.Option{bulk.NoReturning(), bulk.WithStrategy(bulk.Copy)}, orm.KindCopy},
		{"forced VALUES", 2000, []bulk.Option{bulk.WithStrategy(bulk.Values)}, orm.KindQuery},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := mustDB(t)
			ctx := testCtx(t)
			users := makeUsers(tc.rows)
			for i := range users {
				users[i].ID = int64(i + 1) // nothing generated but created_at
			}
			mustWarm(t, ctx, db)
			log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
				if err := bulk.Create(ctx, db, users, tc.opts...); err != nil {
					t.Fatal(err)
				}
			})
			if k := log.Entries()[0].Kind; k != tc.kind {
				t.Errorf("sent as %v, want %v: %s", k, tc.kind, log)
			}
			if n := mustCount(t, ctx, db, "users"); n != tc.rows+1 {
				t.Fatalf("table holds %d rows, want %d", n, tc.rows+1)
			}
			if tc.opts == nil || len(tc.opts) == 1 && tc.kind == orm.KindQuery && tc.rows == 2000 {
				checkUsers(t, ctx, db, append(users, mustWarmUser(t, ctx, db)))
			}
		})
	}
}

// mustWarm makes the bulk plan for User cached on db (the catalog statement is sent
// now), leaving one row, id 1_000_000, in the table.
func mustWarm(t testing.TB, ctx context.Context, db *orm.DB) {
	t.Helper()
	if err := bulk.Create(ctx, db, []User{{ID: 1_000_000, Name: "warm"}}); err != nil {
		t.Fatal(err)
	}
}

func mustWarmUser(t testing.TB, ctx context.Context, db *orm.DB) User {
	t.Helper()
	u, err := orm.Query[User](db).Where(orm.Eq{"id": 1_000_000}).One(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestCreate_valuesStaysUnderParameterLimit(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(100_000) // name, email and age travel: 3 parameters a row
	mustWarm(t, ctx, db)
	log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 5, RoundTrips: 5, TxStatements: 2}, func(ctx context.Context) {
		if err := bulk.Create(ctx, db, users, bulk.WithStrategy(bulk.Values)); err != nil {
			t.Fatal(err)
		}
	})
	for _, e := range log.Entries() {
		if e.Args > 65535 {
			t.Fatalf("statement with %d parameters", e.Args)
		}
	}
	checkUsers(t, ctx, db, append(users, mustWarmUser(t, ctx, db)))
}

func TestCreate_100kRowsOneStatement(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(100_000)
	mustWarm(t, ctx, db)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		if err := bulk.Create(ctx, db, users); err != nil {
			t.Fatal(err)
		}
	})
	checkUsers(t, ctx, db, append(users, mustWarmUser(t, ctx, db)))
}

func TestCreate_chunksInOneTransaction(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(1000)
	mustWarm(t, ctx, db)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 4, RoundTrips: 4, TxStatements: 2}, func(ctx context.Context) {
		if err := bulk.Create(ctx, db, users, bulk.ChunkSize(300)); err != nil {
			t.Fatal(err)
		}
	})
	checkUsers(t, ctx, db, append(users, mustWarmUser(t, ctx, db)))
}

func TestCreate_insideCallersTransaction(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	mustWarm(t, ctx, db)
	errRollback := errors.New("roll back")
	err := db.Tx(ctx, func(tx *orm.DB) error {
		log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 2, TxStatements: 2}, func(ctx context.Context) {
			if err := bulk.Create(ctx, tx, makeUsers(10), bulk.ChunkSize(5)); err != nil {
				t.Fatal(err)
			}
		})
		if sql := log.Entries()[0].SQL; sql[:9] != "savepoint" {
			t.Errorf("want a savepoint first, got %s", log)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := mustCount(t, ctx, db, "users"); n != 1 {
		t.Fatalf("rolled-back transaction left %d rows", n)
	}
}

func TestCreate_modes(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	t.Run("identity always", func(t *testing.T) {
		items := []Item{{SKU: "a"}, {SKU: "b", Qty: 5}, {SKU: "c"}}
		if err := bulk.Create(ctx, db, items); err != nil {
			t.Fatal(err)
		}
		got, err := orm.Raw[string](ctx, db, "SELECT id || ':' || sku || ':' || qty FROM items ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{}
		for _, it := range items {
			want = append(want, fmt.Sprintf("%d:%s:%d", it.ID, it.SKU, it.Qty))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || items[0].Qty != 1 || items[1].Qty != 5 {
			t.Fatalf("table %v, structs %v", got, want)
		}
	})
	t.Run("no primary key, fixed-width defaults", func(t *testing.T) {
		events := []Event{{Name: "a"}, {Name: "b", Seq: 77}, {Name: "c"}}
		if err := bulk.Create(ctx, db, events); err != nil {
			t.Fatal(err)
		}
		got, err := orm.Query[Event](db).OrderBy("name").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range events {
			if got[i].Seq != events[i].Seq || !got[i].At.Equal(events[i].At) || events[i].Seq == 0 {
				t.Fatalf("row %d: table %+v, struct %+v", i, got[i], events[i])
			}
		}
	})
	t.Run("no primary key, variable-width defaults", func(t *testing.T) {
		notes := []Note{{Body: "a"}, {Body: "b", Tag: "own"}, {Body: "c", Weight: "2.25"}}
		log := ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
			if err := bulk.Create(ctx, db, notes); err != nil {
				t.Fatal(err)
			}
		})
		if sql := log.SQL()[0]; sql[:25] != "WITH v AS MATERIALIZED (S" {
			t.Errorf("want the numbered-source statement, got %s", sql)
		}
		want := []Note{{"a", "general", "1.5"}, {"b", "own", "1.5"}, {"c", "general", "2.25"}}
		if fmt.Sprint(notes) != fmt.Sprint(want) {
			t.Fatalf("structs %v, want %v", notes, want)
		}
		got, err := orm.Raw[string](ctx, db, "SELECT body || tag || weight FROM notes ORDER BY body")
		if err != nil || fmt.Sprint(got) != "[ageneral1.5 bown1.5 cgeneral2.25]" {
			t.Fatalf("table %v: %v", got, err)
		}
	})
	t.Run("read-only column: RETURNING joined on the key", func(t *testing.T) {
		kinds := make([]Kind, 3000)
		for i := range kinds {
			kinds[i].Label = fmt.Sprintf("k%d", i)
		}
		kinds[1].ID = 900_000
		log := ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
			if err := bulk.Create(ctx, db, kinds); err != nil {
				t.Fatal(err)
			}
		})
		if sql := log.SQL()[0]; sql[:25] != "WITH v AS MATERIALIZED (S" {
			t.Errorf("want the numbered-source statement, got %s", sql)
		}
		got, err := orm.Raw[string](ctx, db, "SELECT id || ':' || label || ':' || upper_label FROM kinds ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		want := make([]string, len(kinds))
		for i, k := range kinds {
			want[i] = fmt.Sprintf("%d:%s:%s", k.ID, k.Label, k.UpperLabel)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(want, " ") || kinds[1].ID != 900_000 || kinds[2].UpperLabel != "K2" {
			t.Fatalf("structs do not match the table")
		}
	})
	t.Run("no primary key and a read-only column", func(t *testing.T) {
		err := bulk.Create(ctx, db, []NoKey{{Label: "z"}})
		if !errors.Is(err, bulk.ErrMissingPK) {
			t.Fatalf("want ErrMissingPK, got %v", err)
		}
		if err := bulk.Create(ctx, db, []NoKey{{Label: "z"}}, bulk.NoReturning()); err != nil {
			t.Fatal(err)
		}
	})
}

// NoKey maps the kinds table without its primary key.
type NoKey struct {
	Label      string
	UpperLabel string `orm:"readonly"`
}

func (NoKey) TableName() string { return "kinds" }
