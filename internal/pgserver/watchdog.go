package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// watchdogScript waits until fd 3 reaches end of file, which happens when the last
// holder of the pipe's write end, this process, closes it or dies (panic, os.Exit,
// SIGKILL alike). It then stops the cluster and deletes its directories.
//
// A pipe is better than polling "kill -0 PID": it fires at once, cannot be fooled by
// PID reuse, and works although the watchdog runs as the postgres user, which may not
// signal a root process. The arguments are pg_ctl, the data directory and the root
// directory.
const watchdogScript = `while read -r _line <&3; do :; done
exec 3<&-
"$1" -D "$2" -m immediate -w -t 30 stop >/dev/null 2>&1
rm -rf "$3"
`

// lifelines keeps every watchdog pipe's write end reachable until its Server is
// stopped: an *os.File closes itself when collected, and that would stop a server that
// a caller still uses through its URL after dropping the *Server.
var lifelines sync.Map // *os.File → struct{}

// watchdog is the detached cleanup process of one cluster.
type watchdog struct {
	cmd      *exec.Cmd
	lifeline *os.File // write end of the pipe the watchdog reads
}

// startWatchdog starts the watchdog for a cluster in root, whose data directory is
// dataDir. It runs as acct, in its own session, with stdin, stdout and stderr on
// /dev/null, so that neither terminal signals nor a test runner waiting for output
// pipes are tied to it.
func startWatchdog(pgCtl, dataDir, root string, acct *account) (*watchdog, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pgserver: watchdog pipe: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "pgserver-watchdog", pgCtl, dataDir, root)
	cmd.Dir = "/"
	cmd.Env = childEnv()
	cmd.ExtraFiles = []*os.File{r} // fd 3
	cmd.SysProcAttr = acct.procAttr(true)
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("pgserver: start watchdog: %w", err)
	}
	lifelines.Store(w, struct{}{})
	return &watchdog{cmd: cmd, lifeline: w}, nil
}

// pid returns the watchdog's process id, or 0.
func (wd *watchdog) pid() int {
	if wd == nil {
		return 0
	}
	return wd.cmd.Process.Pid
}

// stop ends the watchdog without letting it clean up; the caller has done that.
func (wd *watchdog) stop() error {
	if wd == nil {
		return nil
	}
	if err := wd.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgserver: stop watchdog: %w", err)
	}
	_ = wd.cmd.Wait() // "signal: killed" is the expected outcome
	lifelines.Delete(wd.lifeline)
	return wd.lifeline.Close()
}
