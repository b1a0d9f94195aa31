package bulk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

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

// Prepare reads the catalog once, so the next call sends only its own statement, and
// fails fast on a model that names a column the table lacks.
func TestPrepare(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	log := ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		if err := bulk.Prepare[User](ctx, db); err != nil {
			t.Fatal(err)
		}
	})
	if log.CatalogStatements() != 1 {
		t.Fatalf("Prepare did not read the catalog: %s", log)
	}
	log = ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		if err := bulk.Create(ctx, db, makeUsers(3)); err != nil {
			t.Fatal(err)
		}
	})
	if log.CatalogStatements() != 0 {
		t.Fatalf("the catalog was read again: %s", log)
	}
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		if err := bulk.Prepare[*User](ctx, db); err != nil { // same model: cached
			t.Fatal(err)
		}
	})
	err := bulk.Prepare[StrayUser](ctx, db)
	if !errors.Is(err, bulk.ErrSchema) || !strings.Contains(err.Error(), `column "nickname" is not in table users`) {
		t.Fatalf("want ErrSchema naming nickname, got %v", err)
	}
	if err := bulk.Prepare[User](ctx, nil); err == nil {
		t.Fatal("nil querier: no error")
	}
}

// StrayUser names a column the users table lacks.
type StrayUser struct {
	ID       int64  `db:"id"`
	Nickname string `db:"nickname"`
}

// TableName implements the model's table-name hook.
func (StrayUser) TableName() string { return "users" }

// A table changed under a running pool: the call that fails on the stale catalog entry
// changes nothing and drops the entry, and the next call reads the catalog again. A
// failure inside a transaction of the DB drops the entry the DB shares with it.
func TestCreate_staleCatalogIsForgotten(t *testing.T) {
	t.Parallel()
	for _, inTx := range []bool{false, true} {
		t.Run(map[bool]string{false: "on the DB", true: "in a transaction of the DB"}[inTx], func(t *testing.T) {
			t.Parallel()
			db := mustDB(t)
			ctx := testCtx(t)
			mustExec(t, ctx, db, `CREATE TABLE labels (id bigserial PRIMARY KEY, label text NOT NULL)`)
			if err := bulk.Create(ctx, db, []Label{{Label: "a"}}); err != nil {
				t.Fatal(err)
			}
			mustExec(t, ctx, db, `CREATE TYPE lbl AS ENUM ('a', 'b'); ALTER TABLE labels ALTER COLUMN label TYPE lbl USING label::lbl`)
			var err error
			if inTx {
				err = db.Tx(ctx, func(tx *orm.DB) error { return bulk.Create(ctx, tx, []Label{{Label: "b"}}) })
			} else {
				err = bulk.Create(ctx, db, []Label{{Label: "b"}})
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "42804" {
				t.Fatalf("stale entry: want a 42804 datatype mismatch, got %v", err)
			}
			if n := mustCount(t, ctx, db, "labels"); n != 1 {
				t.Fatalf("%d rows after the failed call", n)
			}
			log := ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { // the INSERT, after reading the catalog again
				if err := bulk.Create(ctx, db, []Label{{Label: "b"}}); err != nil {
					t.Fatal(err)
				}
			})
			if log.CatalogStatements() != 1 {
				t.Fatalf("the stale entry was not dropped: %s", log)
			}
			if n := mustCount(t, ctx, db, "labels"); n != 2 {
				t.Fatalf("%d rows", n)
			}
		})
	}
}

// Label is the model of the labels table.
type Label struct {
	ID    int64
	Label string
}

// The catalog entry lives on the orm.DB handle: a DB and the transactions it makes
// share it, another DB on the same pool does not, and a bare pool or pgx.Tx has no
// cache and reads the catalog on every call.
func TestPrepare_cachedPerHandle(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	prepare := func(q bulk.Querier, want int) {
		t.Helper()
		log := ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
			if err := bulk.Prepare[User](ctx, q); err != nil {
				t.Fatal(err)
			}
		})
		if got := log.CatalogStatements(); got != want {
			t.Fatalf("%d catalog reads, want %d", got, want)
		}
	}
	prepare(db, 1)
	prepare(db, 0)
	if err := db.Tx(ctx, func(tx *orm.DB) error { prepare(tx, 0); return nil }); err != nil {
		t.Fatal(err)
	}
	other, err := orm.New(db.Pool()) // same pool, same database, another handle
	if err != nil {
		t.Fatal(err)
	}
	prepare(other, 1)
	prepare(other, 0)

	prepare(db.Pool(), 1)
	prepare(db.Pool(), 1)
	pgxTx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = pgxTx.Rollback(ctx) }()
	log := ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { // the INSERT, after reading the catalog
		if err := bulk.Create(ctx, pgxTx, makeUsers(2)); err != nil {
			t.Fatal(err)
		}
	})
	if log.CatalogStatements() != 1 {
		t.Fatalf("a bare transaction has no cache, so it reads the catalog: %s", log)
	}
	prepare(db.WithTx(pgxTx), 0) // the transaction, wrapped in db, uses db's cache
	if err := pgxTx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
}
