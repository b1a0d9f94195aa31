//go:build unix && !linux

package pgserver_test

import (
	"errors"
	"syscall"
	"testing"
)

// becomeSubreaper does nothing off Linux, where init reaps orphans.
func becomeSubreaper(*testing.T) {}

// processGone reports whether pid has exited.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
