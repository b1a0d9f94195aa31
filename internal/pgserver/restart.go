package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"
)

// Restart stops the server and starts it again on the same data directory and port,
// for fault tests: fast (SIGINT: sessions are ended, a checkpoint is written) or, with
// immediate, a crash (SIGQUIT: the next start replays the WAL). Connections open
// before it are broken. Do not call it concurrently with Stop.
func (s *Server) Restart(ctx context.Context, immediate bool) error {
	if s.proc == nil {
		return errors.New("pgserver: restart: server not running")
	}
	u, err := url.Parse(s.url)
	if err != nil {
		return fmt.Errorf("pgserver: restart: %w", err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return fmt.Errorf("pgserver: restart: port of %s: %w", s.url, err)
	}
	if immediate {
		err = quit(s.proc)
	} else {
		err = s.proc.Signal(os.Interrupt)
	}
	if err != nil {
		return fmt.Errorf("pgserver: restart: signal postgres: %w", err)
	}
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		return fmt.Errorf("pgserver: restart: server (pid %d) did not stop within %s", s.proc.Pid, stopTimeout)
	case <-ctx.Done():
		return fmt.Errorf("pgserver: restart: %w", ctx.Err())
	}
	return s.launch(ctx, port)
}
