package replicatest_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/pool"
)

// The servers every test of the package shares: a primary and two replicas of it.
var (
	primary  *pgserver.Server
	replicas [2]*pgserver.Server
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	defer func() {
		for _, s := range append(replicas[:], primary) {
			if serr := s.Stop(); serr != nil {
				fmt.Fprintln(os.Stderr, serr)
			}
		}
	}()
	if primary, err = pgserver.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	const schema = `CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL)`
	if err := execOn(ctx, primary.URL(), schema); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := range replicas {
		if replicas[i], err = pgserver.StartReplica(ctx, primary); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// Item is the model the tests read and write.
type Item struct {
	ID   int64  `db:"id" orm:"pk,default"`
	Name string `db:"name"`
}

func execOn(ctx context.Context, url, sql string) error {
	p, err := pool.New(ctx, pool.Config{ConnString: url})
	if err != nil {
		return err
	}
	defer p.Close()
	_, err = p.Exec(ctx, sql)
	return err
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustCluster opens a DB over the primary and the given replicas with routing r.
func mustCluster(t testing.TB, ctx context.Context, r orm.Routing, reps ...*pgserver.Server) *orm.DB {
	t.Helper()
	cfg := pool.ClusterConfig{Primary: pool.Config{ConnString: primary.URL()}}
	for _, s := range reps {
		cfg.Replicas = append(cfg.Replicas, pool.Config{ConnString: s.URL(), LazyConnect: true})
	}
	db, err := orm.OpenCluster(ctx, cfg, orm.WithRouting(r))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// mustCatchUp waits until every shared replica replayed the primary's writes.
func mustCatchUp(t testing.TB, ctx context.Context) {
	t.Helper()
	for _, r := range replicas {
		if err := r.WaitCaughtUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// inRecovery reports whether a routed raw read ran on a replica.
func inRecovery(t testing.TB, ctx context.Context, db *orm.DB) bool {
	t.Helper()
	got, err := orm.Raw[bool](ctx, db, "SELECT pg_is_in_recovery()")
	if err != nil {
		t.Fatal(err)
	}
	return got[0]
}

// mustPause pauses replay on the shared replicas and resumes it at the end of the test.
func mustPause(t testing.TB, ctx context.Context) {
	t.Helper()
	for _, r := range replicas {
		if err := r.PauseReplay(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := r.ResumeReplay(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

func replicaReads(st orm.RouteStats) int64 {
	var n int64
	for _, r := range st.ReplicaReads {
		n += r
	}
	return n
}
