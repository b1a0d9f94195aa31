//go:build unix

package pgserver

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// account is the system user the server runs as when this process is root. A nil
// *account means "the current user".
type account struct {
	uid, gid int
}

// serverAccount returns nil when the process is not root, and the "postgres" system
// user otherwise, since initdb and postgres refuse to run as root.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgserver: running as root, and initdb refuses to run as root, "+
			"but there is no \"postgres\" system user to run it as (create one, e.g. "+
			"useradd --system --user-group postgres, run as another user, or set DATABASE_URL): %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("pgserver: user postgres: uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("pgserver: user postgres: gid %q: %w", u.Gid, err)
	}
	return &account{uid: uid, gid: gid}, nil
}

// procAttr returns the attributes for a child process: run as a, and in a new session
// when detach is set, so that signals sent to this process's group (Ctrl-C) don't reach
// it and only Stop or the watchdog end it.
func (a *account) procAttr(detach bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setsid: detach}
	if a != nil {
		attr.Credential = &syscall.Credential{Uid: uint32(a.uid), Gid: uint32(a.gid)}
	}
	return attr
}

// chown gives paths to a; a no-op for the current user.
func (a *account) chown(paths ...string) error {
	if a == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, a.uid, a.gid); err != nil {
			return fmt.Errorf("pgserver: %w", err)
		}
	}
	return nil
}

// quit asks postgres for an immediate shutdown.
func quit(p *os.Process) error {
	return p.Signal(syscall.SIGQUIT)
}
