package orm_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/orm"
)

func TestQueryLog_countingRules(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	base := testCtx(t)
	tests := map[string]struct {
		run                  func(ctx context.Context) error
		stmts, trips, txStmt int
		kinds                []orm.StatementKind
	}{
		"exec": {
			run:   func(ctx context.Context) error { _, err := db.Exec(ctx, "SELECT 1"); return err },
			stmts: 1, trips: 1, kinds: []orm.StatementKind{orm.KindQuery},
		},
		"query row": {
			run:   func(ctx context.Context) error { var n int; return db.QueryRow(ctx, "SELECT $1::int", 1).Scan(&n) },
			stmts: 1, trips: 1, kinds: []orm.StatementKind{orm.KindQuery},
		},
		"batch of three is one round trip": {
			run: func(ctx context.Context) error {
				b := &pgx.Batch{}
				b.Queue("SELECT 1")
				b.Queue("SELECT 2")
				b.Queue("SELECT 3")
				return db.SendBatch(ctx, b).Close()
			},
			stmts: 3, trips: 1, kinds: []orm.StatementKind{orm.KindBatch, orm.KindBatch, orm.KindBatch},
		},
		"copy": {
			run: func(ctx context.Context) error {
				_, err := db.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"name"}, pgx.CopyFromRows([][]any{{"a"}, {"b"}}))
				return err
			},
			stmts: 1, trips: 1, kinds: []orm.StatementKind{orm.KindCopy},
		},
		"transaction control counted apart": {
			run: func(ctx context.Context) error {
				return db.Tx(ctx, func(tx *orm.DB) error { _, err := tx.Exec(ctx, "SELECT 1"); return err })
			},
			stmts: 1, trips: 1, txStmt: 2, kinds: []orm.StatementKind{orm.KindTx, orm.KindQuery, orm.KindTx},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx, log := orm.WithQueryLog(base)
			if err := tc.run(ctx); err != nil {
				t.Fatal(err)
			}
			if log.Statements() != tc.stmts || log.RoundTrips() != tc.trips || log.TxStatements() != tc.txStmt {
				t.Errorf("got %d/%d/%d, want %d/%d/%d: %s", log.Statements(), log.RoundTrips(), log.TxStatements(), tc.stmts, tc.trips, tc.txStmt, log)
			}
			var kinds []orm.StatementKind
			for _, e := range log.Entries() {
				kinds = append(kinds, e.Kind)
			}
			if !equalKinds(kinds, tc.kinds) {
				t.Errorf("kinds %v, want %v", kinds, tc.kinds)
			}
		})
	}
}

func equalKinds(a, b []orm.StatementKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestQueryLog_scopedAndNested(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	outerCtx, outer := orm.WithQueryLog(ctx)
	innerCtx, inner := orm.WithQueryLog(outerCtx)
	if _, err := db.Exec(innerCtx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(outerCtx, "SELECT 2"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, "SELECT 3"); err != nil { // no log: not recorded anywhere
		t.Fatal(err)
	}
	if inner.Statements() != 1 || outer.Statements() != 2 {
		t.Fatalf("inner %d outer %d", inner.Statements(), outer.Statements())
	}
	if got := outer.SQL(); len(got) != 2 || got[0] != "SELECT 1" || got[1] != "SELECT 2" {
		t.Fatalf("outer SQL %q", got)
	}
	e := outer.Entries()[0]
	if e.Rows != 1 || e.Args != 0 || e.Duration <= 0 || e.RoundTrip != 1 {
		t.Errorf("entry %+v", e)
	}
	_, err := db.Exec(outerCtx, "SELECT nope")
	if err == nil || outer.Entries()[2].Err == nil || !strings.Contains(outer.String(), "error:") {
		t.Errorf("error not recorded: %s", outer)
	}
	before := db.Stats()
	if _, err := db.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if after := db.Stats(); after.Statements < before.Statements+1 || after.RoundTrips < before.RoundTrips+1 {
		t.Errorf("totals did not move: %+v -> %+v", before, after)
	}
	outer.Reset()
	if outer.Statements() != 0 || len(outer.Entries()) != 0 {
		t.Errorf("reset: %s", outer)
	}
}

func TestTx(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	count := func() int64 {
		n, err := orm.Query[User](db).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Commit on nil.
	err := db.Tx(ctx, func(tx *orm.DB) error {
		if !tx.InTx() {
			t.Error("InTx false inside Tx")
		}
		return orm.Insert(ctx, tx, &User{Name: "kept"})
	})
	if err != nil || count() != 1 {
		t.Fatalf("commit: %v, %d rows", err, count())
	}
	// Roll back on error, which comes back unchanged.
	boom := errors.New("boom")
	err = db.Tx(ctx, func(tx *orm.DB) error {
		if err := orm.Insert(ctx, tx, &User{Name: "dropped"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || count() != 1 {
		t.Fatalf("rollback: %v, %d rows", err, count())
	}
	// Roll back on panic, then re-panic.
	func() {
		defer func() {
			if p := recover(); p != "kaboom" {
				t.Errorf("recovered %v", p)
			}
		}()
		_ = db.Tx(ctx, func(tx *orm.DB) error {
			_ = orm.Insert(ctx, tx, &User{Name: "dropped"})
			panic("kaboom")
		})
	}()
	if count() != 1 {
		t.Fatalf("panic did not roll back: %d rows", count())
	}
	// Nested Tx is a savepoint: the inner failure rolls back only the inner work.
	err = db.Tx(ctx, func(tx *orm.DB) error {
		if err := orm.Insert(ctx, tx, &User{Name: "outer"}); err != nil {
			return err
		}
		_ = tx.Tx(ctx, func(inner *orm.DB) error {
			_ = orm.Insert(ctx, inner, &User{Name: "inner"})
			return boom
		})
		return nil
	})
	if err != nil || count() != 2 {
		t.Fatalf("savepoint: %v, %d rows", err, count())
	}
	if err := db.Tx(ctx, nil); err == nil {
		t.Error("nil fn accepted")
	}
}

func TestNew_refusesUntracedPool(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	if _, err := orm.New(nil); err == nil {
		t.Error("nil pool accepted")
	}
	untraced, err := pgxpool.New(testCtx(t), db.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer untraced.Close()
	if _, err := orm.New(untraced); !errors.Is(err, orm.ErrUntracedPool) {
		t.Errorf("untraced pool: %v", err)
	}
	if _, err := orm.New(untraced, orm.WithoutQueryLog()); err != nil {
		t.Errorf("untraced pool with WithoutQueryLog: %v", err)
	}
	// A pool with the tracer is accepted and shares the totals.
	db2, err := orm.New(db.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if db2.Stats().RoundTrips != db.Stats().RoundTrips {
		t.Error("different totals for one pool")
	}
}
