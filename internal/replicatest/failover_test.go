package replicatest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/pool"
)

// Ledger is one acknowledged write of the failover test.
type Ledger struct {
	ID     int64 `db:"id" orm:"pk"`
	Writer int   `db:"writer"`
}

// TestFailover_promoteStandbyUnderWriters: four writers insert into a ledger through a
// multi-host connection string (target_session_attrs=read-write) while the primary is
// killed (immediate shutdown) and its synchronous standby promoted. The same pool
// reconnects to the new primary and the writers go on; every acknowledged id is on
// the new primary, and every failed write got a typed error (orm.IsConnLost or
// orm.ErrCommitUnknown).
//
// Replication is synchronous (synchronous_standby_names='*', synchronous_commit=on):
// a commit is acknowledged only once the standby has flushed it, so promotion keeps
// it. With asynchronous replication, the tail acknowledged in the last moments before
// the crash can be lost; this test would then fail, as it should.
func TestFailover_promoteStandbyUnderWriters(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	old, err := pgserver.Start(ctx, pgserver.WithSetting("synchronous_commit", "on"),
		pgserver.WithSetting("synchronous_standby_names", "*"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = old.Stop() })
	standby, err := pgserver.StartReplica(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = standby.Stop() })
	if err := execOn(ctx, old.URL(), "CREATE TABLE ledgers (id bigint PRIMARY KEY, writer int NOT NULL)"); err != nil {
		t.Fatal(err)
	}

	conn := fmt.Sprintf("host=127.0.0.1,127.0.0.1 port=%s,%s user=postgres dbname=postgres sslmode=disable "+
		"target_session_attrs=read-write connect_timeout=2", portOf(t, old), portOf(t, standby))
	db, err := orm.Open(ctx, pool.Config{ConnString: conn, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var (
		mu        sync.Mutex
		acked     []int64
		untyped   []error
		typed     atomic.Int64
		promoted  atomic.Bool
		afterward atomic.Int64 // writes acknowledged after the promotion
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := int64(1); ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				row := Ledger{ID: int64(w)*1_000_000 + i, Writer: w}
				wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
				err := orm.Insert(wctx, db, &row)
				wcancel()
				mu.Lock()
				switch {
				case err == nil:
					acked = append(acked, row.ID)
					if promoted.Load() {
						afterward.Add(1)
					}
				case orm.IsConnLost(err) || errors.Is(err, orm.ErrCommitUnknown):
					typed.Add(1)
				default:
					untyped = append(untyped, err)
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond) // back off while no server accepts writes
				}
			}
		})
	}
	waitFor(t, ctx, "writes before the crash", func() bool {
		mu.Lock()
		defer mu.Unlock()
		if len(untyped) > 0 {
			t.Fatalf("write before the crash: %v", untyped[0])
		}
		return len(acked) >= 100
	})
	if err := old.Stop(); err != nil { // SIGQUIT: immediate shutdown, no checkpoint
		t.Fatal(err)
	}
	if err := standby.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	promoted.Store(true)
	waitFor(t, ctx, "writes after the promotion", func() bool { return afterward.Load() >= 100 })
	close(stop)
	wg.Wait()

	onNew, err := pool.New(ctx, pool.Config{ConnString: standby.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer onNew.Close()
	var missing []int64
	for _, id := range acked {
		var n int
		if err := onNew.QueryRow(ctx, "SELECT count(*) FROM ledgers WHERE id = $1", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d acknowledged writes are not on the new primary: %v", len(missing), missing)
	}
	if len(untyped) > 0 {
		var b strings.Builder
		for _, e := range untyped {
			fmt.Fprintf(&b, "\n  %v", e)
		}
		t.Errorf("%d failed writes without a typed error:%s", len(untyped), b.String())
	}
	t.Logf("%d writes acknowledged (%d after promotion), %d failed with typed errors", len(acked), afterward.Load(), typed.Load())
}

func portOf(t testing.TB, s *pgserver.Server) string {
	t.Helper()
	u := s.URL()
	i := strings.LastIndexByte(u, ':')
	j := strings.IndexByte(u[i:], '/')
	return u[i+1 : i+j]
}

func waitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
