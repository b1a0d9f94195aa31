package replicatest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/route"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/pool"
)

// mustRouter returns a router (polling every 10 ms) over new pools on the primary and
// the first shared replica, once that replica is in rotation.
func mustRouter(t testing.TB, ctx context.Context) *route.Router {
	t.Helper()
	var pools []*pgxpool.Pool
	for _, url := range []string{primary.URL(), replicas[0].URL()} {
		p, err := pool.New(ctx, pool.Config{ConnString: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		pools = append(pools, p)
	}
	r := route.New(pools[0], pools[1:], route.Config{PollInterval: 10 * time.Millisecond})
	t.Cleanup(r.Close)
	deadline := time.Now().Add(10 * time.Second)
	for !r.Up(0) {
		if time.Now().After(deadline) {
			t.Fatal("the replica did not come into rotation in 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return r
}

// TestReader_failedFirstBatchResultIsClosableRows: a batch read on a replica whose
// first statement fails (not a lost connection) returns, like pgx, non-nil closed rows
// with the error: callers that close the rows of a failed result (preload, dataload)
// must not panic on a nil pointer.
func TestReader_failedFirstBatchResultIsClosableRows(t *testing.T) {
	ctx := testContext(t)
	r := mustRouter(t, ctx)
	lctx, log := orm.WithQueryLog(ctx)
	b := &pgx.Batch{}
	b.Queue("SELECT 1 / 0")
	b.Queue("SELECT 1")
	br := route.NewReader(r).SendBatch(lctx, b)
	rows, err := br.Query()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22012" {
		t.Fatalf("first result: %v, want division_by_zero", err)
	}
	if rows == nil {
		_ = br.Close()
		t.Fatal("a failed batch result returned nil rows; pgx returns closed rows")
	}
	func() {
		defer func() {
			if p := recover(); p != nil {
				_ = br.Close()
				t.Fatalf("closing the rows of a failed batch result panicked: %v", p)
			}
		}()
		rows.Close()
	}()
	if rows.Next() || !errors.Is(rows.Err(), err) {
		t.Fatalf("rows of a failed result: Next or Err %v, want no rows and the error", rows.Err())
	}
	_ = br.Close()
	if _, reps := r.Reads(); reps[0] != 1 {
		t.Fatalf("the batch did not go to the replica: %v", reps)
	}
	if log.Statements() != 1 || log.RoundTrips() != 1 { // the failed statement ends the batch
		t.Fatalf("want 1 statement (the failed one) in 1 round trip, got %s", log)
	}
}

// TestReader_batchCallbacksRun: a batch read sent through the Reader's probe keeps the
// callbacks queued on its statements (QueuedQuery.QueryRow): Close runs them.
func TestReader_batchCallbacksRun(t *testing.T) {
	ctx := testContext(t)
	r := mustRouter(t, ctx)
	lctx, log := orm.WithQueryLog(ctx)
	b := &pgx.Batch{}
	b.Queue("SELECT 1")
	var got, recovery = 0, false
	b.Queue("SELECT 2, pg_is_in_recovery()").QueryRow(func(row pgx.Row) error { return row.Scan(&got, &recovery) })
	br := route.NewReader(r).SendBatch(lctx, b)
	var one int
	if err := br.QueryRow().Scan(&one); err != nil || one != 1 {
		t.Fatalf("first result: %d, %v", one, err)
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
	if got != 2 || !recovery {
		t.Fatalf("the second statement's callback read %d (on a replica: %v), want 2 on a replica: callbacks dropped", got, recovery)
	}
	if log.Statements() != 2 || log.RoundTrips() != 1 {
		t.Fatalf("want 2 statements in 1 round trip, got %s", log)
	}
}

// TestReader_writesThroughReaderRecordSessionPosition: the Reader sends COPY and
// transactions to the primary; in a session they advance its position like the
// Writer's do, so the session's later reads see them.
func TestReader_writesThroughReaderRecordSessionPosition(t *testing.T) {
	ctx := testContext(t)
	r := mustRouter(t, ctx)
	s := &route.Session{}
	sctx, log := orm.WithQueryLog(route.WithSession(ctx, s))
	n, err := route.NewReader(r).CopyFrom(sctx, pgx.Identifier{"items"}, []string{"name"}, pgx.CopyFromRows([][]any{{"copied"}}))
	if err != nil || n != 1 {
		t.Fatalf("CopyFrom: %d, %v", n, err)
	}
	if s.Pos() == 0 {
		t.Fatalf("a COPY through the Reader in a session recorded no position: %s", log)
	}
	after := s.Pos()
	tx, err := route.NewReader(r).Begin(sctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(sctx, "INSERT INTO items (name) VALUES ('reader-tx')"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(sctx); err != nil {
		t.Fatal(err)
	}
	if s.Pos() <= after {
		t.Fatalf("a transaction begun through the Reader in a session did not advance it: %d, was %d: %s", s.Pos(), after, log)
	}
	// COPY, then its position read (a catalog read); the INSERT between BEGIN and
	// COMMIT, whose position read rides with the COMMIT.
	if log.Statements() != 2 || log.RoundTrips() != 2 || log.TxStatements() != 2 || log.CatalogStatements() != 2 {
		t.Fatalf("want COPY and INSERT, BEGIN and COMMIT, 2 position reads; got %s", log)
	}
}
