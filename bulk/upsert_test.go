package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// mustSeedUsers inserts users a, b and c (emails a@x, b@x, c@x, ages 30, 31, 32).
func mustSeedUsers(t *testing.T, ctx context.Context, db *orm.DB) []User {
	t.Helper()
	seed := []User{{Name: "a", Email: ptr("a@x"), Age: 30}, {Name: "b", Email: ptr("b@x"), Age: 31}, {Name: "c", Email: ptr("c@x"), Age: 32}}
	if err := bulk.Create(ctx, db, seed); err != nil {
		t.Fatal(err)
	}
	return seed
}

func TestUpsert_doUpdate(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	seed := mustSeedUsers(t, ctx, db)
	rows := []User{
		{Name: "b2", Email: ptr("b@x"), Age: 99}, // updates b's name, keeps its age
		{Name: "d", Email: ptr("d@x"), Age: 40},  // new
		{Name: "a2", Email: ptr("a@x")},          // updates a
	}
	var res bulk.UpsertResult
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		var err error
		res, err = bulk.Upsert(ctx, db, rows, bulk.OnConflict("email").DoUpdate("name"))
		if err != nil {
			t.Fatal(err)
		}
	})
	if res.Written != 3 || len(res.Skipped) != 0 {
		t.Fatalf("result %+v", res)
	}
	if rows[0].ID != seed[1].ID || rows[0].Age != 31 || rows[2].ID != seed[0].ID || rows[2].Age != 30 {
		t.Fatalf("updated rows do not hold the table's values: %+v %+v", rows[0], rows[2])
	}
	if rows[1].ID == 0 || rows[1].Age != 40 || rows[1].CreatedAt.IsZero() {
		t.Fatalf("inserted row not read back: %+v", rows[1])
	}
	checkUsers(t, ctx, db, []User{rows[0], rows[1], rows[2], seed[2]})
}

func TestUpsert_doNothing(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	seed := mustSeedUsers(t, ctx, db)
	rows := []User{{Name: "new1", Email: ptr("n1@x")}, {Name: "dup", Email: ptr("c@x")}, {Name: "new2", Email: ptr("n2@x")}}
	res, err := bulk.Upsert(ctx, db, rows, bulk.OnConflict("Email").DoNothing())
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 2 || fmt.Sprint(res.Skipped) != "[1]" {
		t.Fatalf("result %+v", res)
	}
	if rows[1].ID != 0 || rows[1].Age != 0 || rows[0].ID == 0 || rows[2].ID == 0 {
		t.Fatalf("structs: %+v", rows)
	}
	checkUsers(t, ctx, db, append(seed, rows[0], rows[2]))
}

func TestUpsert_onConstraint(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	items := []Item{{SKU: "a", Qty: 1}, {SKU: "b", Qty: 2}}
	if err := bulk.Create(ctx, db, items); err != nil {
		t.Fatal(err)
	}
	rows := []Item{{SKU: "b", Qty: 20}, {SKU: "c"}}
	res, err := bulk.Upsert(ctx, db, rows, bulk.OnConstraint("items_sku_key").DoUpdate("qty"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 2 || rows[0].ID != items[1].ID || rows[0].Qty != 20 || rows[1].ID == 0 || rows[1].Qty != 1 {
		t.Fatalf("result %+v, rows %+v", res, rows)
	}
	got, err := orm.Raw[string](ctx, db, "SELECT id || ':' || sku || ':' || qty FROM items ORDER BY sku")
	want := fmt.Sprintf("[%d:a:1 %d:b:20 %d:c:1]", items[0].ID, items[1].ID, rows[1].ID)
	if err != nil || fmt.Sprint(got) != want {
		t.Fatalf("table %v, want %s: %v", got, want, err)
	}
}

func TestUpsert_duplicateKeys(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	seed := mustSeedUsers(t, ctx, db)
	batch := func() []User {
		return []User{
			{Name: "x1", Email: ptr("x@x"), Age: 1},
			{Name: "a1", Email: ptr("a@x"), Age: 2},
			{Name: "x2", Email: ptr("x@x"), Age: 3},
			{Name: "a2", Email: ptr("a@x"), Age: 4},
		}
	}
	t.Run("refused", func(t *testing.T) {
		ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
			_, err := bulk.Upsert(ctx, db, batch(), bulk.OnConflict("email").DoUpdate("name"))
			var re *bulk.RowError
			if !errors.As(err, &re) || re.Index != 2 || !errors.Is(err, bulk.ErrDuplicateKey) {
				t.Fatalf("want a duplicate-key RowError at 2, got %v", err)
			}
		})
	})
	t.Run("merged, do update: the last row wins", func(t *testing.T) {
		rows := batch()
		res, err := bulk.Upsert(ctx, db, rows, bulk.OnConflict("email").DoUpdate("name", "age").MergeDuplicates())
		if err != nil {
			t.Fatal(err)
		}
		if res.Written != 2 || len(res.Skipped) != 0 {
			t.Fatalf("result %+v", res)
		}
		if rows[0] != rows[2] || rows[1] != rows[3] || rows[2].Name != "x2" || rows[3].Name != "a2" || rows[3].ID != seed[0].ID {
			t.Fatalf("rows %+v", rows)
		}
		checkUsers(t, ctx, db, []User{rows[3], seed[1], seed[2], rows[2]})
	})
	t.Run("merged, do nothing: the first row wins", func(t *testing.T) {
		rows := batch()
		for i := range rows {
			*rows[i].Email = "n" + *rows[i].Email
		}
		before := mustUsersByID(t, ctx, db)
		res, err := bulk.Upsert(ctx, db, rows, bulk.OnConflict("email").DoNothing().MergeDuplicates())
		if err != nil {
			t.Fatal(err)
		}
		if res.Written != 2 || len(res.Skipped) != 0 || rows[0] != rows[2] || rows[2].Name != "x1" || rows[3].Name != "a1" {
			t.Fatalf("result %+v, rows %+v", res, rows)
		}
		if after := mustUsersByID(t, ctx, db); len(after) != len(before)+2 {
			t.Fatalf("table grew from %d to %d rows", len(before), len(after))
		}
	})
}

