package bulk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// triggerSchema adds triggers: one stalls the insert of a user named "stall" in
// pg_sleep, so a test can cancel or kill the statement while it runs, and fails the
// insert of a user named "boom"; one multiplies
// the quantity of every item inserted by 10.
const triggerSchema = schema + `
CREATE FUNCTION tenfold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.qty := NEW.qty * 10;
  RETURN NEW;
END $$;
CREATE TRIGGER tenfold BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION tenfold();
CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.name = 'stall' THEN PERFORM pg_sleep(60); END IF;
  IF NEW.name = 'boom' THEN RAISE EXCEPTION 'boom'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER stall BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION stall();
`

func TestCreate_constraintViolationLeavesTableUnchanged(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     []bulk.Option
		readBack bool
	}{
		{"unnest", nil, true},
		{"unnest in chunks", []bulk.Option{bulk.ChunkSize(2000)}, true},
		{"values in chunks", []bulk.Option{bulk.WithStrategy(bulk.Values), bulk.ChunkSize(2000)}, true},
		{"copy", []bulk.Option{bulk.NoReturning()}, false},
		{"copy in chunks", []bulk.Option{bulk.NoReturning(), bulk.ChunkSize(3000)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := mustDB(t)
			ctx := testCtx(t)
			mustWarm(t, ctx, db)
			mustExec(t, ctx, db, `INSERT INTO users (name, email) VALUES ('taken', 'u7000@example.com')`)
			users := makeUsers(10_000) // row 7000, the 7,001st, collides
			err := bulk.Create(ctx, db, users, tc.opts...)
			var re *bulk.RowError
			if !errors.As(err, &re) || re.Index != 7000 {
				t.Fatalf("want a RowError for row 7000, got %v", err)
			}
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || !orm.IsUniqueViolation(err) {
				t.Fatalf("errors.As does not reach the unique violation: %v", err)
			}
			if n := mustCount(t, ctx, db, "users"); n != 2 {
				t.Fatalf("table holds %d rows, want the 2 from before", n)
			}
			for i, u := range users {
				if u.ID != 0 || !u.CreatedAt.IsZero() {
					t.Fatalf("row %d keeps values of a rolled-back insert: %+v", i, u)
				}
			}
		})
	}
}

func TestCreate_interruptedLeavesTableUnchanged(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []bulk.Option
		kill bool // terminate the backend instead of cancelling the context
	}{
		{"cancel mid-COPY", []bulk.Option{bulk.NoReturning()}, false},
		{"cancel in a later chunk", []bulk.Option{bulk.ChunkSize(2000)}, false},
		{"kill mid-COPY", []bulk.Option{bulk.NoReturning()}, true},
		{"kill in a later chunk", []bulk.Option{bulk.ChunkSize(2000), bulk.WithStrategy(bulk.Values)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := ormtest.New(t, ormtest.Schema(triggerSchema))
			ctx := testCtx(t)
			mustWarm(t, ctx, db)
			users := makeUsers(10_000)
			users[7000].Name = "stall"
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- bulk.Create(runCtx, db, users, tc.opts...) }()
			pid := mustAwaitSleeper(t, ctx, db)
			if tc.kill {
				mustExec(t, ctx, db, "SELECT pg_terminate_backend($1)", pid)
			} else {
				cancel()
			}
			err := <-done
			if err == nil {
				t.Fatal("interrupted Create returned no error")
			}
			var re *bulk.RowError
			if errors.As(err, &re) { // no row's data is to blame: class 57 or a lost connection
				t.Fatalf("an interruption was blamed on row %d: %v", re.Index, err)
			}
			if n := mustCount(t, ctx, db, "users"); n != 1 {
				t.Fatalf("table holds %d rows, want the 1 from before: %v", n, err)
			}
		})
	}
}

// mustAwaitSleeper polls until a backend of db's database sleeps in the stall trigger
// and returns its pid.
func mustAwaitSleeper(t *testing.T, ctx context.Context, db *orm.DB) int32 {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var pid int32
		err := db.QueryRow(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event = 'PgSleep' LIMIT 1`).Scan(&pid)
		if err == nil {
			return pid
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no backend reached the stall trigger: %v", err)
		case <-tick.C:
		}
	}
}

func TestCreate_triggerRewritesDefault(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(triggerSchema))
	ctx := testCtx(t)
	// By default the DEFAULT is evaluated in the statement and read back from there:
	// the trigger's change is not seen (documented).
	items := []Item{{SKU: "a"}, {SKU: "b", Qty: 2}}
	if err := bulk.Create(ctx, db, items); err != nil {
		t.Fatal(err)
	}
	if items[0].Qty != 1 || items[1].Qty != 2 {
		t.Fatalf("arrays read back %+v", items)
	}
	// ViaReturning reads what the table stores.
	items = []Item{{SKU: "c"}, {SKU: "d", Qty: 2}}
	if err := bulk.Create(ctx, db, items, bulk.ViaReturning()); err != nil {
		t.Fatal(err)
	}
	if items[0].Qty != 10 || items[1].Qty != 20 || items[0].ID == 0 || items[1].ID == 0 {
		t.Fatalf("RETURNING read back %+v", items)
	}
	got, err := orm.Raw[string](ctx, db, "SELECT sku || qty FROM items ORDER BY sku")
	if err != nil || strings.Join(got, " ") != "a10 b20 c10 d20" {
		t.Fatalf("table %v: %v", got, err)
	}
}

func TestCreate_copyErrorInTriggerNamesRow(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(triggerSchema))
	ctx := testCtx(t)
	users := makeUsers(5000)
	users[4321].Name = "boom"
	log := ormtest.Record(ctx, func(ctx context.Context) {
		err := bulk.Create(ctx, db, users, bulk.NoReturning())
		var re *bulk.RowError
		var pgErr *pgconn.PgError
		if !errors.As(err, &re) || re.Index != 4321 || !errors.As(err, &pgErr) || pgErr.Message != "boom" {
			t.Fatalf("want a RowError for row 4321, got %v", err)
		}
	})
	if e := log.Entries(); len(e) != 2 || e[1].Kind.String() != "copy" {
		t.Fatalf("not sent with COPY: %s", log)
	}
	if n := mustCount(t, ctx, db, "users"); n != 0 {
		t.Fatalf("table holds %d rows", n)
	}
}
