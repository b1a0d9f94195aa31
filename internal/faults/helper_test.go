package faults_test

import (
	"context"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
)

// Entry is the model the fault tests write.
type Entry struct {
	ID     int64
	Writer int
	Name   string
}

const entriesDDL = `CREATE TABLE entries (
	id bigserial PRIMARY KEY,
	writer int NOT NULL,
	name text NOT NULL
)`

// stallDDL makes an insert of a row named 'stall' sleep in a trigger, and a row named
// 'stall-commit' sleep at COMMIT (a deferred constraint trigger), so a test can find
// the backend at that point and kill it.
const stallDDL = `
CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$;
CREATE TRIGGER stall BEFORE INSERT ON entries FOR EACH ROW WHEN (NEW.name = 'stall') EXECUTE FUNCTION stall();
CREATE CONSTRAINT TRIGGER stall_commit AFTER INSERT ON entries DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW WHEN (NEW.name = 'stall-commit') EXECUTE FUNCTION stall();`

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// awaitSleeper polls until a backend of db's database sleeps in the stall trigger and
// returns its pid.
func awaitSleeper(t *testing.T, ctx context.Context, db *orm.DB) int32 {
	t.Helper()
	return poll(t, ctx, "a backend in the stall trigger", func() (int32, bool) {
		var pid int32
		err := db.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event = 'PgSleep' LIMIT 1`).Scan(&pid)
		return pid, err == nil
	})
}

// poll calls check every 5 ms until it reports true, failing t when ctx ends first.
func poll[T any](t *testing.T, ctx context.Context, what string, check func() (T, bool)) T {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if v, ok := check(); ok {
			return v
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

func countEntries(t *testing.T, ctx context.Context, db *orm.DB) int64 {
	t.Helper()
	n, err := orm.Query[Entry](db).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func entries(n int, name func(i int) string) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = Entry{Writer: i % 7, Name: name(i)}
	}
	return out
}

// mustInsert stores one entry.
func mustInsert(t *testing.T, ctx context.Context, db *orm.DB) {
	t.Helper()
	if err := orm.Insert(ctx, db, &Entry{Name: "one"}); err != nil {
		t.Fatal(err)
	}
}
