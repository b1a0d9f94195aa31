//go:build unix

package pgserver_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
)

// helperEnv makes TestHelperProcess act: it is set only for the re-executed test
// binary that the crash tests start, to "panic" or "block", prefixed with "bouncer-"
// for a PgBouncer in front of the server helperServerEnv names.
const (
	helperEnv       = "PGSERVER_TEST_HELPER_PROCESS"
	helperServerEnv = "PGSERVER_TEST_HELPER_SERVER"
)

// TestHelperProcess is not a real test. In the child process it starts a server (or a
// PgBouncer), reports where it lives, and then panics or blocks until it is killed: a
// test binary that dies before TestMain can stop anything.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	fail := func(err error) {
		fmt.Println("error=" + strings.ReplaceAll(err.Error(), "\n", " | "))
		os.Exit(3)
	}
	if m, ok := strings.CutPrefix(mode, "bouncer-"); ok {
		mode = m
		b, err := pgserver.StartBouncer(testContext(t), os.Getenv(helperServerEnv))
		if err != nil {
			fail(err)
		}
		root := pgserver.BouncerRoot(b)
		fmt.Printf("root=%s\ndir=%s\npid=%d\nwatchdog=%d\n", root, root, b.PID(), pgserver.BouncerWatchdogPID(b))
	} else {
		srv, err := pgserver.Start(testContext(t))
		if err != nil {
			fail(err)
		}
		fmt.Printf("root=%s\ndir=%s\npid=%d\nwatchdog=%d\n", pgserver.RootDir(srv), srv.Dir(), srv.PID(), pgserver.WatchdogPID(srv))
	}
	if mode == "block" {
		select {}
	}
	panic("pgserver helper: simulated crash in a test")
}

func TestStart_crash_watchdogRemovesServer(t *testing.T) {
	t.Parallel()
	testCrash(t, "panic", "block")
}

func TestStartBouncer_crash_watchdogRemovesBouncer(t *testing.T) {
	t.Parallel()
	testCrash(t, "bouncer-panic", "bouncer-block")
}

// testCrash runs the helper in each mode and waits until the watchdog has removed what
// the dead helper started.
func testCrash(t *testing.T, modes ...string) {
	becomeSubreaper(t) // orphans of the children come to us, so we can reap them
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			root, pid, wd := runHelper(t, ctx, mode)
			wait, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for !processGone(pid) || !processGone(wd) || exists(t, root) {
				select {
				case <-wait.Done():
					t.Fatalf("after 20s: process %d gone: %v, watchdog %d gone: %v, %s exists: %v",
						pid, processGone(pid), wd, processGone(wd), root, exists(t, root))
				case <-tick.C:
				}
			}
		})
	}
}

// runHelper runs TestHelperProcess in a child test binary and returns the root
// directory, the process (postmaster or pgbouncer) and watchdog pids once the child is
// dead: after its panic in the "panic" modes, after SIGKILL in the "block" modes.
func runHelper(t *testing.T, ctx context.Context, mode string) (root string, pid, wd int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	if strings.HasPrefix(mode, "bouncer-") {
		cmd.Env = append(cmd.Env, helperServerEnv+"="+mustShared(t, ctx))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for got["watchdog"] == "" && got["error"] == "" && sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			got[k] = v
		}
	}
	if strings.HasSuffix(mode, "block") {
		_ = cmd.Process.Kill()
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if got["error"] != "" {
		t.Fatalf("helper could not start a server: %s", got["error"])
	}
	if strings.HasSuffix(mode, "panic") && !strings.Contains(stderr.String(), "simulated crash") {
		t.Fatalf("helper did not panic: %v\nstderr:\n%s", err, stderr.String())
	}
	pid, _ = strconv.Atoi(got["pid"])
	wd, _ = strconv.Atoi(got["watchdog"])
	if got["root"] == "" || !strings.HasPrefix(got["dir"], got["root"]) || pid <= 0 || wd <= 0 {
		t.Fatalf("unexpected helper output %v (wait: %v)\nstderr:\n%s", got, err, stderr.String())
	}
	return got["root"], pid, wd
}
