package pgbouncertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestTx_commit(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	warmBulk(t, ctx, db)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 3, TxStatements: 2}, func(ctx context.Context) {
		err := db.Tx(ctx, func(tx *orm.DB) error {
			a := Author{Name: "new author"}
			if err := orm.Insert(ctx, tx, &a); err != nil {
				return err
			}
			books := []Book{{AuthorID: a.ID, Title: "tx-1", Year: 2020}, {AuthorID: a.ID, Title: "tx-2", Year: 2021}}
			if err := bulk.Create(ctx, tx, books); err != nil {
				return err
			}
			n, err := orm.Query[Book](tx).Where(orm.Eq{"author_id": a.ID}).Count(ctx)
			if err != nil || n != 2 {
				t.Errorf("inside the transaction: %d books, %v", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books b JOIN authors a ON a.id = b.author_id WHERE a.name = 'new author'"); n != 2 {
		t.Errorf("%d books committed, want 2", n)
	}
}

func TestTx_rollbackOnError(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	errStop := errors.New("stop")
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1, TxStatements: 2}, func(ctx context.Context) {
		err := db.Tx(ctx, func(tx *orm.DB) error {
			if _, err := orm.Query[Book](tx).Where(orm.AllRows).DeleteAll(ctx); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			t.Fatalf("Tx = %v, want errStop", err)
		}
	})
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books"); n != bookCount {
		t.Errorf("%d books after the rollback, want %d", n, bookCount)
	}
}

func TestTx_rollbackOnPanic(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the re-panicked boom", r)
			}
		}()
		_ = db.Tx(ctx, func(tx *orm.DB) error {
			if _, err := tx.Exec(ctx, "UPDATE books SET stock = 99"); err != nil {
				t.Error(err)
			}
			panic("boom")
		})
	}()
	// The rollback returned the connection at once (PgBouncer gives the server
	// connection back to its pool too).
	if n := db.Pool().Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections acquired after the panic", n)
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE stock = 99"); n != 0 {
		t.Errorf("%d rows kept the update of the panicking transaction", n)
	}
}

// SET LOCAL is the way to give one transaction a timeout through PgBouncer: it ends
// with the transaction, so the server connection goes back to the pool without it.
func TestTx_setLocalStatementTimeout(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	err := db.Tx(ctx, func(tx *orm.DB) error {
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '50ms'"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "SELECT pg_sleep(0.3)")
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("Tx = %v, want the statement cancelled by the local timeout (57014)", err)
	}
	for range 4 { // whichever server connection comes next has no such limit
		if _, err := db.Exec(ctx, "SELECT pg_sleep(0.06)"); err != nil {
			t.Fatalf("after the transaction: %v", err)
		}
	}
}

func TestTx_nestedSavepoint(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	errInner := errors.New("inner")
	err := db.Tx(ctx, func(tx *orm.DB) error {
		if _, err := orm.Query[Book](tx).Where(orm.Eq{"id": 1}).UpdateAll(ctx, orm.Set{"stock": 1}); err != nil {
			return err
		}
		if err := tx.Tx(ctx, func(inner *orm.DB) error {
			if _, err := orm.Query[Book](inner).Where(orm.Eq{"id": 2}).UpdateAll(ctx, orm.Set{"stock": 2}); err != nil {
				return err
			}
			return errInner
		}); !errors.Is(err, errInner) {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := mustCount(t, ctx, db, "SELECT count(*) FROM books WHERE (id = 1 AND stock = 1) OR (id = 2 AND stock = 0)"); n != 2 {
		t.Errorf("outer update kept and inner one rolled back: %d of 2 rows as expected", n)
	}
}
