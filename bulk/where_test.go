package bulk_test

import (
	"context"
	"errors"
	"sort"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestUpdateWhere_byIDs(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(100)
	if err := bulk.Create(ctx, db, users); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := 0; i < len(users); i += 2 {
		ids = append(ids, users[i].ID)
		users[i].Age, users[i].Name = 77, "renamed"
	}
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		n, err := bulk.UpdateWhere[User](ctx, db, bulk.Set{"age": 77, "Name": "renamed"}, bulk.Eq{"id": ids})
		if err != nil || n != 50 {
			t.Fatalf("updated %d rows: %v", n, err)
		}
	})
	checkUsers(t, ctx, db, users)
}

func TestUpdateWhere_returningAndExpr(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(10)
	if err := bulk.Create(ctx, db, users); err != nil {
		t.Fatal(err)
	}
	var got []User
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		var err error
		got, err = bulk.UpdateWhereReturning[User](ctx, db, bulk.Set{"age": bulk.Expr("age + ?", 100)}, bulk.Expr("age < ?", 25))
		if err != nil {
			t.Fatal(err)
		}
	})
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	if len(got) != 5 {
		t.Fatalf("returned %d rows: %+v", len(got), got)
	}
	for i := range got {
		users[i].Age += 100
		if got[i] != users[i] && (got[i].ID != users[i].ID || got[i].Age != users[i].Age || !got[i].CreatedAt.Equal(users[i].CreatedAt)) {
			t.Fatalf("row %d: returned %+v, want %+v", i, got[i], users[i])
		}
	}
	checkUsers(t, ctx, db, users)

	ptrs, err := bulk.UpdateWhereReturning[*User](ctx, db, bulk.Set{"email": nil}, bulk.Eq{"id": users[9].ID})
	if err != nil || len(ptrs) != 1 || ptrs[0].ID != users[9].ID || ptrs[0].Email != nil {
		t.Fatalf("returned %+v: %v", ptrs, err)
	}
	n, err := bulk.UpdateWhere[User](ctx, db, bulk.Set{"age": 1}, bulk.AllRows)
	if err != nil || n != 10 {
		t.Fatalf("updated %d rows: %v", n, err)
	}
}

func TestUpdateWhere_badInput(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	set := bulk.Set{"age": 1}
	cases := []struct {
		name  string
		set   bulk.Set
		where []sq.Sqlizer
		want  error
	}{
		{"no where", set, nil, bulk.ErrMissingWhere},
		{"empty squirrel condition", set, []sq.Sqlizer{sq.Eq{}}, bulk.ErrMissingWhere},
		{"empty Eq", set, []sq.Sqlizer{bulk.Eq{}}, bulk.ErrMissingWhere},
		{"nil set", nil, []sq.Sqlizer{bulk.AllRows}, bulk.ErrNothingToUpdate},
		{"empty set", bulk.Set{}, []sq.Sqlizer{bulk.AllRows}, bulk.ErrNothingToUpdate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				_, err := bulk.UpdateWhere[User](ctx, db, tc.set, tc.where...)
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
				if tc.want == bulk.ErrMissingWhere {
					_, err = bulk.DeleteWhere[User](ctx, db, tc.where...)
					if !errors.Is(err, tc.want) {
						t.Fatalf("DeleteWhere: want %v, got %v", tc.want, err)
					}
				}
			})
		})
	}
	t.Run("unknown columns", func(t *testing.T) {
		ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
			var ce *bulk.ColumnError
			if _, err := bulk.UpdateWhere[User](ctx, db, bulk.Set{"agee": 1}, bulk.AllRows); !errors.As(err, &ce) || ce.Name != "agee" {
				t.Fatalf("want a ColumnError, got %v", err)
			}
			if _, err := bulk.UpdateWhere[User](ctx, db, set, bulk.Eq{"nmae": "x"}); !errors.As(err, &ce) || ce.Name != "nmae" {
				t.Fatalf("want a ColumnError, got %v", err)
			}
			if _, err := bulk.DeleteWhere[User](ctx, db, bulk.Eq{"nmae": "x"}); !errors.As(err, &ce) {
				t.Fatalf("want a ColumnError, got %v", err)
			}
		})
	})
	t.Run("read-only and duplicate columns", func(t *testing.T) {
		if _, err := bulk.UpdateWhere[Kind](ctx, db, bulk.Set{"upper_label": "x"}, bulk.AllRows); !errors.Is(err, bulk.ErrInvalidOption) {
			t.Fatalf("want ErrInvalidOption, got %v", err)
		}
		if _, err := bulk.UpdateWhere[User](ctx, db, bulk.Set{"age": 1, "Age": 2}, bulk.AllRows); err == nil {
			t.Fatal("two names of one column accepted")
		}
	})
	t.Run("nil condition and misuse of Eq", func(t *testing.T) {
		if _, err := bulk.UpdateWhere[User](ctx, db, set, nil); err == nil {
			t.Fatal("nil condition accepted")
		}
		if _, _, err := (bulk.Eq{"id": 1}).ToSql(); err == nil {
			t.Fatal("Eq rendered outside a bulk call")
		}
	})
}

