package pgserver

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// The watchdog scripts wait until fd 3 reaches end of file, which happens when the last
// holder of the pipe's write end, this process, closes it or dies (panic, os.Exit,
// SIGKILL alike). They then remove what they guard.
//
// A pipe is better than polling "kill -0 PID": it fires at once, cannot be fooled by
// PID reuse, and works although the watchdog runs as the postgres user, which may not
// signal a root process.

// clusterWatchdog stops a cluster and deletes its directories. The arguments are
// pg_ctl, the data directory and the root directory.
const clusterWatchdog = `while read -r _line <&3; do :; done
exec 3<&-
"$1" -D "$2" -m immediate -w -t 30 stop >/dev/null 2>&1
rm -rf "$3"
`

// bouncerWatchdog kills a PgBouncer and deletes its directory. Each line read from
// the pipe is the process id of the PgBouncer just started (see [watchdog.tell]); the
// last one is killed. PgBouncer keeps no data, so SIGKILL loses nothing. The argument
// is the root directory.
const bouncerWatchdog = `pid=
while read -r line <&3; do pid=$line; done
exec 3<&-
[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
rm -rf "$1"
`

// lifelines keeps every watchdog pipe's write end reachable until its owner is stopped:
// an *os.File closes itself when collected, and that would stop a server that a caller
// still uses through its URL after dropping the *Server or *Bouncer.
var lifelines sync.Map // *os.File → struct{}

// watchdog is the detached cleanup process of one cluster or PgBouncer.
type watchdog struct {
	cmd      *exec.Cmd
	lifeline *os.File // write end of the pipe the watchdog reads

	mu sync.Mutex // serialises tell and stop
}

// startWatchdog runs script with args ($1, $2, ...) under /bin/sh as acct, in its own
// session, with stdin, stdout and stderr on /dev/null, so that neither terminal signals
// nor a test runner waiting for output pipes are tied to it, and with the read end of
// the lifeline on fd 3.
func startWatchdog(script string, args []string, acct *account) (*watchdog, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pgserver: watchdog pipe: %w", err)
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "pgserver-watchdog"}, args...)...)
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

// tell writes one line to the watchdog, for scripts that read what to clean up from
// the pipe. A line shorter than the pipe buffer is written at once.
func (wd *watchdog) tell(line string) error {
	wd.mu.Lock()
	defer wd.mu.Unlock()
	if _, err := wd.lifeline.WriteString(line + "\n"); err != nil {
		return fmt.Errorf("pgserver: tell watchdog: %w", err)
	}
	return nil
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
	wd.mu.Lock()
	defer wd.mu.Unlock()
	if err := wd.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("pgserver: stop watchdog: %w", err)
	}
	_ = wd.cmd.Wait() // "signal: killed" is the expected outcome
	lifelines.Delete(wd.lifeline)
	return wd.lifeline.Close()
}
