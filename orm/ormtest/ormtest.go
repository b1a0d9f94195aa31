// Package ormtest gives tests a real PostgreSQL database and statement-count
// assertions, for batchorm's own tests and for its users'.
//
// # The server
//
// When DATABASE_URL is set, that server is used (its role needs CREATEDB). Otherwise a
// throwaway cluster is started once per test binary from the local PostgreSQL binaries
// (initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin; as the postgres user
// when running as root) on a free port with a private socket directory, and removed
// when the binary exits, also after a panic. With neither, tests fail with a message
// saying how to fix it; they never skip.
//
// Call [Main] from TestMain so the cluster is stopped after the tests:
//
//	func TestMain(m *testing.M) { ormtest.Main(m) }
//
// # Through PgBouncer
//
// With the [PgBouncer] option, the DB connects through a throwaway PgBouncer in
// transaction pooling mode in front of the same server (started once per test binary
// from the local pgbouncer binary, on PATH or at /usr/sbin/pgbouncer, and stopped by
// [Main]), with the pool.PgBouncerTransaction profile. Without pgbouncer such tests
// fail with a message saying how to install it, also when DATABASE_URL is set.
//
// # Databases
//
// [New] hands each test its own empty database, cloned from a template that already
// holds the schema (made once per distinct schema per binary), and drops it at cleanup;
// tests using it can run with t.Parallel(). At cleanup it also fails the test if a
// connection is still acquired (a Rows left open).
//
// # Counting statements
//
// [AssertStatements] fails the test, listing every statement sent, unless the function
// sends exactly the expected number of data statements, in the spirit of Django's
// assertNumQueries.
//
// # Checking indexes
//
// [AssertIndexed] fails the test unless an index serves a query and each of its
// preloads: every column a statement compares with a parameter or a join key must be
// matched by the Index Cond on the leading columns of the index its plan uses, the
// plan made as if the tables were too large to scan (orm.PreferIndexes), so a missing
// index shows on a small test table too. An index that holds a foreign key as its
// second column (or a composite primary key (x, fk)) does not serve a preload by fk.
// The failure carries the index proposed for each table (orm.AdviseIndexes), with its
// migration text and its measures before and after, proven in a transaction that is
// rolled back.
package ormtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/pool"
)

// Main runs the tests of m, then stops the throwaway server (and PgBouncer) if one was
// started, and exits with the tests' code. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := dropTemplates(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if err := pgserver.StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Option configures [New] and [Open].
type Option func(*config)

type config struct {
	schema   []string
	maxConns int32
	bouncer  bool
}

// Schema adds DDL run once into the template database that each test's database is
// cloned from. Several Schema options run in order.
func Schema(sql string) Option { return func(c *config) { c.schema = append(c.schema, sql) } }

// MaxConns sets the size of the test database's pool. Default: 4.
func MaxConns(n int32) Option { return func(c *config) { c.maxConns = n } }

// PgBouncer makes the DB connect through the process-wide throwaway PgBouncer in
// transaction pooling mode, with Pooler pool.PgBouncerTransaction (exec mode, no
// server-side timeouts sent). The database is still created from the template and
// dropped directly on the server. Default: a direct connection.
func PgBouncer() Option { return func(c *config) { c.bouncer = true } }

