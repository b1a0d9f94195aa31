package pgserver_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/batchorm/batchorm/internal/pgserver"
)

func noEnv(string) string { return "" }

func TestShared_concurrentCalls_sameWorkingURL(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	urls := make([]string, 2)
	var wg sync.WaitGroup
	for i := range urls {
		wg.Go(func() {
			var err error
			if urls[i], err = pgserver.Shared(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if urls[0] != urls[1] {
		t.Fatalf("Shared returned %q and %q", urls[0], urls[1])
	}
	if got := mustQueryInt(t, ctx, urls[0], "SELECT 1"); got != 1 {
		t.Fatalf("SELECT 1 = %d", got)
	}
}

// TestShared_noDatabaseURL_startsOneCluster also covers the port retry: the first port
// offered is held by a listener, so postgres must fail to bind it and Start must try
// another.
func TestShared_noDatabaseURL_startsOneCluster(t *testing.T) {
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
	sh := pgserver.NewTestShared(noEnv, pgserver.WithPortPicker(pick))

	urls := make([]string, 3)
	var wg sync.WaitGroup
	for i := range urls {
		wg.Go(func() {
			var err error
			if urls[i], err = sh.URL(ctx); err != nil {
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
	if !strings.HasPrefix(urls[0], "postgres://postgres@127.0.0.1:") || !strings.HasSuffix(urls[0], "/postgres?sslmode=disable") {
		t.Errorf("URL = %q", urls[0])
	}
	if n := picks.Load(); n != 2 {
		t.Errorf("picked %d ports, want 2 (a retry after the taken one)", n)
	}
	if got := mustQueryInt(t, ctx, urls[0], "SELECT 1"); got != 1 {
		t.Fatalf("SELECT 1 = %d", got)
	}
	settings := map[string]string{"fsync": "off", "max_connections": "200", "listen_addresses": "127.0.0.1"}
	for name, want := range settings {
		got := mustQueryString(t, ctx, urls[0], "SELECT current_setting('"+name+"')")
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	srv := sh.Server()
	root, pid, wd := pgserver.RootDir(srv), srv.PID(), pgserver.WatchdogPID(srv)
	for range 2 {
		if err := sh.Stop(); err != nil {
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
	if sh.Server() != nil {
		t.Error("Server() not nil after Stop")
	}
}

func TestShared_databaseURLSet_returnedAsIs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const want = "postgres://app:secret@db.invalid:5432/app?sslmode=require"
	sh := pgserver.NewTestShared(func(key string) string {
		if key == "DATABASE_URL" {
			return want
		}
		return ""
	}, pgserver.WithBinarySearch(""))
	got, err := sh.URL(ctx)
	if err != nil || got != want {
		t.Fatalf("URL() = %q, %v; want %q", got, err, want)
	}
	if sh.Server() != nil {
		t.Error("a cluster was started although DATABASE_URL is set")
	}
	if err := sh.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestShared_noBinaries_errorSaysHowToFix(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	sh := pgserver.NewTestShared(noEnv, pgserver.WithBinarySearch(t.TempDir(), t.TempDir()+"/*/bin"))
	_, err := sh.URL(ctx)
	if !errors.Is(err, pgserver.ErrNoServer) {
		t.Fatalf("err = %v, want ErrNoServer", err)
	}
	for _, want := range []string{"pgserver: ", "DATABASE_URL=postgres://", "initdb", "/usr/lib/postgresql/*/bin", "apt-get install -y postgresql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := sh.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestShared_canceledContext_returnsError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()
	sh := pgserver.NewTestShared(noEnv)
	if _, err := sh.URL(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if err := sh.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
}
