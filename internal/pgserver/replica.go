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
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// replicaCount numbers the replication slots made by this process.
var replicaCount atomic.Int64

// replicaSettings are applied to every replica after the primary's own settings
// (copied by pg_basebackup) and before the [WithSetting] ones: a standby is not a
// synchronous primary, so that once promoted it does not wait for a standby it lacks.
var replicaSettings = []setting{
	{"synchronous_standby_names", ""},
	{"hot_standby", "on"},
}

// StartReplica starts a streaming replica (a hot standby) of primary, a server started
// by [Start]: pg_basebackup copies primary's data directory through a new physical
// replication slot (-C -S) and writes the standby configuration (-R), then postgres
// runs on the copy on its own free port of 127.0.0.1, with its own socket directory and
// watchdog, like a cluster from Start. It returns once the replica accepts read-only
// connections.
//
// The primary needs nothing beyond Start's defaults: wal_level=replica,
// max_wal_senders and max_replication_slots are PostgreSQL's defaults (10 each), and
// initdb's pg_hba.conf trusts replication connections from 127.0.0.1. opts apply to
// the replica's postgresql.conf, after the primary's settings (which the copy keeps)
// and after synchronous_standby_names=” and hot_standby=on.
//
// Stop the replica with [Server.Stop]; it drops its slot on the primary when the
// primary is still up (a slot kept on a throwaway primary only holds WAL back).
func StartReplica(ctx context.Context, primary *Server, opts ...Option) (*Server, error) {
	if primary == nil || primary.url == "" {
		return nil, errors.New("pgserver: StartReplica: primary not running")
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	o.settings = append(append(append([]setting(nil), testSettings...), replicaSettings...), o.settings[len(testSettings):]...)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgserver: start replica: %w", err)
	}
	s := &Server{bins: primary.bins, acct: primary.acct, primary: primary}
	s.slot = fmt.Sprintf("pgserver_%d_%d", os.Getpid(), replicaCount.Add(1))
	if err := s.setUpReplica(ctx, o); err != nil {
		if stopErr := s.Stop(); stopErr != nil {
			return nil, fmt.Errorf("%w (cleanup: %v)", err, stopErr)
		}
		return nil, err
	}
	return s, nil
}

// setUpReplica is setUp with pg_basebackup in place of initdb.
func (s *Server) setUpReplica(ctx context.Context, o *options) error {
	if err := s.makeDirs("pgserver-replica-", nil); err != nil {
		return err
	}
	if err := s.baseBackup(ctx); err != nil {
		return err
	}
	// The copy holds the primary's log; the replica writes its own.
	if err := os.Remove(filepath.Join(s.dataDir, logName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgserver: %w", err)
	}
	if err := s.configure(o.settings); err != nil {
		return err
	}
	return s.startPostgres(ctx, o.pickPort)
}

// baseBackup copies the primary's data directory through a new replication slot and
// writes standby.signal and primary_conninfo.
func (s *Server) baseBackup(ctx context.Context) error {
	port, err := s.primary.port()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	bin, err := s.bins.sibling("pg_basebackup")
	if err != nil {
		return err
	}
	conn := fmt.Sprintf("host=127.0.0.1 port=%d user=postgres sslmode=disable application_name=%s", port, s.slot)
	cmd := exec.CommandContext(ctx, bin, "-D", s.dataDir, "-d", conn, "-R", "-C", "-S", s.slot,
		"-X", "stream", "--no-sync", "-c", "fast")
	cmd.Dir = s.root
	cmd.Env = childEnv()
	cmd.SysProcAttr = s.acct.procAttr(false)
	cmd.WaitDelay = time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgserver: pg_basebackup: %w\n%s", err, tail(out))
	}
	return nil
}

// port returns the TCP port of s.
func (s *Server) port() (int, error) {
	i := strings.LastIndexByte(s.url, ':')
	j := strings.IndexByte(s.url[i+1:], '/')
	if i < 0 || j < 0 {
		return 0, fmt.Errorf("pgserver: no port in %s", s.url)
	}
	return strconv.Atoi(s.url[i+1 : i+1+j])
}

// dropSlot drops the replica's slot on its primary, if both are still there.
func (s *Server) dropSlot() error {
	if s.primary == nil || s.slot == "" || s.primary.stopped() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.primary.exec(ctx,
		"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", s.slot)
	if err != nil {
		return fmt.Errorf("pgserver: drop replication slot %s: %w", s.slot, err)
	}
	return nil
}

