package replicatest_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/batchorm/batchorm/orm"
)

// TestRouting_readsToReplicasWritesToPrimary: queries outside a transaction run on a
// replica, Raw and transactions on the primary, OnPrimary and AsRead steer.
func TestRouting_readsToReplicasWritesToPrimary(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{}, replicas[0], replicas[1])
	it := Item{Name: "routing"}
	if err := orm.Insert(ctx, db, &it); err != nil {
		t.Fatal(err)
	}
	mustCatchUp(t, ctx)

	before := db.RouteStats()
	for range 4 {
		got, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).All(ctx)
		if err != nil || len(got) != 1 || got[0].Name != "routing" {
			t.Fatalf("routed read: %v, %v; want the inserted row", got, err)
		}
	}
	after := db.RouteStats()
	if d := replicaReads(after) - replicaReads(before); d != 4 {
		t.Fatalf("4 queries: %d went to replicas (%+v), want all 4", d, after)
	}
	if after.PrimaryReads != before.PrimaryReads {
		t.Fatalf("queries without a session went to the primary: %+v", after)
	}
	if slices.Contains(after.ReplicaReads, 0) {
		t.Fatalf("reads not shared between replicas: %+v", after.ReplicaReads)
	}
	if !inRecovery(t, orm.AsRead(ctx), db) {
		t.Fatal("Raw with AsRead ran on the primary, want a replica")
	}
	if inRecovery(t, ctx, db) {
		t.Fatal("Raw without AsRead ran on a replica, want the primary")
	}
	if inRecovery(t, orm.OnPrimary(orm.AsRead(ctx)), db) {
		t.Fatal("OnPrimary read ran on a replica")
	}
	err := db.Tx(ctx, func(tx *orm.DB) error {
		if inRecovery(t, orm.AsRead(ctx), tx) {
			t.Error("read in a transaction ran on a replica")
		}
		n, err := orm.Query[Item](tx).Where(orm.Eq{"id": it.ID}).Count(ctx)
		if err != nil || n != 1 {
			t.Errorf("count in transaction: %d, %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := replicaReads(db.RouteStats()) - replicaReads(after); d != 1 {
		t.Fatalf("after the AsRead read, %d more replica reads, want 1 (transaction reads stay on the transaction)", d)
	}
}

// TestSession_readYourWrites: with replay paused on every replica, a read in the
// session that wrote sees the write (from the primary, after MaxWait); a read without
// the session reads the replica's stale data; the write added no round trip; the
// token carries the session; resumed replay sends the session's reads back to a
// replica.
func TestSession_readYourWrites(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{MaxWait: 50e6}, replicas[0], replicas[1])
	mustPause(t, ctx)

	sctx, sess := db.WithSession(ctx)
	lctx, log := orm.WithQueryLog(sctx)
	it := Item{Name: "ryw"}
	if err := orm.Insert(lctx, db, &it); err != nil {
		t.Fatal(err)
	}
	if log.RoundTrips() != 1 || log.Statements() != 1 {
		t.Fatalf("an insert in a session: want 1 statement in 1 round trip, got %s", log)
	}
	if !sess.Wrote() {
		t.Fatalf("the session recorded no position after the insert: %s", log)
	}

	stale, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 0 {
		t.Fatalf("a read without the session found the row on a paused replica: %v (routing is not reaching the replica)", stale)
	}

	before := db.RouteStats()
	got, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(sctx)
	if err != nil {
		t.Fatalf("read in the session that wrote: %v (read-your-writes broken)", err)
	}
	if got.Name != "ryw" {
		t.Fatalf("read in the session: %+v", got)
	}
	if db.RouteStats().PrimaryReads != before.PrimaryReads+1 {
		t.Fatalf("with replay paused, the session's read should fall back to the primary: %+v", db.RouteStats())
	}

	// The token carries the position to another request.
	rctx, _, err := db.ResumeSession(ctx, sess.Token())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(rctx); err != nil {
		t.Fatalf("read in a resumed session: %v", err)
	}
	for _, forged := range []string{"s1.zz", "s2.10", "s1.", "s1.10.c2ln", "x", string(make([]byte, 200))} {
		if _, _, err := db.ResumeSession(ctx, forged); !errors.Is(err, orm.ErrInvalidSessionToken) {
			t.Errorf("ResumeSession(%q): %v, want ErrInvalidSessionToken", forged, err)
		}
	}

	for _, r := range replicas {
		if err := r.ResumeReplay(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mustCatchUp(t, ctx)
	before = db.RouteStats()
	if _, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(sctx); err != nil {
		t.Fatal(err)
	}
	if after := db.RouteStats(); replicaReads(after) != replicaReads(before)+1 {
		t.Fatalf("after replay resumed, the session's read should go to a replica: %+v", after)
	}
}

// TestSession_transactionAndBulkWrites: a transaction's COMMIT and an UpdateAll in a
// session record the position with no extra round trip, and the session's reads see
// them while replay is paused.
func TestSession_transactionAndBulkWrites(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{MaxWait: 20e6}, replicas[0], replicas[1])
	it := Item{Name: "tx"}
	if err := orm.Insert(ctx, db, &it); err != nil {
		t.Fatal(err)
	}
	mustCatchUp(t, ctx)
	mustPause(t, ctx)

	sctx, sess := db.WithSession(ctx)
	lctx, log := orm.WithQueryLog(sctx)
	err := db.Tx(lctx, func(tx *orm.DB) error {
		it.Name = "tx-updated"
		return orm.Update(lctx, tx, &it, "Name")
	})
	if err != nil {
		t.Fatal(err)
	}
	if log.RoundTrips() != 1 || log.Statements() != 1 || log.TxStatements() != 2 {
		t.Fatalf("a transaction in a session: want 1 data round trip and BEGIN + COMMIT, got %s", log)
	}
	if !sess.Wrote() {
		t.Fatalf("COMMIT recorded no position: %s", log)
	}
	got, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(sctx)
	if err != nil || got.Name != "tx-updated" {
		t.Fatalf("session read after a transaction: %+v, %v", got, err)
	}
	stale, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(ctx)
	if err != nil || stale.Name != "tx" {
		t.Fatalf("read without the session: %+v, %v; want the replica's stale row", stale, err)
	}

	log.Reset()
	n, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).UpdateAll(lctx, orm.Set{"name": "all"})
	if err != nil || n != 1 {
		t.Fatalf("UpdateAll: %d, %v", n, err)
	}
	if log.RoundTrips() != 1 || log.Statements() != 1 {
		t.Fatalf("UpdateAll in a session: want 1 statement in 1 round trip, got %s", log)
	}
	got, err = orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(sctx)
	if err != nil || got.Name != "all" {
		t.Fatalf("session read after UpdateAll: %+v, %v", got, err)
	}
}
