package faults_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// A query past its deadline returns promptly with context.DeadlineExceeded, the
// server stops running it, and the pool hands out a working connection next.
func TestDeadline_returnsPromptlyAndCancelsOnTheServer(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(entriesDDL))
	ctx := testCtx(t)
	mustInsert(t, ctx, db)
	// The best of three tries, so that a busy machine's scheduling delay is not taken
	// for a deadline that does not interrupt the query (which would take the full 5 s).
	var lates []time.Duration
	for range 3 {
		qctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		start := time.Now()
		_, err := orm.Query[Entry](db).Where("pg_sleep(5) IS NOT NULL").All(qctx)
		late := time.Since(start) - 100*time.Millisecond
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want context.DeadlineExceeded, got %v", err)
		}
		if lates = append(lates, late); late <= 50*time.Millisecond {
			break
		}
	}
	if best := slices.Min(lates); best > 50*time.Millisecond {
		t.Errorf("returned %v after the deadline, want within 50ms", lates)
	}
	poll(t, ctx, "the server to stop the cancelled query", func() (struct{}, bool) {
		var n int
		err := db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE '%pg_sleep(5)%' AND state = 'active' AND pid <> pg_backend_pid()`).Scan(&n)
		return struct{}{}, err == nil && n == 0
	})
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		if n, err := orm.Query[Entry](db).Count(ctx); err != nil || n != 1 {
			t.Fatalf("after the deadline: %d, %v", n, err)
		}
	})
}

// A backend killed during a SELECT gives a typed error; the pool replaces the
// connection by itself.
func TestKilledBackend_duringSelect(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(entriesDDL), ormtest.Schema(stallDDL))
	ctx := testCtx(t)
	mustInsert(t, ctx, db)
	done := make(chan error, 1)
	go func() {
		_, err := orm.Query[Entry](db).Where("pg_sleep(30) IS NOT NULL").All(ctx)
		done <- err
	}()
	pid := awaitSleeper(t, ctx, db)
	if _, err := db.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !orm.IsConnLost(err) {
		t.Fatalf("want a lost-connection error, got %v", err)
	}
	if n := countEntries(t, ctx, db); n != 1 {
		t.Fatalf("count %d", n)
	}
}

// 64 goroutines share a pool of 4: every call succeeds (waiting for a connection
// within its deadline), no more than 4 connections are opened, and none stays
// acquired afterwards.
func TestPoolSaturation(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(entriesDDL), ormtest.MaxConns(4))
	ctx := testCtx(t)
	seed := entries(50, func(i int) string { return fmt.Sprint("e", i) })
	for i := range seed {
		if err := orm.Insert(ctx, db, &seed[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Go(func() {
			for i := range 20 {
				opCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
				rows, err := orm.Query[Entry](db).Where(orm.Eq{"writer": (g + i) % 7}).OrderBy("id").All(opCtx)
				cancel()
				if err == nil && len(rows) == 0 {
					err = errors.New("no rows")
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := db.Pool().Stat()
	if st.TotalConns() > 4 || st.AcquiredConns() != 0 {
		t.Fatalf("pool after the burst: %d connections, %d acquired", st.TotalConns(), st.AcquiredConns())
	}
}
