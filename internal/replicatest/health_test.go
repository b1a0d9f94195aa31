package replicatest_test

import (
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/paginate"
)

// TestHealth_stoppedReplicaIsSkipped: reads keep working, with no error, after one of
// two replicas stops, and the stopped one is taken out of rotation.
func TestHealth_stoppedReplicaIsSkipped(t *testing.T) {
	ctx := testContext(t)
	doomed, err := pgserver.StartReplica(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = doomed.Stop() })
	db := mustCluster(t, ctx, orm.Routing{PollInterval: time.Hour}, doomed, replicas[0])
	it := Item{Name: "health"}
	if err := orm.Insert(ctx, db, &it); err != nil {
		t.Fatal(err)
	}
	mustCatchUp(t, ctx)
	if err := doomed.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	for range 4 { // open connections to both
		if _, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if st := db.RouteStats(); st.ReplicaReads[0] == 0 || st.ReplicaReads[1] == 0 {
		t.Fatalf("both replicas should serve reads first: %+v", st)
	}
	if err := doomed.Stop(); err != nil {
		t.Fatal(err)
	}
	// The poller sleeps for an hour: the reads themselves must notice, a pipelined
	// batch (a page and its count) as well as a single statement.
	for i := range 6 {
		page, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).
			Paginate(ctx, paginate.Request{Limit: 5, Count: true, Codec: &paginate.Codec{Unsigned: true}})
		if err != nil || len(page.Items) != 1 || page.Total != 1 {
			t.Fatalf("page %d after a replica stopped: %+v, %v; want the row and no error", i, page, err)
		}
	}
	for i := range 6 {
		got, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(ctx)
		if err != nil || got.Name != "health" {
			t.Fatalf("read %d after a replica stopped: %+v, %v; want the row and no error", i, got, err)
		}
	}
	if st := db.RouteStats(); st.ReplicaUp[0] {
		t.Fatalf("the stopped replica is still in rotation: %+v", st)
	}
}

// TestHealth_lagBound: a replica whose replay falls behind by more than MaxLagBytes
// leaves the rotation (reads go to the primary) and comes back once it catches up.
func TestHealth_lagBound(t *testing.T) {
	ctx := testContext(t)
	db := mustCluster(t, ctx, orm.Routing{MaxLagBytes: 64 << 10, PollInterval: 10 * time.Millisecond}, replicas[0])
	mustCatchUp(t, ctx)
	waitUp(t, db, true)
	mustPause(t, ctx)
	if err := execOn(ctx, primary.URL(), "INSERT INTO items (name) SELECT 'lag' || g FROM generate_series(1, 5000) g"); err != nil {
		t.Fatal(err)
	}
	waitUp(t, db, false)
	before := db.RouteStats()
	if _, err := orm.Query[Item](db).Limit(1).All(ctx); err != nil {
		t.Fatal(err)
	}
	if db.RouteStats().PrimaryReads != before.PrimaryReads+1 {
		t.Fatalf("a read with the only replica lagging went to %+v, want the primary", db.RouteStats())
	}
	if err := replicas[0].ResumeReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if err := replicas[0].WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	waitUp(t, db, true)
}

// waitUp polls until the first replica's rotation state is up.
func waitUp(t testing.TB, db *orm.DB, up bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for db.RouteStats().ReplicaUp[0] != up {
		if time.Now().After(deadline) {
			t.Fatalf("replica up = %v after 10 s, want %v", !up, up)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