func TestUpsert_badInput(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	mustWarm(t, ctx, db) // the catalog is read: no case below sends a statement
	one := []User{{Name: "a", Email: ptr("a@x")}}
	cases := []struct {
		name string
		rows []User
		c    bulk.Conflict
		opts []bulk.Option
		want error
	}{
		{"no rows", nil, bulk.OnConflict("email").DoNothing(), nil, bulk.ErrEmpty},
		{"no target", one, bulk.Conflict{}.DoNothing(), nil, bulk.ErrInvalidOption},
		{"no action", one, bulk.OnConflict("email"), nil, bulk.ErrInvalidOption},
		{"nothing to update", one, bulk.OnConflict("email").DoUpdate(), nil, bulk.ErrNothingToUpdate},
		{"copy strategy", one, bulk.OnConflict("email").DoUpdate("name"), []bulk.Option{bulk.WithStrategy(bulk.Copy)}, bulk.ErrInvalidOption},
		{"unknown constraint", one, bulk.OnConstraint("nope").DoNothing(), nil, bulk.ErrInvalidOption},
		{"conflict column left to its default", one, bulk.OnConflict("id").DoNothing(), nil, bulk.ErrInvalidOption},
		{"NULL key", []User{{Name: "a"}}, bulk.OnConflict("email").DoNothing(), nil, bulk.ErrNullKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				_, err := bulk.Upsert(ctx, db, tc.rows, tc.c, tc.opts...)
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
			})
		})
	}
	t.Run("unknown column", func(t *testing.T) {
		for _, c := range []bulk.Conflict{bulk.OnConflict("mail").DoNothing(), bulk.OnConflict("email").DoUpdate("nmae")} {
			_, err := bulk.Upsert(ctx, db, one, c)
			var ce *bulk.ColumnError
			if !errors.As(err, &ce) {
				t.Fatalf("want a ColumnError, got %v", err)
			}
		}
	})
	t.Run("read-only column", func(t *testing.T) {
		_, err := bulk.Upsert(ctx, db, []Kind{{Label: "k"}}, bulk.OnConflict("label").DoUpdate("upper_label"))
		if !errors.Is(err, bulk.ErrInvalidOption) {
			t.Fatalf("want ErrInvalidOption, got %v", err)
		}
	})
}

func TestUpsert_strategiesAndChunks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []bulk.Option
		counts ormtest.Counts
	}{
		{"unnest", nil, ormtest.Counts{Statements: 1, RoundTrips: 1}},
		{"values", []bulk.Option{bulk.WithStrategy(bulk.Values)}, ormtest.Counts{Statements: 1, RoundTrips: 1}},
		{"chunks", []bulk.Option{bulk.ChunkSize(400)}, ormtest.Counts{Statements: 3, RoundTrips: 3, TxStatements: 2}},
		{"nothing back", []bulk.Option{bulk.NoReturning()}, ormtest.Counts{Statements: 1, RoundTrips: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := mustDB(t)
			ctx := testCtx(t)
			first := makeUsers(1000)
			if err := bulk.Create(ctx, db, first[:500]); err != nil {
				t.Fatal(err)
			}
			rows := makeUsers(1000)
			for i := range rows {
				rows[i].Name += "-v2"
			}
			var res bulk.UpsertResult
			ormtest.AssertCounts(t, ctx, tc.counts, func(ctx context.Context) {
				var err error
				res, err = bulk.Upsert(ctx, db, rows, bulk.OnConflict("email").DoUpdate("name"), tc.opts...)
				if err != nil {
					t.Fatal(err)
				}
			})
			if res.Written != 1000 {
				t.Fatalf("result %+v", res)
			}
			got := mustUsersByID(t, ctx, db)
			if len(got) != 1000 {
				t.Fatalf("table holds %d rows", len(got))
			}
			if tc.name == "nothing back" {
				return
			}
			for i, r := range rows {
				if g := got[r.ID]; g.Name != r.Name || *g.Email != *r.Email || (i < 500 && r.ID != first[i].ID) {
					t.Fatalf("row %d: struct %+v, table %+v", i, r, g)
				}
			}
		})
	}
}
