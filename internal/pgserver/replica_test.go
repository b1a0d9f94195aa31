package pgserver_test

import (
	"os"
	"testing"

	"github.com/batchorm/batchorm/internal/pgserver"
)

// TestStartReplica_streams starts a primary and a replica, checks that the replica is
// a hot standby that sees the primary's writes, pauses and resumes replay, promotes
// it, and checks that Stop removes the replica and its slot.
func TestStartReplica_streams(t *testing.T) {
	ctx := testContext(t)
	primary, err := pgserver.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = primary.Stop() })
	replica, err := pgserver.StartReplica(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = replica.Stop() })

	if got := mustQueryString(t, ctx, replica.URL(), "SELECT pg_is_in_recovery()::text"); got != "true" {
		t.Fatalf("replica: pg_is_in_recovery() = %s, want true", got)
	}
	if n := mustQueryInt(t, ctx, primary.URL(), "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '"+replica.Slot()+"'"); n != 1 {
		t.Fatalf("primary: %d active slots named %s, want 1", n, replica.Slot())
	}
	mustExec(t, ctx, primary.URL(), "CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
	if err := replica.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n := mustQueryInt(t, ctx, replica.URL(), "SELECT count(*) FROM t"); n != 1 {
		t.Fatalf("replica after catch-up: %d rows, want 1", n)
	}

	if err := replica.PauseReplay(ctx); err != nil {
		t.Fatal(err)
	}
	mustExec(t, ctx, primary.URL(), "INSERT INTO t VALUES (2)")
	if n := mustQueryInt(t, ctx, replica.URL(), "SELECT count(*) FROM t"); n != 1 {
		t.Fatalf("replica with replay paused: %d rows, want the 1 it had", n)
	}
	if err := replica.ResumeReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if err := replica.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	if n := mustQueryInt(t, ctx, replica.URL(), "SELECT count(*) FROM t"); n != 2 {
		t.Fatalf("replica after resume: %d rows, want 2", n)
	}

	if err := replica.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustQueryString(t, ctx, replica.URL(), "SELECT pg_is_in_recovery()::text"); got != "false" {
		t.Fatalf("promoted: pg_is_in_recovery() = %s, want false", got)
	}
	mustExec(t, ctx, replica.URL(), "INSERT INTO t VALUES (3)")

	dir := replica.Dir()
	if err := replica.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("replica data directory %s still there after Stop (%v)", dir, err)
	}
	if n := mustQueryInt(t, ctx, primary.URL(), "SELECT count(*) FROM pg_replication_slots"); n != 0 {
		t.Fatalf("primary: %d replication slots after the replica stopped, want 0", n)
	}
}
