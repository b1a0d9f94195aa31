package bulk_test

import (
	"testing"

	"github.com/batchorm/batchorm/bulk"
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
