//go:build !unix

package pgserver

import (
	"errors"
	"os"
	"syscall"
)

// account is unused off Unix: throwaway clusters need a Unix system.
type account struct{}

// serverAccount fails: the watchdog and process handling need a Unix system.
func serverAccount() (*account, error) {
	return nil, errors.New("pgserver: throwaway clusters need a Unix system; set DATABASE_URL")
}

func (a *account) procAttr(bool) *syscall.SysProcAttr { return nil }

func (a *account) chown(...string) error { return nil }

func quit(p *os.Process) error { return p.Kill() }
