package faults_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/pool"
)

// ledger records the ids of acknowledged writes and the errors of the others.
type ledger struct {
	mu    sync.Mutex
	acked []int64
	errs  []error
}

func (l *ledger) ack(id int64) { l.mu.Lock(); l.acked = append(l.acked, id); l.mu.Unlock() }
func (l *ledger) fail(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}
func (l *ledger) count() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.acked) }

// The server restarts, fast and then immediately (a crash), while four writers
// insert: every write the library acknowledged is in the table afterwards, every
// failure is a typed connection error (or the writer's own deadline), and the same
// pool goes on writing after each restart without being rebuilt.
func TestRestart_noAcknowledgedWriteLost(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	// A server of its own (restarting the shared one would break the other tests),
	// committing synchronously: the test setting synchronous_commit=off would lose
	// acknowledged commits in a crash by design.
	srv, err := pgserver.Start(ctx, pgserver.WithSetting("synchronous_commit", "on"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	cfg, err := pool.ParseConfig(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 8
	db, err := orm.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.Exec(ctx, entriesDDL); err != nil {
		t.Fatal(err)
	}
	var l ledger
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { write(ctx, db, w, &l, stop) })
	}
	grow := func(what string) {
		t.Helper()
		target := l.count() + 100
		poll(t, ctx, what, func() (struct{}, bool) { return struct{}{}, l.count() >= target })
	}
	grow("writes before the restarts")
	if err := srv.Restart(ctx, false); err != nil {
		t.Fatal(err)
	}
	grow("writes after a fast restart")
	if err := srv.Restart(ctx, true); err != nil {
		t.Fatal(err)
	}
	grow("writes after an immediate restart")
	close(stop)
	wg.Wait()

	ids, err := orm.Raw[int64](ctx, db, "SELECT id FROM entries")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	lost := 0
	for _, id := range l.acked {
		if _, found := slices.BinarySearch(ids, id); !found {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged writes lost", lost, len(l.acked))
	}
	for _, err := range l.errs {
		if !orm.IsConnLost(err) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("untyped failure: %v", err)
		}
	}
	t.Logf("%d writes acknowledged, %d failed during the restarts, %d rows stored", len(l.acked), len(l.errs), len(ids))
}

// write inserts rows one at a time until stop is closed, recording each outcome.
func write(ctx context.Context, db *orm.DB, w int, l *ledger, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		e := Entry{Writer: w, Name: "w"}
		opCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := orm.Insert(opCtx, db, &e)
		cancel()
		if err != nil {
			l.fail(err)
			select { // the server is down: try again shortly
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		l.ack(e.ID)
	}
}
