package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// phaseTimeout bounds initdb and the wait for the server to accept connections,
	// on top of the caller's context.
	phaseTimeout = 60 * time.Second
	// stopTimeout is how long Stop waits after SIGQUIT before it kills the server.
	stopTimeout = 10 * time.Second
	// pollInterval is the pause between connection attempts while the server starts.
	pollInterval = 10 * time.Millisecond
	// portAttempts is how many free ports Start tries when the chosen one is taken.
	portAttempts = 5
	// logName is the server log's file name inside the data directory.
	logName = "server.log"
)

// errPortTaken marks a start that failed because another process bound the port.
var errPortTaken = errors.New("port already in use")

// Server is a throwaway PostgreSQL cluster started by [Start]. Its methods are safe for
// concurrent use. A Server that is never stopped lives until the process exits; its
// watchdog then removes it.
type Server struct {
	bins    binaries
	acct    *account // nil: run as the current user
	root    string   // holds data and sock; removed by Stop
	dataDir string
	sockDir string
	url     string

	wd     *watchdog
	proc   *os.Process   // the postmaster, our child
	exited chan struct{} // closed once proc has exited and been reaped

	primary *Server // set on a replica made by StartReplica
	slot    string  // its replication slot on primary

	stopOnce sync.Once
	stopErr  error
}

// Start creates a new cluster in a temporary directory, starts it on a free port of
// 127.0.0.1 and returns once it accepts connections. The server is not shared: the
// caller stops it with [Server.Stop]. ctx bounds the start only; it does not stop the
// server later. Without binaries Start returns [ErrNoServer]; when the server fails to
// start, the error carries the tail of its log.
func Start(ctx context.Context, opts ...Option) (*Server, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	bins, err := findBinaries(o.search)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgserver: start: %w", err)
	}
	s := &Server{bins: bins, acct: acct}
	if err := s.setUp(ctx, o); err != nil {
		if stopErr := s.Stop(); stopErr != nil {
			return nil, fmt.Errorf("%w (cleanup: %v)", err, stopErr)
		}
		return nil, err
	}
	return s, nil
}

// URL returns the server's connection URL,
// postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable. The user postgres is a
// superuser and needs no password.
func (s *Server) URL() string { return s.url }

// Dir returns the cluster's data directory. Stop deletes it.
func (s *Server) Dir() string { return s.dataDir }

// PID returns the process id of the postmaster.
func (s *Server) PID() int {
	if s.proc == nil {
		return 0
	}
	return s.proc.Pid
}

// Stop shuts the server down at once (an immediate shutdown: the data is thrown away),
// deletes its data and socket directories and ends its watchdog. It is idempotent:
// later calls return the first call's result. Stop on a nil *Server returns nil.
func (s *Server) Stop() error {
	if s == nil {
		return nil
	}
	s.stopOnce.Do(func() { s.stopErr = s.stop() })
	return s.stopErr
}

func (s *Server) stop() error {
	var errs []error
	if err := s.stopPostgres(); err != nil {
		errs = append(errs, err)
	}
	if err := s.dropSlot(); err != nil {
		errs = append(errs, err)
	}
	if s.root != "" {
		if err := os.RemoveAll(s.root); err != nil {
			errs = append(errs, fmt.Errorf("pgserver: remove cluster: %w", err))
		}
	}
	if err := s.wd.stop(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// makeDirs creates the server's temporary root (named from pattern, given to hook when
// set), its private socket directory, owned by the account the server runs as, and
// the watchdog that removes them if this process dies.
func (s *Server) makeDirs(pattern string, hook func(string)) error {
	root, err := os.MkdirTemp("", pattern)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	s.root = root
	s.dataDir = filepath.Join(root, "data")
	s.sockDir = filepath.Join(root, "sock")
	if hook != nil {
		hook(root)
	}
	if err := os.Mkdir(s.sockDir, 0o700); err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	if err := s.acct.chown(root, s.sockDir); err != nil {
		return err
	}
	s.wd, err = startWatchdog(clusterWatchdog, []string{s.bins.pgCtl, s.dataDir, root}, s.acct)
	return err
}

// setUp creates the directories and the watchdog, then initialises and starts the
// cluster. Start calls Stop when it fails, whatever was done so far.
func (s *Server) setUp(ctx context.Context, o *options) error {
	if err := s.makeDirs("pgserver-", o.rootHook); err != nil {
		return err
	}
	if err := s.initdb(ctx); err != nil {
		return err
	}
	if err := s.configure(o.settings); err != nil {
		return err
	}
	return s.startPostgres(ctx, o.pickPort)
}

// initdb creates the cluster: trust authentication, superuser postgres, UTF8, C locale.
func (s *Server) initdb(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bins.initdb, "-D", s.dataDir, "-A", "trust", "-U", "postgres",
		"--no-sync", "-E", "UTF8", "--locale=C")
	cmd.Dir = s.root
	cmd.Env = childEnv()
	cmd.SysProcAttr = s.acct.procAttr(false)
	cmd.WaitDelay = time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		hint := ""
		if s.acct != nil {
			hint = " (running as root, so initdb runs as user postgres, which must be able to reach " + s.root +
				" and " + s.bins.initdb + "; set TMPDIR if needed)"
		}
		return fmt.Errorf("pgserver: initdb%s: %w\n%s", hint, err, tail(out))
	}
	return nil
}

