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
// binary that TestStart_crash_watchdogRemovesServer starts, to "panic" or "block".
const helperEnv = "PGSERVER_TEST_HELPER_PROCESS"

// TestHelperProcess is not a real test. In the child process it starts a server,
// reports where it lives, and then panics or blocks until it is killed: a test binary
// that dies before TestMain can stop anything.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	srv, err := pgserver.Start(testContext(t))
	if err != nil {
		fmt.Println("error=" + strings.ReplaceAll(err.Error(), "\n", " | "))
		os.Exit(3)
	}
	fmt.Printf("root=%s\ndir=%s\npid=%d\nwatchdog=%d\n", pgserver.RootDir(srv), srv.Dir(), srv.PID(), pgserver.WatchdogPID(srv))
	if mode == "block" {
		select {}
	}
	panic("pgserver helper: simulated crash in a test")
}

func TestStart_crash_watchdogRemovesServer(t *testing.T) {
	t.Parallel()
	becomeSubreaper(t) // orphans of the children come to us, so we can reap them
	for _, mode := range []string{"panic", "block"} {
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
					t.Fatalf("after 20s: postmaster %d gone: %v, watchdog %d gone: %v, %s exists: %v",
						pid, processGone(pid), wd, processGone(wd), root, exists(t, root))
				case <-tick.C:
				}
			}
		})
	}
}

// runHelper runs TestHelperProcess in a child test binary and returns the cluster's root
// directory, postmaster and watchdog pids once the child is dead: after its panic in
// mode "panic", after SIGKILL in mode "block".
func runHelper(t *testing.T, ctx context.Context, mode string) (root string, pid, wd int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
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
	if mode == "block" {
		_ = cmd.Process.Kill()
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if got["error"] != "" {
		t.Fatalf("helper could not start a server: %s", got["error"])
	}
	if mode == "panic" && !strings.Contains(stderr.String(), "simulated crash") {
		t.Fatalf("helper did not panic: %v\nstderr:\n%s", err, stderr.String())
	}
	pid, _ = strconv.Atoi(got["pid"])
	wd, _ = strconv.Atoi(got["watchdog"])
	if got["root"] == "" || !strings.HasPrefix(got["dir"], got["root"]) || pid <= 0 || wd <= 0 {
		t.Fatalf("unexpected helper output %v (wait: %v)\nstderr:\n%s", got, err, stderr.String())
	}
	return got["root"], pid, wd
}
