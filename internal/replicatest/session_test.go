package replicatest_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/orm"
)

// TestSession_batchWithItsOwnTransaction: a raw batch that brings its own BEGIN and
// COMMIT, sent in a session, records the position after its COMMIT in the same round
// trip, so the session's read sees it while replay is paused.
func TestSession_batchWithItsOwnTransaction(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{MaxWait: 20e6}, replicas[0], replicas[1])
	it := Item{Name: "batch"}
	if err := orm.Insert(ctx, db, &it); err != nil {
		t.Fatal(err)
	}
	mustCatchUp(t, ctx)
	mustPause(t, ctx)

	sctx, sess := db.WithSession(ctx)
	lctx, log := orm.WithQueryLog(sctx)
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("UPDATE items SET name = 'batch-updated' WHERE id = $1", it.ID)
	b.Queue("COMMIT")
	if err := db.SendBatch(lctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	// One batch (one round trip): BEGIN, UPDATE, COMMIT and the position read. (The
	// query log numbers a batch that starts with BEGIN as round trip 0.)
	if log.Statements() != 1 || log.TxStatements() != 2 || log.CatalogStatements() != 1 || len(log.Entries()) != 4 {
		t.Fatalf("a batch with its own transaction: want BEGIN, UPDATE, COMMIT and the position read in one batch, got %s", log)
	}
	if !sess.Wrote() {
		t.Fatalf("a batch with its own BEGIN/COMMIT in a session recorded no position (read-your-writes broken): %s", log)
	}
	got, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(sctx)
	if err != nil || got.Name != "batch-updated" {
		t.Fatalf("session read after the batch: %+v, %v; want its own write", got, err)
	}
	stale, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(ctx)
	if err != nil || stale.Name != "batch" {
		t.Fatalf("read without the session: %+v, %v; want the paused replica's stale row", stale, err)
	}
}

// TestSession_rawQueryIsAWrite: DB.Query (like DB.Exec) cannot tell a read from a
// write (INSERT ... RETURNING), so in a session it goes to the primary with COMMIT and
// the position pipelined behind it: one round trip, and the session then covers what
// it wrote. A raw read that should go to a replica uses orm.Raw with orm.AsRead.
func TestSession_rawQueryIsAWrite(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{MaxWait: 20e6}, replicas[0], replicas[1])
	mustCatchUp(t, ctx)
	mustPause(t, ctx)

	sctx, sess := db.WithSession(ctx)
	lctx, log := orm.WithQueryLog(sctx)
	var id int64
	if err := db.QueryRow(lctx, "INSERT INTO items (name) VALUES ('raw') RETURNING id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if log.RoundTrips() != 1 || log.Statements() != 1 || !sess.Wrote() {
		t.Fatalf("raw INSERT ... RETURNING in a session: want 1 statement in 1 round trip and a position, got %s (wrote %v)", log, sess.Wrote())
	}
	got, err := orm.Query[Item](db).Where(orm.Eq{"id": id}).One(sctx)
	if err != nil || got.Name != "raw" {
		t.Fatalf("session read after a raw INSERT ... RETURNING: %+v, %v; want its own write", got, err)
	}
	if inRecovery(t, orm.AsRead(ctx), db) != true {
		t.Fatal("orm.Raw with AsRead outside a session ran on the primary, want a replica")
	}
}

// A transaction's handle signs and checks session tokens with the DB's key.
func TestSession_tokenKeyInTransactions(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{TokenKey: []byte("secret")}, replicas[0])
	_, s := db.WithSession(ctx)
	signed := s.Token()
	err := db.Tx(ctx, func(tx *orm.DB) error {
		_, ts := tx.WithSession(ctx)
		if ts.Token() != signed {
			t.Errorf("a transaction's session token %q, the DB's %q: not signed with the same key", ts.Token(), signed)
		}
		if _, _, err := tx.ResumeSession(ctx, signed); err != nil {
			t.Errorf("a transaction's handle refuses the DB's signed token: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
