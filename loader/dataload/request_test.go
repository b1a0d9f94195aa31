package dataload_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// TestRequest_twoModels_oneRoundTrip: loaders of two models whose windows close
// together share one round trip (a pgx batch of two statements).
func TestRequest_twoModels_oneRoundTrip(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	comments := mustRelation[Post, Comment](t, "Comments")
	errs := make([]error, 200)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 1}, func(ctx context.Context) {
		rctx := mustRequest(t, ctx, db, dataload.WithWait(roundWait))
		runAll(200, func(i int) {
			if i%2 == 0 {
				_, errs[i] = authors.Load(rctx, int64(i+1))
			} else {
				_, errs[i] = comments.Load(rctx, int64(i+1))
			}
		})
	})
	for i, err := range errs {
		if err != nil && !errors.Is(err, dataload.ErrNotFound) {
			t.Errorf("load %d: %v", i, err)
		}
	}
}

// TestRequest_concurrentRequests_neverShare: two requests loading at the same time
// never share a statement: each statement carries the keys of one request only, and
// each request's query log holds its own statements.
func TestRequest_concurrentRequests_neverShare(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	type req struct {
		rec  *recorder
		keys []int64
		log  *orm.QueryLog
	}
	reqs := []*req{{rec: &recorder{q: db}}, {rec: &recorder{q: db}}}
	for k := int64(1); k <= 400; k++ {
		r := reqs[k%2]
		r.keys = append(r.keys, k)
	}
	runAll(len(reqs), func(i int) {
		r := reqs[i]
		lctx, log := orm.WithQueryLog(ctx)
		r.log = log
		rctx := mustRequest(t, lctx, r.rec, dataload.WithWait(50*time.Millisecond), dataload.WithMaxBatch(64))
		runAll(len(r.keys), func(j int) {
			if _, err := authors.Load(rctx, r.keys[j]); err != nil && !errors.Is(err, dataload.ErrNotFound) {
				t.Error(err)
			}
		})
	})
	for i, r := range reqs {
		if got := r.rec.keys(); !slices.Equal(got, r.keys) {
			t.Errorf("request %d sent keys %v, want only its own %v", i, got, r.keys)
		}
		rows := 0
		for _, e := range r.log.Entries() {
			rows += int(e.Rows)
		}
		if rows > len(r.keys) || r.log.Statements() != len(r.rec.args) {
			t.Errorf("request %d: its log holds %d statements reading %d rows for %d keys\n%s", i, r.log.Statements(), rows, len(r.keys), r.log)
		}
	}
}

// TestRequest_failingStatement: a statement that fails fails its own keys only: the
// loader of another model in the same round trip gets its rows (its statement is sent
// again alone, as is the failing one), and another request is untouched.
func TestRequest_failingStatement(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	missing, err := dataload.Key[Missing, int64]()
	if err != nil {
		t.Fatal(err)
	}
	var errMissing, errAuthor, errOther error
	var got, other *Author
	// The query log counts a batch that failed to prepare as one round trip per statement.
	ormtest.AssertStatements(t, ctx, 4, func(ctx context.Context) {
		rctx := mustRequest(t, ctx, db, dataload.WithWait(roundWait))
		runAll(2, func(i int) {
			if i == 0 {
				_, errMissing = missing.Load(rctx, 1)
			} else {
				got, errAuthor = authors.Load(rctx, 1)
			}
		})
	})
	var pe *pgconn.PgError
	if !errors.As(errMissing, &pe) || pe.Code != "42P01" {
		t.Errorf("loading from a missing table: %v, want the *pgconn.PgError 42P01", errMissing)
	}
	if errAuthor != nil || got == nil || got.ID != 1 {
		t.Errorf("the other loader of the round trip: %+v, %v; want author 1", got, errAuthor)
	}
	rctx := mustRequest(t, ctx, db)
	if other, errOther = authors.Load(rctx, 2); errOther != nil || other.ID != 2 {
		t.Errorf("another request: %+v, %v", other, errOther)
	}
}

// TestRequest_cancel: a cancelled request sends nothing; a request cancelled while its
// statement waits returns at once with the context's error; a caller whose own context
// is cancelled returns at once while the others of its batch get their rows.
func TestRequest_cancel(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	ormtest.AssertCounts(t, cctx, ormtest.Counts{}, func(ctx context.Context) {
		if _, err := authors.Load(mustRequest(t, ctx, db), 1); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled request: %v, want context.Canceled", err)
		}
	})

	unlock := lockAuthors(t, ctx, db)
	rctx, cancelReq := context.WithCancel(ctx)
	rctx = mustRequest(t, rctx, db, dataload.WithWait(0))
	done := make(chan error, 1)
	go func() { _, err := authors.Load(rctx, 1); done <- err }()
	waitForLock(t, ctx, db)
	cancelReq()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("request cancelled during its statement: %v, want context.Canceled", err)
	}
	unlock()

	unlock = lockAuthors(t, ctx, db)
	rctx = mustRequest(t, ctx, db, dataload.WithWait(50*time.Millisecond))
	callerCtx, cancelCaller := context.WithCancel(rctx)
	results := make(chan error, 2)
	var kept *Author
	go func() { _, err := authors.Load(callerCtx, 1); results <- err }()
	go func() {
		var err error
		kept, err = authors.Load(rctx, 2)
		results <- err
	}()
	waitForLock(t, ctx, db)
	cancelCaller()
	if err := <-results; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v, want context.Canceled while the statement waits", err)
	}
	unlock()
	if err := <-results; err != nil || kept == nil || kept.ID != 2 {
		t.Errorf("the other caller of the batch: %+v, %v; want author 2", kept, err)
	}
}

// lockAuthors takes an exclusive lock on authors in a transaction of its own and
// returns the function that releases it.
func lockAuthors(t *testing.T, ctx context.Context, db *orm.DB) func() {
	t.Helper()
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE authors IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	return func() { _ = tx.Rollback(ctx) }
}

// waitForLock polls until a statement on authors waits for the lock.
func waitForLock(t *testing.T, ctx context.Context, db *orm.DB) {
	t.Helper()
	for {
		var n int
		err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%"authors"%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no statement waited for the lock")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestMiddleware: each HTTP request gets its own scope: a key loaded by one request
// is loaded again by the next (no cache shared between requests).
func TestMiddleware(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	mw, err := dataload.Middleware(db, dataload.WithWait(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dataload.Middleware(db, dataload.WithWait(-1)); err == nil {
		t.Error("WithWait(-1): no error")
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 2 {
			if _, err := authors.Load(r.Context(), 1); err != nil {
				t.Error(err)
			}
		}
	}))
	for range 2 {
		ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, "GET", "/", nil))
		})
	}
}
