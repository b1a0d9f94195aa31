package pgserver_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/pgserver"
)

// mustStartBouncer starts a PgBouncer in front of the shared server and stops it when
// the test ends.
func mustStartBouncer(t testing.TB, ctx context.Context, opts ...pgserver.BouncerOption) *pgserver.Bouncer {
	t.Helper()
	b, err := pgserver.StartBouncer(ctx, mustShared(t, ctx), opts...)
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

// mustAdminConfig returns the settings a PgBouncer's admin console shows.
func mustAdminConfig(t testing.TB, ctx context.Context, bouncerURL string) map[string]string {
	t.Helper()
	admin, err := pgserver.WithDatabase(bouncerURL, "pgbouncer")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SHOW CONFIG", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cfg := map[string]string{}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		k, _ := v[0].(string)
		cfg[k], _ = v[1].(string)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// bouncedInt runs sql through the PgBouncer at connString with the exec protocol (no
// prepared statements, as transaction pooling needs) and returns its int result.
func bouncedInt(ctx context.Context, connString, sql string) (int, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return 0, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, err
	}
	var n int
	err = conn.QueryRow(ctx, sql).Scan(&n)
	return n, errors.Join(err, conn.Close(ctx))
}

// TestStartBouncer_transactionPooling also covers the port retry: the first port
// offered is held by a listener, so pgbouncer must fail to bind it and StartBouncer
// must try another.
func TestStartBouncer_transactionPooling(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var picks atomic.Int32
	pick := func() (int, error) {
		if picks.Add(1) == 1 {
			return taken.Addr().(*net.TCPAddr).Port, nil
		}
		return pgserver.FreePort()
	}
	b := mustStartBouncer(t, ctx, pgserver.WithBouncerPortPicker(pick))
	if n := picks.Load(); n != 2 {
		t.Errorf("picked %d ports, want 2 (a retry after the taken one)", n)
	}
	if !strings.HasPrefix(b.URL(), "postgres://postgres@127.0.0.1:") || !strings.HasSuffix(b.URL(), "/postgres?sslmode=disable") {
		t.Errorf("URL = %q", b.URL())
	}
	cfg := mustAdminConfig(t, ctx, b.URL())
	for k, want := range map[string]string{"pool_mode": "transaction", "listen_addr": "127.0.0.1", "auth_type": "trust"} {
		if cfg[k] != want {
			t.Errorf("%s = %q, want %q", k, cfg[k], want)
		}
	}
	// Any database of the server is reachable under its name.
	admin := mustShared(t, ctx)
	name := "bouncer_reach_" + strconv.Itoa(os.Getpid())
	if _, err := pgserver.CreateDatabase(ctx, admin, name, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pgserver.DropDatabase(context.WithoutCancel(ctx), admin, name) })
	through, err := pgserver.WithDatabase(b.URL(), name)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := bouncedInt(ctx, through, "SELECT 41 + 1"); err != nil || n != 42 {
		t.Fatalf("query through PgBouncer = %d, %v", n, err)
	}
}

func TestBouncer_Stop_removesEverything(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	b, err := pgserver.StartBouncer(ctx, mustShared(t, ctx))
	if err != nil {
		t.Fatal(err)
	}
	root, pid, wd := pgserver.BouncerRoot(b), b.PID(), pgserver.BouncerWatchdogPID(b)
	for range 2 {
		if err := b.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}
	}
	if exists(t, root) {
		t.Errorf("%s still exists after Stop", root)
	}
	for _, p := range []int{pid, wd} {
		if !processGone(p) {
			t.Errorf("process %d still running after Stop", p)
		}
	}
	if _, err := bouncedInt(ctx, b.URL(), "SELECT 1"); err == nil {
		t.Error("PgBouncer still answers after Stop")
	}
}