// stopped reports whether s's postmaster has exited (or never ran).
func (s *Server) stopped() bool {
	if s.exited == nil {
		return true
	}
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// Slot returns the name of the replication slot a replica streams through, or "" for a
// server that is not a replica made by [StartReplica].
func (s *Server) Slot() string { return s.slot }

// Promote ends recovery on a replica: it becomes a primary that accepts writes. It
// waits (at most 60 s, and within ctx) until the promotion is complete.
func (s *Server) Promote(ctx context.Context) error {
	var ok bool
	if err := s.queryRow(ctx, "SELECT pg_promote(true, 60)", nil, &ok); err != nil {
		return fmt.Errorf("pgserver: promote: %w", err)
	}
	if !ok {
		return errors.New("pgserver: promote: not promoted within 60 s")
	}
	return nil
}

// PauseReplay pauses WAL replay on a replica (pg_wal_replay_pause) and waits until
// replay has stopped: the replica keeps receiving WAL but its data stays as it is
// until [Server.ResumeReplay].
func (s *Server) PauseReplay(ctx context.Context) error {
	if err := s.exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		return fmt.Errorf("pgserver: pause replay: %w", err)
	}
	return s.poll(ctx, "pause replay", func(ctx context.Context) (bool, error) {
		var state string
		err := s.queryRow(ctx, "SELECT pg_get_wal_replay_pause_state()", nil, &state)
		return state == "paused", err
	})
}

// ResumeReplay resumes WAL replay on a replica (pg_wal_replay_resume).
func (s *Server) ResumeReplay(ctx context.Context) error {
	if err := s.exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		return fmt.Errorf("pgserver: resume replay: %w", err)
	}
	return nil
}

// WaitCaughtUp waits until the replica has replayed everything its primary had
// written when WaitCaughtUp was called, or ctx ends.
func (s *Server) WaitCaughtUp(ctx context.Context) error {
	if s.primary == nil {
		return errors.New("pgserver: WaitCaughtUp: not a replica")
	}
	// The insert position is past every commit record written so far (committed
	// asynchronously or not). Right after a page header it names the byte after the
	// header, which a standby that replayed up to the page boundary never reports
	// until more WAL comes: the comparison subtracts the header.
	var target string
	const sql = `SELECT (l - CASE
		WHEN (l - '0/0') % pg_size_bytes(current_setting('wal_segment_size')) = 40 THEN 40
		WHEN (l - '0/0') % current_setting('wal_block_size')::int = 24 THEN 24
		ELSE 0 END)::text FROM (SELECT pg_current_wal_insert_lsn() AS l) AS p`
	if err := s.primary.queryRow(ctx, sql, nil, &target); err != nil {
		return fmt.Errorf("pgserver: WaitCaughtUp: primary position: %w", err)
	}
	return s.poll(ctx, "catch up to "+target, func(ctx context.Context) (bool, error) {
		var ok bool
		err := s.queryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", []any{target}, &ok)
		return ok, err
	})
}

// poll calls cond until it reports true, fails, or ctx (bounded by phaseTimeout) ends.
func (s *Server) poll(ctx context.Context, what string, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		ok, err := cond(ctx)
		if err != nil {
			return fmt.Errorf("pgserver: %s: %w", what, err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("pgserver: %s: %w", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// exec runs sql on s over a new connection.
func (s *Server) exec(ctx context.Context, sql string, args ...any) error {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// queryRow runs sql on s over a new connection and scans its one row into dest.
func (s *Server) queryRow(ctx context.Context, sql string, args []any, dest ...any) error {
	conn, err := pgx.Connect(ctx, s.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return conn.QueryRow(ctx, sql, args...).Scan(dest...)
}

// sibling returns the program name from the directory of pg_ctl, or of the file
// pg_ctl's symlink points to.
func (b binaries) sibling(name string) (string, error) {
	dirs := []string{filepath.Dir(b.pgCtl)}
	if real, err := filepath.EvalSymlinks(b.pgCtl); err == nil {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, dir := range dirs {
		if p := filepath.Join(dir, name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("pgserver: no %s next to %s (Debian: apt-get install -y postgresql)", name, b.pgCtl)
}