// New returns a DB on a fresh database for t, holding the schema given, and drops it
// when t ends. It fails t (never skips) when no server can be had.
func New(t testing.TB, opts ...Option) *orm.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, cleanup, err := Open(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := acquiredAfterSettling(db); n > 0 {
			t.Errorf("ormtest: %d connection(s) still acquired at the end of the test: a Rows or a transaction was not closed", n)
			// Closing the pool would wait for them forever: drop the database (which
			// ends their sessions) and close the pool without waiting.
			go db.Close()
			if err := dropOnly(db); err != nil {
				t.Error(err)
			}
			return
		}
		if err := cleanup(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// acquiredAfterSettling returns the number of acquired connections once it stops
// falling: pgxpool releases a connection whose query was cancelled from a goroutine,
// so the count can lag by a moment. It polls for at most 5 s.
func acquiredAfterSettling(db *orm.DB) int32 {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := db.Pool().Stat().AcquiredConns()
		if n == 0 || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Open makes a fresh database holding the schema and returns a DB on it and the
// function that closes the DB and drops the database. It serves examples and programs
// that want a throwaway database outside a test.
func Open(ctx context.Context, opts ...Option) (*orm.DB, func() error, error) {
	c := config{maxConns: 4}
	for _, o := range opts {
		o(&c)
	}
	admin, err := pgserver.Shared(ctx)
	if err != nil {
		return nil, nil, err
	}
	tmpl, err := templateFor(ctx, admin, c.schema)
	if err != nil {
		return nil, nil, err
	}
	name := "batchorm_test_" + randomHex(6)
	url, err := pgserver.CreateDatabase(ctx, admin, name, tmpl)
	if err != nil {
		return nil, nil, err
	}
	db, err := open(ctx, c, url, name)
	if err != nil {
		_ = pgserver.DropDatabase(context.WithoutCancel(ctx), admin, name)
		return nil, nil, err
	}
	drops.Store(db, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return pgserver.DropDatabase(ctx, admin, name)
	})
	cleanup := func() error {
		db.Close()
		return dropOnly(db)
	}
	return db, cleanup, nil
}

// drops holds, per DB made by Open, the function dropping its database.
var drops sync.Map

// dropOnly drops db's database without closing its pool, once.
func dropOnly(db *orm.DB) error {
	if drop, ok := drops.LoadAndDelete(db); ok {
		return drop.(func() error)()
	}
	return nil
}

// open returns a DB on database name, whose direct URL is url: through the shared
// PgBouncer when c asks for it.
func open(ctx context.Context, c config, url, name string) (*orm.DB, error) {
	if c.bouncer {
		through, err := pgserver.SharedBouncer(ctx)
		if err != nil {
			return nil, err
		}
		if url, err = pgserver.WithDatabase(through, name); err != nil {
			return nil, err
		}
	}
	cfg, err := pool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = c.maxConns
	cfg.MinConns = 0
	if c.bouncer {
		cfg.Pooler = pool.PgBouncerTransaction
	}
	return orm.Open(ctx, cfg)
}

var (
	templatesMu sync.Mutex
	templates   = map[string]string{} // schema hash -> template database name
)

// templateFor returns the name of a template database holding schema, making it the
// first time. The empty schema uses PostgreSQL's own template.
func templateFor(ctx context.Context, admin string, schema []string) (string, error) {
	if len(schema) == 0 {
		return "", nil
	}
	h := sha256.New()
	for _, s := range schema {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	key := hex.EncodeToString(h.Sum(nil))[:16]
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if name, ok := templates[key]; ok {
		return name, nil
	}
	name := "batchorm_tmpl_" + key + "_" + randomHex(3)
	url, err := pgserver.CreateDatabase(ctx, admin, name, "")
	if err != nil {
		return "", err
	}
	if err := applySchema(ctx, url, schema); err != nil {
		_ = pgserver.DropDatabase(context.WithoutCancel(ctx), admin, name)
		return "", err
	}
	templates[key] = name
	return name, nil
}

// dropTemplates drops the template databases this binary made, so a long-lived server
// named by DATABASE_URL does not collect them.
func dropTemplates() error {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if len(templates) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgserver.Shared(ctx)
	if err != nil {
		return err
	}
	for key, name := range templates {
		if err := pgserver.DropDatabase(ctx, admin, name); err != nil {
			return err
		}
		delete(templates, key)
	}
	return nil
}

func applySchema(ctx context.Context, url string, schema []string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("ormtest: connect to template: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range schema {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("ormtest: schema: %w", err)
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