func TestStartBouncer_noBinary_errorSaysHowToFix(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	_, err := pgserver.StartBouncer(ctx, "postgres://app@127.0.0.1:1/app", pgserver.WithBouncerPath(t.TempDir(), true))
	if !errors.Is(err, pgserver.ErrNoBouncer) {
		t.Fatalf("err = %v, want ErrNoBouncer", err)
	}
	const want = "pgserver: no PgBouncer: install it so that pgbouncer is on PATH or at /usr/sbin/pgbouncer " +
		"(Debian: apt-get install -y pgbouncer)"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestStartBouncer_invalidOptions(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	tests := map[string]pgserver.BouncerOption{
		"empty binary":     pgserver.WithBouncerBinary(""),
		"empty user":       pgserver.WithBouncerUser("", "pw"),
		"bad setting name": pgserver.WithBouncerSetting("pool mode", "session"),
		"newline in value": pgserver.WithBouncerSetting("pool_mode", "session\nauth_type = any"),
	}
	for name, opt := range tests {
		if _, err := pgserver.StartBouncer(ctx, "postgres://app@127.0.0.1:1/app", opt); err == nil ||
			!strings.HasPrefix(err.Error(), "pgserver: ") {
			t.Errorf("%s: err = %v, want a pgserver error", name, err)
		}
	}
	_, err := pgserver.StartBouncer(ctx, "postgres://app@127.0.0.1:1/app", pgserver.WithBouncerBinary(t.TempDir()))
	if !errors.Is(err, pgserver.ErrNoBouncer) {
		t.Errorf("a directory as binary: err = %v, want ErrNoBouncer", err)
	}
}

func TestStartBouncer_badSetting_returnsLog(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	_, err := pgserver.StartBouncer(ctx, mustShared(t, ctx), pgserver.WithBouncerSetting("pool_mode", "sideways"))
	if err == nil {
		t.Fatal("PgBouncer started with pool_mode = sideways")
	}
	for _, want := range []string{"pgserver: start pgbouncer on 127.0.0.1:", "pgbouncer log:", "sideways"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestSharedBouncer_startsOneInFrontOfDatabaseURL(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	server := mustShared(t, ctx)
	sh := pgserver.NewTestSharedBouncer(func(k string) string {
		if k == "DATABASE_URL" {
			return server
		}
		return ""
	}, nil)
	urls := make([]string, 3)
	var wg sync.WaitGroup
	for i := range urls {
		wg.Go(func() {
			var err error
			if urls[i], err = sh.BouncerURL(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if urls[0] != urls[1] || urls[0] != urls[2] {
		t.Fatalf("concurrent calls returned %q", urls)
	}
	if n, err := bouncedInt(ctx, urls[0], "SELECT 7"); err != nil || n != 7 {
		t.Fatalf("query through PgBouncer = %d, %v", n, err)
	}
	if sh.Server() != nil {
		t.Error("a cluster was started although DATABASE_URL is set")
	}
	b := sh.Bouncer()
	root, pid := pgserver.BouncerRoot(b), b.PID()
	if err := sh.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if exists(t, root) || !processGone(pid) {
		t.Errorf("PgBouncer left behind after Stop: %s exists: %v, process gone: %v", root, exists(t, root), processGone(pid))
	}
	if sh.Bouncer() != nil {
		t.Error("Bouncer() not nil after Stop")
	}
}

// With DATABASE_URL set and no pgbouncer, the error says how to install it: tests
// that need the PgBouncer fail with it, never skip.
func TestSharedBouncer_databaseURLSet_noBinary_errorSaysHowToFix(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	sh := pgserver.NewTestSharedBouncer(func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://app:secret@db.invalid:5432/app"
		}
		return ""
	}, nil, pgserver.WithBouncerPath(t.TempDir(), true))
	_, err := sh.BouncerURL(ctx)
	if !errors.Is(err, pgserver.ErrNoBouncer) || !strings.Contains(err.Error(), "apt-get install -y pgbouncer") {
		t.Fatalf("err = %v, want ErrNoBouncer saying how to install it", err)
	}
	if err := sh.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}
