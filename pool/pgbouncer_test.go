package pool_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/pool"
)

// role is a login role made for one test, with limits set on it as an operator would.
type role struct {
	name, password string
}

// mustRole creates a login role whose sessions get statement_timeout = 1s and
// idle_in_transaction_session_timeout = 2min from the role itself, and drops it when
// the test ends.
func mustRole(t testing.TB) role {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	r := role{name: "batchorm_role_" + hex.EncodeToString(b), password: hex.EncodeToString(b) + "-pw"}
	ident := pgx.Identifier{r.name}.Sanitize()
	mustAdminExec(t, "CREATE ROLE "+ident+" LOGIN PASSWORD '"+r.password+"'",
		"ALTER ROLE "+ident+" SET statement_timeout = '1s'",
		"ALTER ROLE "+ident+" SET idle_in_transaction_session_timeout = '2min'")
	t.Cleanup(func() { mustAdminExec(t, "DROP ROLE "+ident) })
	return r
}

// url returns connString (a URL) with the role's user and password.
func (r role) url(t testing.TB, connString string) string {
	t.Helper()
	u, err := url.Parse(connString)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(r.name, r.password)
	return u.String()
}

// mustAdminExec runs statements on the test server as its administrator.
func mustAdminExec(t testing.TB, sqls ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// mustBouncer starts a PgBouncer in transaction pooling mode in front of the test
// server and stops it when the test ends.
func mustBouncer(t testing.TB, opts ...pgserver.BouncerOption) *pgserver.Bouncer {
	t.Helper()
	b, err := pgserver.StartBouncer(testCtx(t), databaseURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Stop(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// A disabled timeout sends nothing, so the limit the operator put on the role holds;
// the default sends 30s, which takes precedence over the role's, as documented.
func TestNew_disabledKeepsRoleTimeouts(t *testing.T) {
	t.Parallel()
	r := mustRole(t)
	tests := []struct {
		name      string
		cfg       pool.Config
		keys      string // appended to the connection string
		statement string
		idleInTxn string
	}{
		{"Disable", pool.Config{StatementTimeout: pool.Disable, IdleInTransactionSessionTimeout: pool.Disable}, "",
			"1s", "2min"},
		{"0 in the connection string", pool.Config{}, "&statement_timeout=0&idle_in_transaction_session_timeout=0",
			"1s", "2min"},
		{"defaults", pool.Config{}, "", "30s", "1min"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.ConnString = r.url(t, databaseURL) + tt.keys
			p := mustNew(t, tt.cfg)
			if got := mustShow(t, p, "statement_timeout"); got != tt.statement {
				t.Errorf("statement_timeout = %q, want %q", got, tt.statement)
			}
			if got := mustShow(t, p, "idle_in_transaction_session_timeout"); got != tt.idleInTxn {
				t.Errorf("idle_in_transaction_session_timeout = %q, want %q", got, tt.idleInTxn)
			}
		})
	}
}

func TestNew_pgBouncerTransaction_connectsThroughPgBouncer(t *testing.T) {
	t.Parallel()
	r := mustRole(t)
	b := mustBouncer(t, pgserver.WithBouncerUser(r.name, r.password))
	cfg := pool.Config{ConnString: r.url(t, b.URL()), Pooler: pool.PgBouncerTransaction, ApplicationName: "through-pgbouncer"}
	p := mustNew(t, cfg)
	// Nothing was sent for the timeouts, so the role's apply on every server connection.
	want := map[string]string{
		"statement_timeout": "1s", "idle_in_transaction_session_timeout": "2min",
		"application_name": "through-pgbouncer", // a parameter PgBouncer passes on
	}
	for setting, v := range want {
		if got := mustShow(t, p, setting); got != v {
			t.Errorf("SHOW %s through PgBouncer = %q, want %q", setting, got, v)
		}
	}
	ctx := testCtx(t)
	_, err := p.Exec(ctx, "SELECT pg_sleep(1.5)")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Errorf("a 1.5 s statement = %v, want the role's statement_timeout to cancel it (57014)", err)
	}
}

// PgBouncer 1.18 refuses any startup parameter it does not track: the reason the
// PgBouncerTransaction profile sends no timeouts.
func TestNew_timeoutsThroughPgBouncer_refusedByPgBouncer(t *testing.T) {
	t.Parallel()
	b := mustBouncer(t)
	_, err := pool.New(testCtx(t), pool.Config{ConnString: b.URL(), ExecMode: pgx.QueryExecModeExec})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "08P01" ||
		!strings.Contains(pgErr.Message, "unsupported startup parameter: ") {
		t.Fatalf("New through PgBouncer with the default timeouts = %v, want PgBouncer's 08P01 refusal", err)
	}
}

// With ignore_startup_parameters, PgBouncer accepts the parameter and drops it: the
// limit the pool asked for is silently not in force. Hence the refusal of explicit
// timeouts with PgBouncerTransaction.
func TestPgBouncer_ignoreStartupParameters_dropsTimeouts(t *testing.T) {
	t.Parallel()
	r := mustRole(t)
	b := mustBouncer(t, pgserver.WithBouncerUser(r.name, r.password),
		pgserver.WithBouncerSetting("ignore_startup_parameters", "statement_timeout,idle_in_transaction_session_timeout"))
	p := mustNew(t, pool.Config{ConnString: r.url(t, b.URL()), ExecMode: pgx.QueryExecModeExec, StatementTimeout: 5 * time.Second})
	if got := mustShow(t, p, "statement_timeout"); got != "1s" {
		t.Errorf("statement_timeout = %q, want the role's 1s: the 5s sent was expected to be dropped", got)
	}
}

// pgx's default statement cache fails through transaction pooling: a statement
// prepared on one server connection is looked up on another. The scenario is
// deterministic: PgBouncer hands out the most recently released server connection.
func TestPgBouncer_cacheStatementFails(t *testing.T) {
	t.Parallel()
	b := mustBouncer(t)
	ctx := testCtx(t)
	pcfg, err := pgxpool.ParseConfig(b.URL())
	if err != nil {
		t.Fatal(err)
	}
	pcfg.MaxConns = 2
	p, err := pgxpool.NewWithConfig(ctx, pcfg) // cache_statement, pgx's default
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	holder, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := holder.Begin(ctx) // holds server connection S1
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	other, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Release()
	const sql = "SELECT $1::int + 1"
	var n int
	if err := other.QueryRow(ctx, sql, 1).Scan(&n); err != nil { // prepared on S2
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil { // S1 is released last
		t.Fatal(err)
	}
	holder.Release()
	err = other.QueryRow(ctx, sql, 1).Scan(&n) // runs on S1, which lacks the statement
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "26000" {
		t.Fatalf("cached statement on another server connection = %v, want 26000 (prepared statement does not exist)", err)
	}
}

// A mode changed on PgxConfig's result is refused when a connection opens, before any
// statement can fail.
func TestConfig_PgxConfig_execModeChangedAfterwards_refusedAtConnect(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	var userHook bool
	pcfg := mustPgxConfig(t, pool.Config{ConnString: databaseURL, Pooler: pool.PgBouncerTransaction,
		AfterConnect: func(context.Context, *pgx.Conn) error { userHook = true; return nil }})
	pcfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	p, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	err = pool.WarmUp(ctx, p)
	var ce *pool.ConfigError
	if !errors.As(err, &ce) || ce.Field != "ConnConfig.DefaultQueryExecMode" {
		t.Fatalf("WarmUp = %v, want a ConfigError for ConnConfig.DefaultQueryExecMode", err)
	}
	if !strings.Contains(err.Error(), "cache_statement is refused with Pooler pgbouncer_transaction") ||
		!strings.Contains(err.Error(), "set ConnConfig.DefaultQueryExecMode to pgx.QueryExecModeExec") {
		t.Errorf("error = %q", err)
	}
	if userHook {
		t.Error("the user's AfterConnect ran on a refused connection")
	}
}

// A config built with pgxpool, declaring the pooler with pool_pooler: Instrument
// removes the key (PgBouncer would refuse it as a startup parameter) and the pool
// works through PgBouncer.
func TestInstrument_poolerKey_throughPgBouncer(t *testing.T) {
	t.Parallel()
	b := mustBouncer(t)
	ctx := testCtx(t)
	pcfg, err := pgxpool.ParseConfig(b.URL() + "&pool_pooler=pgbouncer_transaction&default_query_exec_mode=exec")
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Instrument(pcfg); err != nil {
		t.Fatal(err)
	}
	p, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 4*25)
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				var n int
				if err := p.QueryRow(ctx, "SELECT $1::int + $2::int", g, i).Scan(&n); err != nil {
					errs <- err
				} else if n != g+i {
					errs <- errors.New("wrong sum")
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("query through PgBouncer: %v", err)
	}
}

// What a client can see of PgBouncer 1.18 at connect time: the server's own startup
// parameters (server_version included), so nothing tells it apart from PostgreSQL;
// only the process id in the cancel key differs from the server backend's. That
// reveals a proxy but not its pool mode (session mode keeps the statement cache
// working), which is why batchorm relies on Config.Pooler rather than detection.
func TestPgBouncer_startupLooksLikePostgreSQL(t *testing.T) {
	t.Parallel()
	b := mustBouncer(t)
	ctx := testCtx(t)
	connect := func(connString string) *pgx.Conn {
		cfg, err := pgx.ParseConfig(connString)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.WithoutCancel(ctx)) })
		return c
	}
	direct, bounced := connect(databaseURL), connect(b.URL())
	for _, k := range []string{"server_version", "server_encoding", "client_encoding", "DateStyle",
		"standard_conforming_strings", "integer_datetimes", "is_superuser", "session_authorization"} {
		if d, p := direct.PgConn().ParameterStatus(k), bounced.PgConn().ParameterStatus(k); d != p || d == "" {
			t.Errorf("%s: direct %q, through PgBouncer %q; want the same, non-empty", k, d, p)
		}
	}
	backendPID := func(c *pgx.Conn) uint32 {
		var pid uint32
		if err := c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		return pid
	}
	if got := backendPID(direct); got != direct.PgConn().PID() {
		t.Errorf("direct: pg_backend_pid() = %d, cancel key pid = %d; want equal", got, direct.PgConn().PID())
	}
	if got := backendPID(bounced); got == bounced.PgConn().PID() {
		t.Errorf("through PgBouncer: pg_backend_pid() = cancel key pid = %d; want PgBouncer's own key", got)
	}
}
