package ormtest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestMain(m *testing.M) { ormtest.Main(m) }

// recorder is a testing.TB that keeps failures and cleanups instead of acting on them,
// so the assertions themselves can be shown to fail.
type recorder struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Cleanup(f func())  { r.cleanups = append(r.cleanups, f) }
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestAssertStatements_failsWithTheStatementList(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema("CREATE TABLE t (id int)"))
	rec := &recorder{TB: t}
	ormtest.AssertStatements(rec, ctxFor(t), 1, func(ctx context.Context) {
		for i := range 3 {
			if _, err := db.Exec(ctx, "INSERT INTO t VALUES ($1)", i); err != nil {
				t.Fatal(err)
			}
		}
	})
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "want 1 statements, got 3 statements in 3 round trips") ||
		strings.Count(rec.errors[0], "INSERT INTO t VALUES ($1)") != 3 {
		t.Fatalf("assertion output: %q", rec.errors)
	}
	rec = &recorder{TB: t}
	ormtest.AssertStatements(rec, ctxFor(t), 1, func(ctx context.Context) {
		_, _ = db.Exec(ctx, "SELECT 1")
	})
	if len(rec.errors) != 0 {
		t.Fatalf("passing assertion failed: %q", rec.errors)
	}
}

func TestAssertCounts_comparesRoundTripsAndTx(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t)
	rec := &recorder{TB: t}
	ormtest.AssertCounts(rec, ctxFor(t), ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		_ = db.Tx(ctx, func(tx *orm.DB) error { _, err := tx.Exec(ctx, "SELECT 1"); return err })
	})
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "TxStatements:2") {
		t.Fatalf("assertion output: %q", rec.errors)
	}
}

func TestNew_reportsLeakedConnection(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	db := ormtest.New(rec)
	rows, err := db.Query(ctxFor(t), "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { rec.runCleanups(); close(done) }()
	// The cleanup waits up to 5 s for the count to settle; close the rows after it
	// has had its look, so the drop can proceed (closing the pool waits for it). The
	// rows are closed only there, from one goroutine.
	time.AfterFunc(6*time.Second, rows.Close)
	<-done
	if len(rec.errors) == 0 || !strings.Contains(rec.errors[0], "1 connection(s) still acquired") {
		t.Fatalf("leak not reported: %q", rec.errors)
	}
}

// A transaction left open holds its connection forever: the cleanup reports it and
// still ends (closing the pool would wait for the connection), dropping the database.
func TestNew_reportsLeakedTransactionWithoutBlocking(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	db := ormtest.New(rec)
	tx, err := db.Begin(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }() // its session is gone by then
	done := make(chan struct{})
	go func() { rec.runCleanups(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("cleanup blocked on a connection held by an open transaction")
	}
	if len(rec.errors) == 0 || !strings.Contains(rec.errors[0], "1 connection(s) still acquired") {
		t.Fatalf("leak not reported: %q", rec.errors)
	}
}

func TestNew_isolatedDatabases(t *testing.T) {
	t.Parallel()
	const schema = "CREATE TABLE items (id int PRIMARY KEY)"
	a := ormtest.New(t, ormtest.Schema(schema))
	b := ormtest.New(t, ormtest.Schema(schema))
	ctx := ctxFor(t)
	if _, err := a.Exec(ctx, "INSERT INTO items VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil || n != 0 {
		t.Fatalf("databases share rows: %d %v", n, err)
	}
}

func TestAssertIndexed(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(`CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL);
		CREATE TABLE notes (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors, body text NOT NULL);
		CREATE INDEX authors_name_id_idx ON authors (name, id);
		INSERT INTO authors (name) SELECT 'a' || g FROM generate_series(1, 5) g;
		INSERT INTO notes (author_id, body) SELECT 1 + g % 5, 'x' FROM generate_series(1, 20) g`))
	ctx := ctxFor(t)
	byName := orm.Query[author](db).Where(orm.Eq{"name": "a1"}).OrderBy("id")

	rec := &recorder{TB: t}
	plans := ormtest.AssertIndexed(rec, ctx, byName)
	if len(rec.errors) != 0 || len(plans) != 1 || len(plans[0].Plan.Indexes()) == 0 {
		t.Fatalf("indexed query: %q\n%v", rec.errors, plans)
	}

	// notes.author_id has no index: the preload would scan notes for every load.
	rec = &recorder{TB: t}
	ormtest.AssertIndexed(rec, ctx, byName.Preload("Notes"))
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "no index serves preload Notes on notes") {
		t.Fatalf("preload without an index: %q", rec.errors)
	}
	if _, err := db.Exec(ctx, "CREATE INDEX notes_author_id_idx ON notes (author_id)"); err != nil {
		t.Fatal(err)
	}
	rec = &recorder{TB: t}
	plans = ormtest.AssertIndexed(rec, ctx, byName.Preload("Notes"))
	if len(rec.errors) != 0 || len(plans) != 2 || plans[1].Path != "Notes" || !slices.Contains(plans[1].Plan.Indexes(), "notes_author_id_idx") {
		t.Fatalf("indexed preload: %q\n%v", rec.errors, plans)
	}

	// An index that serves part of the conditions passes; the rest filters its rows.
	rec = &recorder{TB: t}
	plans = ormtest.AssertIndexed(rec, ctx, orm.Query[author](db).Where(orm.Gt{"id": 0}).Where("name || '' = ?", "a1"))
	if len(rec.errors) != 0 || plans[0].Plan.Root.Filter == "" {
		t.Fatalf("primary key range: %q\n%v", rec.errors, plans)
	}
	rec = &recorder{TB: t}
	ormtest.AssertIndexed(rec, ctx, orm.Query[note](db).Where(orm.Eq{"body": "x"}))
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "no index serves the query on notes") ||
		!strings.Contains(rec.errors[0], "Seq Scan on notes") {
		t.Fatalf("unindexed query: %q", rec.errors)
	}
	rec = &recorder{TB: t}
	ormtest.AssertIndexed(rec, ctx, orm.Query[note](db).OrderBy("nope"))
	if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], `unknown column "nope"`) {
		t.Fatalf("bad query: %q", rec.errors)
	}
}

type author struct {
	ID    int64
	Name  string
	Notes []note `orm:"has-many"`
}

type note struct {
	ID       int64
	AuthorID int64
	Body     string
}
