package advisor_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/advisor"
	"github.com/batchorm/batchorm/orm/ormtest"
)

const cleanupSchema = `CREATE TABLE things (id bigserial PRIMARY KEY, owner_id bigint NOT NULL, name text NOT NULL, deleted_at timestamptz);
INSERT INTO things (owner_id, name) SELECT g % 10, 'n' || g FROM generate_series(1, 100) g;
ANALYZE things`

// oneConn returns one connection of a fresh database, released at cleanup.
func oneConn(t *testing.T, ctx context.Context) *pgxpool.Conn {
	t.Helper()
	db := ormtest.New(t, ormtest.Schema(cleanupSchema))
	c, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Release)
	return c
}

// leftOver returns the advisor's prepared statements still on c, and fails unless c
// is idle, outside any transaction.
func leftOver(t *testing.T, ctx context.Context, c *pgxpool.Conn) int {
	t.Helper()
	if s := c.Conn().PgConn().TxStatus(); s != 'I' {
		t.Fatalf("connection left in transaction status %q, want idle", s)
	}
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'batchorm_advisor_%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A statement whose generic plan cannot be made (PREPARE does not plan, EXPLAIN
// EXECUTE does) leaves no prepared statement on the connection and no transaction.
func TestCheck_failedExplainDeallocates(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := oneConn(t, ctx)
	tests := map[string]advisor.Statement{
		"planning fails":         {SQL: "SELECT * FROM things WHERE id = 1/0"},
		"wrong number of values": {SQL: "SELECT * FROM things WHERE id = $1", Args: []any{1, 2}},
	}
	for name, st := range tests {
		_, err := advisor.Check(ctx, c.Conn(), []advisor.Statement{st}, advisor.Options{Prove: true})
		if err == nil {
			t.Errorf("%s: Check(%s) did not fail", name, st.SQL)
		}
		if n := leftOver(t, ctx, c); n != 0 {
			t.Errorf("%s: %d prepared statements left on the connection after %v", name, n, err)
		}
	}
	// And one that succeeds leaves none either.
	if _, err := advisor.Check(ctx, c.Conn(), []advisor.Statement{{SQL: "SELECT * FROM things WHERE owner_id = $1", Args: []any{1}}}, advisor.Options{Prove: true}); err != nil {
		t.Fatal(err)
	}
	if n := leftOver(t, ctx, c); n != 0 {
		t.Errorf("%d prepared statements left after a successful check", n)
	}
}

// A statement text of several statements is refused, not run: a COMMIT among them
// would end the transaction that keeps the proof from leaving anything behind.
func TestCheck_severalStatementsRefused(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := oneConn(t, ctx)
	for _, sql := range []string{
		"SELECT * FROM things WHERE owner_id = 1; COMMIT; CREATE TABLE leaked (x int)",
		"SELECT 1; COMMIT; CREATE TABLE leaked (x int)",
	} {
		_, err := advisor.Check(ctx, c.Conn(), []advisor.Statement{{SQL: sql}}, advisor.Options{Prove: true})
		if err == nil || !strings.Contains(err.Error(), "multiple commands") {
			t.Errorf("Check(%q) = %v, want the server's refusal of multiple commands", sql, err)
		}
		var leaked *string
		if err := c.QueryRow(ctx, "SELECT to_regclass('leaked')::text").Scan(&leaked); err != nil || leaked != nil {
			t.Fatalf("after Check(%q): table leaked exists (%v, %v)", sql, leaked, err)
		}
		if n := leftOver(t, ctx, c); n != 0 {
			t.Errorf("%d prepared statements left", n)
		}
	}
}

// The proof's transaction is rolled back when its function fails, panics or sees its
// context cancelled: the connection is idle (or closed, never returned mid-transaction)
// and the table it created is gone.
func TestInRollback_always(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := ormtest.New(t, ormtest.Schema(cleanupSchema))
	create := func(ctx context.Context, tx pgx.Tx) {
		if _, err := tx.Exec(ctx, "CREATE TABLE left_behind (x int)"); err != nil {
			t.Fatal(err)
		}
	}
	boom := errors.New("boom")
	tests := map[string]func(ctx context.Context, tx pgx.Tx) error{
		"success": func(ctx context.Context, tx pgx.Tx) error { create(ctx, tx); return nil },
		"error":   func(ctx context.Context, tx pgx.Tx) error { create(ctx, tx); return boom },
		"panic":   func(ctx context.Context, tx pgx.Tx) error { create(ctx, tx); panic(boom) },
	}
	for name, fn := range tests {
		c, err := db.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() { _ = recover() }()
			err = advisor.InRollback(ctx, c.Conn(), func(tx pgx.Tx) error { return fn(ctx, tx) })
		}()
		if name != "panic" && (err == nil) != (name == "success") {
			t.Errorf("%s: InRollback = %v", name, err)
		}
		if s := c.Conn().PgConn().TxStatus(); s != 'I' {
			t.Errorf("%s: connection in transaction status %q after InRollback, want idle", name, s)
		}
		c.Release()
	}
	// Cancelled while the transaction is open: pgx closes the connection or rolls
	// back; the pool never hands out a connection in a transaction.
	cctx, ccancel := context.WithCancel(ctx)
	c, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = advisor.InRollback(cctx, c.Conn(), func(tx pgx.Tx) error {
		create(cctx, tx)
		ccancel()
		_, err := tx.Exec(cctx, "SELECT pg_sleep(5)")
		return err
	})
	if err == nil {
		t.Error("cancelled InRollback returned nil")
	}
	if !c.Conn().IsClosed() && c.Conn().PgConn().TxStatus() != 'I' {
		t.Errorf("cancelled: connection open in transaction status %q", c.Conn().PgConn().TxStatus())
	}
	c.Release()
	var left *string
	if err := db.QueryRow(ctx, "SELECT to_regclass('left_behind')::text").Scan(&left); err != nil || left != nil {
		t.Errorf("table created in the rolled-back transaction exists: %v %v", left, err)
	}
}
