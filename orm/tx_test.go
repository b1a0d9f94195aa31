package orm_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestTx_options(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	show := func(tx *orm.DB, setting string) string {
		var v string
		if err := tx.QueryRow(ctx, "SHOW "+setting).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	err := db.Tx(ctx, func(tx *orm.DB) error {
		if got := show(tx, "transaction_isolation"); got != "serializable" {
			t.Errorf("isolation %q", got)
		}
		if got := show(tx, "transaction_read_only"); got != "on" {
			t.Errorf("read only %q", got)
		}
		if got := show(tx, "transaction_deferrable"); got != "on" {
			t.Errorf("deferrable %q", got)
		}
		return nil
	}, orm.Isolation(pgx.Serializable), orm.ReadOnly(), orm.Deferrable())
	if err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(tx *orm.DB) error { return orm.Insert(ctx, tx, &User{Name: "x"}) }, orm.ReadOnly())
	if err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Fatalf("write in a read-only transaction: %v", err)
	}
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		for name, opts := range map[string][]orm.TxOption{
			"zero attempts": {orm.Retry(0)},
			"nil option":    {nil},
		} {
			if err := db.Tx(ctx, func(*orm.DB) error { return nil }, opts...); err == nil {
				t.Errorf("%s accepted", name)
			}
		}
		err := db.Tx(ctx, func(tx *orm.DB) error {
			return tx.Tx(ctx, func(*orm.DB) error { return nil }, orm.ReadOnly())
		})
		if err == nil || !strings.Contains(err.Error(), "savepoint") {
			t.Errorf("options on a savepoint: %v", err)
		}
	})
}

// Two serializable transactions that each read what the other writes: one fails with
// a serialization failure and Retry runs it again, once.
func TestTx_retriesSerializationFailures(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schema), ormtest.MaxConns(4))
	ctx := testCtx(t)
	var attempts atomic.Int32
	var bothRead sync.WaitGroup
	bothRead.Add(2)
	first := make([]atomic.Bool, 2)
	work := func(i int) error {
		return db.Tx(ctx, func(tx *orm.DB) error {
			attempts.Add(1)
			n, err := orm.Query[User](tx).Count(ctx)
			if err != nil {
				return err
			}
			if !first[i].Swap(true) { // only the first attempts meet: the retry runs alone
				bothRead.Done()
				bothRead.Wait()
			}
			return orm.Insert(ctx, tx, &User{Name: fmt.Sprintf("seen %d", n)})
		}, orm.Isolation(pgx.Serializable), orm.Retry(5))
	}
	errs := make(chan error, 2)
	for i := range 2 {
		go func() { errs <- work(i) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := attempts.Load(); got != 3 {
		t.Errorf("%d attempts, want 3 (one retry)", got)
	}
	names, err := orm.Raw[string](ctx, db, "SELECT name FROM users ORDER BY name")
	if err != nil || fmt.Sprint(names) != "[seen 0 seen 1]" {
		t.Fatalf("rows %v, %v: the retry must have seen the other's row", names, err)
	}
	// Without Retry the failure comes back, recognisable.
	_, err = db.Exec(ctx, "DELETE FROM users")
	if err != nil {
		t.Fatal(err)
	}
	bothRead.Add(2)
	first[0].Store(false)
	first[1].Store(false)
	noRetry := func(i int) error {
		return db.Tx(ctx, func(tx *orm.DB) error {
			if _, err := orm.Query[User](tx).Count(ctx); err != nil {
				return err
			}
			if !first[i].Swap(true) {
				bothRead.Done()
				bothRead.Wait()
			}
			return orm.Insert(ctx, tx, &User{Name: "x"})
		}, orm.Isolation(pgx.Serializable))
	}
	for i := range 2 {
		go func() { errs <- noRetry(i) }()
	}
	failed := 0
	for range 2 {
		if err := <-errs; err != nil {
			if !orm.IsRetryable(err) {
				t.Fatalf("want a retryable error, got %v", err)
			}
			failed++
		}
	}
	if failed != 1 {
		t.Fatalf("%d transactions failed, want 1", failed)
	}
}

// A COMMIT that never answers (here: held in a deferred trigger until the context
// ends) has an unknown outcome; Tx says so and does not retry it.
func TestTx_commitOutcomeUnknown(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schema), ormtest.Schema(`
CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER stall_commit AFTER INSERT ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION stall();`))
	ctx, cancel := context.WithTimeout(testCtx(t), 300*time.Millisecond)
	defer cancel()
	var attempts int
	err := db.Tx(ctx, func(tx *orm.DB) error {
		attempts++
		return orm.Insert(testCtx(t), tx, &User{Name: "maybe"})
	}, orm.Retry(3))
	if !errors.Is(err, orm.ErrCommitUnknown) {
		t.Fatalf("want ErrCommitUnknown, got %v", err)
	}
	if attempts != 1 {
		t.Fatalf("%d attempts: an unknown commit must not be retried", attempts)
	}
}

func TestErrorPredicates(t *testing.T) {
	for name, tc := range map[string]struct {
		err                 error
		retryable, connLost bool
	}{
		"serialization": {&pgconn.PgError{Code: "40001"}, true, false},
		"deadlock":      {fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40P01"}), true, false},
		"unique":        {&pgconn.PgError{Code: "23505"}, false, false},
		"admin stop":    {&pgconn.PgError{Code: "57P01"}, false, true},
		"starting up":   {&pgconn.PgError{Code: "57P03"}, false, true},
		"class 08":      {&pgconn.PgError{Code: "08006"}, false, true},
		"eof":           {fmt.Errorf("read: %w", io.ErrUnexpectedEOF), false, true},
		"connect":       {&pgconn.ConnectError{}, false, true},
		"canceled":      {context.Canceled, false, false},
		"nil":           {nil, false, false},
	} {
		if got := orm.IsRetryable(tc.err); got != tc.retryable {
			t.Errorf("%s: IsRetryable %v", name, got)
		}
		if got := orm.IsConnLost(tc.err); got != tc.connLost {
			t.Errorf("%s: IsConnLost %v", name, got)
		}
	}
}

// A COMMIT of a transaction that an error aborted answers ROLLBACK: the outcome is
// known, so it is not ErrCommitUnknown.
func TestTx_commitOfAbortedTransactionIsKnown(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	err := db.Tx(ctx, func(tx *orm.DB) error {
		_, _ = tx.Exec(ctx, "SELECT nope") // the error is swallowed; the transaction is aborted
		return nil
	})
	if err == nil || errors.Is(err, orm.ErrCommitUnknown) || !errors.Is(err, pgx.ErrTxCommitRollback) {
		t.Fatalf("want pgx.ErrTxCommitRollback (a known rollback), got %v", err)
	}
}
