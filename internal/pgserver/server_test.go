package pgserver_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/batchorm/batchorm/internal/pgserver"
)

// fakeServerBinDir returns a directory holding an initdb that only creates the data
// directory, a no-op pg_ctl, and a postgres that prints fatalLine and exits 1. The
// directory is readable by all: as root, the binaries run as the postgres user.
func fakeServerBinDir(t *testing.T, fatalLine string) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	scripts := map[string]string{
		"initdb":   `mkdir -p "$2" && : > "$2/postgresql.conf"`,
		"pg_ctl":   `exit 0`,
		"postgres": `echo '` + fatalLine + `' >&2; exit 1`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestStart_serverFails_errorHasLogAndCleansUp(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		logLine   string
		wantPicks int32
		want      []string
	}{
		"fatal error": {
			logLine:   "FATAL:  simulated startup failure",
			wantPicks: 1,
			want:      []string{"pgserver: start postgres on 127.0.0.1:", "server exited during startup", "server log:\nFATAL:  simulated startup failure"},
		},
		"port always taken": {
			logLine:   `LOG:  could not bind IPv4 address "127.0.0.1": Address already in use`,
			wantPicks: 5,
			want:      []string{"port already in use", "Address already in use"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			var root string
			var picks atomic.Int32
			srv, err := pgserver.Start(ctx,
				pgserver.WithBinDir(fakeServerBinDir(t, tc.logLine)),
				pgserver.WithRootHook(func(r string) { root = r }),
				pgserver.WithPortPicker(func() (int, error) { picks.Add(1); return pgserver.FreePort() }))
			if err == nil {
				srv.Stop()
				t.Fatal("Start succeeded")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
			if got := picks.Load(); got != tc.wantPicks {
				t.Errorf("tried %d ports, want %d", got, tc.wantPicks)
			}
			if root == "" || exists(t, root) {
				t.Errorf("cluster directory %q left behind", root)
			}
		})
	}
}

func TestStart_invalidOptions_error(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	tests := map[string]struct {
		opt  pgserver.Option
		want string
	}{
		"setting name with space": {pgserver.WithSetting("log statement", "all"), "invalid parameter name"},
		"empty setting name":      {pgserver.WithSetting("", "x"), "invalid parameter name"},
		"empty bin dir":           {pgserver.WithBinDir(""), "empty directory"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv, err := pgserver.Start(ctx, tc.opt)
			if err == nil {
				srv.Stop()
				t.Fatal("Start succeeded")
			}
			if !strings.HasPrefix(err.Error(), "pgserver: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestStart_noBinaries_ErrNoServer(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	_, err := pgserver.Start(ctx, pgserver.WithBinDir(t.TempDir()))
	if !errors.Is(err, pgserver.ErrNoServer) {
		t.Fatalf("err = %v, want ErrNoServer", err)
	}
}

// fakeBinDir creates dir holding the named executables.
func fakeBinDir(t *testing.T, dir string, names ...string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFindBinDir(t *testing.T) {
	t.Parallel()
	all := []string{"initdb", "pg_ctl", "postgres"}
	base := t.TempDir()
	for _, v := range []string{"9.6", "10", "16", "15"} {
		fakeBinDir(t, filepath.Join(base, "lib", v, "bin"), all...)
	}
	fakeBinDir(t, filepath.Join(base, "lib", "17", "bin"), "initdb", "pg_ctl") // incomplete
	partial := fakeBinDir(t, filepath.Join(base, "partial"), "initdb")
	onPath := fakeBinDir(t, filepath.Join(base, "onpath"), all...)
	glob := filepath.Join(base, "lib", "*", "bin")

	tests := map[string]struct {
		path, glob string
		want       string
	}{
		"PATH first":                     {onPath, glob, onPath},
		"highest complete version":       {"", glob, filepath.Join(base, "lib", "16", "bin")},
		"incomplete PATH dir is skipped": {partial, glob, filepath.Join(base, "lib", "16", "bin")},
		"relative PATH dir is ignored":   {"onpath", "", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := pgserver.FindBinDir(tc.path, tc.glob)
			if tc.want == "" {
				if !errors.Is(err, pgserver.ErrNoServer) {
					t.Fatalf("FindBinDir = %q, %v; want ErrNoServer", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("FindBinDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestFindBinDir_symlinkedInitdb_findsSiblings(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	real := fakeBinDir(t, filepath.Join(base, "real"), "initdb", "pg_ctl", "postgres")
	link := fakeBinDir(t, filepath.Join(base, "link"))
	if err := os.Symlink(filepath.Join(real, "initdb"), filepath.Join(link, "initdb")); err != nil {
		t.Fatal(err)
	}
	got, err := pgserver.FindBinDir(link)
	if err != nil || got != real {
		t.Fatalf("FindBinDir = %q, %v; want %q", got, err, real)
	}
}