func TestDeleteWhere(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(20)
	if err := bulk.Create(ctx, db, users); err != nil {
		t.Fatal(err)
	}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := bulk.DeleteWhere[User](ctx, db, bulk.Eq{"id": []int64{users[0].ID, users[1].ID, -1}})
		if err != nil || n != 2 {
			t.Fatalf("deleted %d: %v", n, err)
		}
	})
	gone, err := bulk.DeleteWhereReturning[User](ctx, db, bulk.Expr("age >= ?", 35))
	if err != nil || len(gone) != 5 {
		t.Fatalf("deleted %+v: %v", gone, err)
	}
	checkUsers(t, ctx, db, users[2:15])
	n, err := bulk.DeleteWhere[User](ctx, db, bulk.AllRows)
	if err != nil || n != 13 || mustCount(t, ctx, db, "users") != 0 {
		t.Fatalf("deleted %d: %v", n, err)
	}
}

// TestCatalog_fixtures checks that the catalogs the SQL-shape tests use are what the
// database reports.
func TestCatalog_fixtures(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	check := func(name string, got, want []bulk.PGColumn) {
		t.Helper()
		byName := map[string]bulk.PGColumn{}
		for _, c := range got {
			byName[c.Name] = c
		}
		for _, w := range want {
			g := byName[w.Name]
			if w.OID > 90000 { // the enum's OIDs depend on the database
				g.OID, g.ArrayOID = w.OID, w.ArrayOID
			}
			if g.Name != w.Name || g.OID != w.OID || g.ArrayOID != w.ArrayOID || g.Type != w.Type || g.Category != w.Category ||
				g.Len != w.Len || g.Generated != w.Generated || g.Identity != w.Identity || !equalPtr(g.Default, w.Default) {
				t.Errorf("%s.%s: database says %+v (default %v), fixture %+v (default %v)", name, w.Name, g, deref(g.Default), w, deref(w.Default))
			}
		}
	}
	mustRead := func(cols []bulk.PGColumn, cons map[string][]string, err error) []bulk.PGColumn {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return cols
	}
	check("users", mustRead(bulk.ReadCatalog[User](ctx, db)), usersCatalog)
	check("items", mustRead(bulk.ReadCatalog[Item](ctx, db)), itemsCatalog)
	check("notes", mustRead(bulk.ReadCatalog[Note](ctx, db)), notesCatalog)
	check("memberships", mustRead(bulk.ReadCatalog[Membership](ctx, db)), membershipsCatalog)
	check("kinds", mustRead(bulk.ReadCatalog[TagKind](ctx, db)), kindsCatalog)
	_, cons, err := bulk.ReadCatalog[User](ctx, db)
	if err != nil || len(cons) != 2 || cons["users_email_key"][0] != "email" || cons["users_pkey"][0] != "id" {
		t.Fatalf("constraints %v: %v", cons, err)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// An OR condition given with another one keeps its meaning: (a OR b) AND c, never
// a OR (b AND c), which would delete a row the caller did not ask to touch.
func TestDeleteWhere_orConditionKeepsItsDepth(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	users := makeUsers(3) // ages 20, 21, 22
	if err := bulk.Create(ctx, db, users); err != nil {
		t.Fatal(err)
	}
	or := bulk.Expr("name = ? OR name = ?", users[0].Name, users[1].Name)
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := bulk.DeleteWhere[User](ctx, db, or, bulk.Eq{"age": 21})
		if err != nil || n != 1 {
			t.Fatalf("deleted %d rows: %v", n, err)
		}
	})
	checkUsers(t, ctx, db, []User{users[0], users[2]})
	n, err := bulk.UpdateWhere[User](ctx, db, bulk.Set{"age": 99}, or, sq.Gt{"age": 20})
	if err != nil || n != 0 {
		t.Fatalf("updated %d rows, want 0 (user 0 is 20, user 1 is gone): %v", n, err)
	}
	checkUsers(t, ctx, db, []User{users[0], users[2]})
}