// configure appends the listen address, socket directory and settings to
// postgresql.conf.
func (s *Server) configure(settings []setting) error {
	all := append([]setting{
		{"listen_addresses", "127.0.0.1"},
		{"unix_socket_directories", s.sockDir},
	}, settings...)
	f, err := os.OpenFile(filepath.Join(s.dataDir, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	_, err = f.WriteString(confLines(all))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgserver: write postgresql.conf: %w", err)
	}
	return nil
}

// startPostgres starts the server on a free port, trying another port when a process
// took the chosen one in the meantime.
func (s *Server) startPostgres(ctx context.Context, pickPort func() (int, error)) error {
	for attempt := 1; ; attempt++ {
		port, err := pickPort()
		if err != nil {
			return fmt.Errorf("pgserver: pick a free port: %w", err)
		}
		err = s.launch(ctx, port)
		if err == nil || !errors.Is(err, errPortTaken) || attempt == portAttempts {
			return err
		}
	}
}

// launch runs postgres on port as a child of this process (so that we reap it), in
// its own session, logging to the data directory, and waits until it accepts
// connections on its private socket. The socket directory is ours alone, so a
// connection there cannot reach another server that took the port.
func (s *Server) launch(ctx context.Context, port int) error {
	logPath := filepath.Join(s.dataDir, logName)
	c, err := startChild(s.acct, s.root, logPath, s.bins.postgres, "-D", s.dataDir, "-p", strconv.Itoa(port))
	if err != nil {
		return err
	}
	logStart := c.logStart
	s.proc, s.exited = c.proc, c.exited
	if err := s.waitReady(ctx, port); err != nil {
		stopErr := s.stopPostgres()
		s.proc, s.exited = nil, nil
		return errors.Join(s.startError(port, logPath, logStart, err), stopErr)
	}
	s.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return nil
}

// waitReady polls the server's socket until a connection succeeds, the server exits,
// or ctx (bounded by phaseTimeout) ends.
func (s *Server) waitReady(ctx context.Context, port int) error {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	connString := fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres sslmode=disable",
		quoteConnValue(s.sockDir), port)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		conn, err := pgx.Connect(ctx, connString)
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-s.exited:
			return errors.New("server exited during startup")
		case <-ctx.Done():
			return fmt.Errorf("server not ready: %w (last attempt: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// startError describes a failed start, with the part of the log this attempt wrote.
// It wraps errPortTaken when the log says the port was in use.
func (s *Server) startError(port int, logPath string, logStart int64, cause error) error {
	log := readFrom(logPath, logStart)
	if strings.Contains(log, "Address already in use") {
		cause = fmt.Errorf("%w: %w", errPortTaken, cause)
	}
	return fmt.Errorf("pgserver: start postgres on 127.0.0.1:%d: %w\nserver log:\n%s", port, cause, tail([]byte(log)))
}

// stopPostgres sends the postmaster SIGQUIT (immediate shutdown) and waits for it to
// exit, killing it after stopTimeout.
func (s *Server) stopPostgres() error {
	if s.proc == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = quit(s.proc) // fails only if it has just exited
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		return nil
	case <-timer.C:
	}
	_ = s.proc.Kill()
	<-s.exited
	return fmt.Errorf("pgserver: server (pid %d) ignored SIGQUIT for %s and was killed", s.proc.Pid, stopTimeout)
}

// childEnv is this process's environment without PG* variables, which would otherwise
// redirect initdb, pg_ctl or postgres (PGDATA, PGPORT, PGOPTIONS, ...).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

// quoteConnValue quotes a keyword/value connection string value.
func quoteConnValue(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// readFrom returns the content of path from offset on, or a note saying why it can't.
func readFrom(path string, offset int64) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	if offset > int64(len(data)) {
		offset = 0
	}
	return string(data[offset:])
}

// tail returns about the last 4 KiB of out, starting at a line boundary.
func tail(out []byte) string {
	const limit = 4 << 10
	s := strings.TrimSpace(string(out))
	if len(s) <= limit {
		return s
	}
	s = s[len(s)-limit:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "...\n" + s
}
