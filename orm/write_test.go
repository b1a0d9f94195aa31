package orm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestInsert_defaultsComeBack(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	before := time.Now().Add(-time.Minute)
	u := User{Name: "ann", Email: ptr("ann@example.com")}
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		if err := orm.Insert(ctx, db, &u); err != nil {
			t.Fatal(err)
		}
	})
	if u.ID != 1 || u.CreatedAt.Before(before) {
		t.Fatalf("id and created_at not read back: %+v", u)
	}
	// An explicit value for a default column is written, not replaced.
	at := time.Date(2020, 1, 2, 3, 4, 5, 123456000, time.UTC)
	v := User{Name: "bob", CreatedAt: at}
	if err := orm.Insert(ctx, db, &v); err != nil {
		t.Fatal(err)
	}
	got, err := orm.Query[User](db).Where(orm.Eq{"id": v.ID}).One(ctx)
	if err != nil || !got.CreatedAt.Equal(at) || got.Name != "bob" || v.ID != 2 {
		t.Fatalf("stored %+v, %v", got, err)
	}
}

func TestInsert_compositeKeyAndConstraintErrors(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	m := Membership{GroupID: 7, UserID: 9, Role: "owner"}
	if err := orm.Insert(ctx, db, &m); err != nil {
		t.Fatal(err)
	}
	dup := m
	err := orm.Insert(ctx, db, &dup)
	if !orm.IsUniqueViolation(err) || orm.ConstraintName(err) != "memberships_pkey" {
		t.Fatalf("want unique violation on memberships_pkey, got %v", err)
	}
	err = orm.Insert(ctx, db, &Post{UserID: 12345, Title: "orphan"})
	if !orm.IsForeignKeyViolation(err) || orm.IsUniqueViolation(err) {
		t.Fatalf("want foreign key violation, got %v", err)
	}
	if n, _ := orm.Query[Post](db).Count(ctx); n != 0 {
		t.Fatalf("failed insert left %d rows", n)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	u := User{Name: "ann", Email: ptr("a@x")}
	if err := orm.Insert(ctx, db, &u); err != nil {
		t.Fatal(err)
	}
	// Only the named column is written: the zero Email in this struct is not.
	patch := User{ID: u.ID, Name: "anne"}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		if err := orm.Update(ctx, db, &patch, "Name"); err != nil {
			t.Fatal(err)
		}
	})
	got, err := orm.Query[User](db).Where(orm.Eq{"id": u.ID}).One(ctx)
	if err != nil || got.Name != "anne" || got.Email == nil || *got.Email != "a@x" {
		t.Fatalf("after update: %+v %v", got, err)
	}
	if patch.Email == nil || *patch.Email != "a@x" {
		t.Errorf("update did not read the row back: %+v", patch)
	}
	// Composite primary key.
	m := Membership{GroupID: 1, UserID: 2, Role: "member"}
	if err := orm.Insert(ctx, db, &m); err != nil {
		t.Fatal(err)
	}
	m.Role = "admin"
	if err := orm.Update(ctx, db, &m, "role"); err != nil {
		t.Fatal(err)
	}
	if got, _ := orm.Query[Membership](db).One(ctx); got.Role != "admin" {
		t.Fatalf("composite update: %+v", got)
	}
}

func TestUpdate_badInput(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	u := User{Name: "ann"}
	if err := orm.Insert(ctx, db, &u); err != nil {
		t.Fatal(err)
	}
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		if err := orm.Update(ctx, db, &u); !errors.Is(err, orm.ErrNothingToUpdate) {
			t.Errorf("no columns: %v", err)
		}
		var ce *orm.ColumnError
		if err := orm.Update(ctx, db, &u, "nope"); !errors.As(err, &ce) || ce.Name != "nope" {
			t.Errorf("unknown column: %v", err)
		}
		if err := orm.Update(ctx, db, &u, "id"); err == nil {
			t.Errorf("updating the key: no error")
		}
		if err := orm.Update(ctx, db, &User{Name: "x"}, "name"); !errors.Is(err, orm.ErrMissingPK) {
			t.Errorf("zero key: %v", err)
		}
		if err := orm.Update[User](ctx, db, nil, "name"); err == nil {
			t.Errorf("nil row: no error")
		}
	})
	if err := orm.Update(ctx, db, &User{ID: 999, Name: "x"}, "name"); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("missing row: %v", err)
	}
}

func TestDelete(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 3)
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		if err := orm.Delete(ctx, db, &User{ID: 2}); err != nil {
			t.Fatal(err)
		}
	})
	users, err := orm.Query[User](db).OrderBy("id").All(ctx)
	if err != nil || len(users) != 2 || users[0].ID != 1 || users[1].ID != 3 {
		t.Fatalf("after delete: %+v %v", users, err)
	}
	if err := orm.Delete[User](ctx, db, nil); err == nil {
		t.Fatal("nil row accepted")
	}
	if err := orm.Insert[User](ctx, nil, &User{}); err == nil {
		t.Fatal("nil DB accepted")
	}
	if err := orm.Delete(ctx, db, &User{ID: 2}); !errors.Is(err, orm.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	type NoKey struct {
		Name string `db:"name"`
	}
	if err := orm.Delete(ctx, db, &NoKey{}); !errors.Is(err, orm.ErrMissingPK) {
		t.Fatalf("model without key: %v", err)
	}
}
