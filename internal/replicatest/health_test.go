package replicatest_test

import (
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/paginate"
)

// TestHealth_stoppedReplicaIsSkipped: reads keep working, with no error, after one of
// two replicas stops, and the stopped one is taken out of rotation: by a failed batch
// read (a page and its count), by a failed single read, and by the poller with no read
// at all, each seen on its own DB (each DB has its own router).
func TestHealth_stoppedReplicaIsSkipped(t *testing.T) {
	ctx := testContext(t)
	doomed, err := pgserver.StartReplica(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = doomed.Stop() })
	// The pollers of pages and single sleep for an hour: the reads themselves must
	// notice. polled has no reads: its poller must notice.
	pages := mustCluster(t, ctx, orm.Routing{PollInterval: time.Hour}, doomed, replicas[0])
	single := mustCluster(t, ctx, orm.Routing{PollInterval: time.Hour}, doomed, replicas[0])
	polled := mustCluster(t, ctx, orm.Routing{PollInterval: 10 * time.Millisecond}, doomed, replicas[0])
	it := Item{Name: "health"}
	if err := orm.Insert(ctx, pages, &it); err != nil {
		t.Fatal(err)
	}
	mustCatchUp(t, ctx)
	if err := doomed.WaitCaughtUp(ctx); err != nil {
		t.Fatal(err)
	}
	waitUp(t, polled, true)
	lctx, log := orm.WithQueryLog(ctx)
	for _, db := range []*orm.DB{pages, single} {
		for range 4 { // open connections to both
			if _, err := orm.Query[Item](db).Where(orm.Eq{"id": it.ID}).One(lctx); err != nil {
				t.Fatal(err)
			}
		}
		if st := db.RouteStats(); st.ReplicaReads[0] == 0 || st.ReplicaReads[1] == 0 {
			t.Fatalf("both replicas should serve reads first: %+v", st)
		}
	}
	if log.Statements() != 8 {
		t.Fatalf("8 reads: want 8 statements, got %s", log)
	}
	if err := doomed.Stop(); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		page, err := orm.Query[Item](pages).Where(orm.Eq{"id": it.ID}).
			Paginate(ctx, paginate.Request{Limit: 5, Count: true, Codec: &paginate.Codec{Unsigned: true}})
		if err != nil || len(page.Items) != 1 || page.Total != 1 {
			t.Fatalf("page %d after a replica stopped: %+v, %v; want the row and no error", i, page, err)
		}
	}
	if st := pages.RouteStats(); st.ReplicaUp[0] {
		t.Fatalf("a batch read that found the replica stopped left it in rotation: %+v", st)
	}
	for i := range 6 {
		got, err := orm.Query[Item](single).Where(orm.Eq{"id": it.ID}).One(ctx)
		if err != nil || got.Name != "health" {
			t.Fatalf("read %d after a replica stopped: %+v, %v; want the row and no error", i, got, err)
		}
	}
	if st := single.RouteStats(); st.ReplicaUp[0] {
		t.Fatalf("a read that found the replica stopped left it in rotation: %+v", st)
	}
	waitUp(t, polled, false) // the poller takes it out with no read
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
			t.Fatalf("replica 0 up = %v after 10 s, want %v (the poller did not see its state)", !up, up)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
