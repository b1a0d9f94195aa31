package orm_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/orm"
)

// DB.Stats counts by the fixed rules: a batch of k statements is k statements and one
// round trip; transaction control is a round trip but not a statement.
func TestDB_Stats_countsByTheRules(t *testing.T) {
	t.Parallel()
	db := newDB(t) // a pool of its own: nothing else sends on it
	ctx := testCtx(t)
	before := db.Stats()
	b := &pgx.Batch{}
	for range 3 {
		b.Queue("SELECT 1")
	}
	if err := db.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	err := db.Tx(ctx, func(tx *orm.DB) error { _, err := tx.Exec(ctx, "SELECT 2"); return err })
	if err != nil {
		t.Fatal(err)
	}
	_, _ = db.Exec(ctx, "SELECT nope")
	got := db.Stats()
	want := orm.Stats{
		Statements: before.Statements + 3 + 1 + 1 + 1, // batch, exec, the statement in the tx, the failing one
		RoundTrips: before.RoundTrips + 1 + 1 + 3 + 1, // batch, exec, BEGIN + statement + COMMIT, the failing one
		Errors:     before.Errors + 1,
	}
	if got != want {
		t.Fatalf("Stats %+v, want %+v (before: %+v)", got, want, before)
	}
}

// A panic inside Tx rolls back and gives the connection back to the pool before the
// panic goes on: no connection stays acquired (checked here directly, not only by
// counting rows on another connection, which could not see an uncommitted row).
func TestTx_panicReleasesTheConnection(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Errorf("recovered %v, want the panic to go on", p)
			}
		}()
		_ = db.Tx(ctx, func(tx *orm.DB) error {
			if err := orm.Insert(ctx, tx, &User{Name: "dropped"}); err != nil {
				t.Error(err)
			}
			panic("kaboom")
		})
	}()
	if n := db.Pool().Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connection(s) still acquired after a panic in Tx: the transaction was not rolled back", n)
	}
	if n, err := orm.Query[User](db).Count(ctx); err != nil || n != 0 {
		t.Fatalf("after the panic: %d rows, %v", n, err)
	}
}

// WithTx runs batchorm on a transaction the caller began with pgx and still owns.
func TestDB_WithTx(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	tx, err := db.Pool().BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	tdb := db.WithTx(tx)
	if !tdb.InTx() {
		t.Fatal("InTx false on WithTx")
	}
	if err := orm.Insert(ctx, tdb, &User{Name: "in tx"}); err != nil {
		t.Fatal(err)
	}
	if n, err := orm.Query[User](tdb).Count(ctx); err != nil || n != 1 {
		t.Fatalf("inside the tx: %d, %v", n, err)
	}
	if n, err := orm.Query[User](db).Count(ctx); err != nil || n != 0 {
		t.Fatalf("outside the tx before commit: %d, %v", n, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := orm.Query[User](db).Count(ctx); err != nil || n != 0 {
		t.Fatalf("after rollback: %d, %v", n, err)
	}
}
