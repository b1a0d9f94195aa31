package route

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/querylog"
)

// Config bounds the router. Zero fields take the defaults.
type Config struct {
	MaxWait      time.Duration // default 100 ms; negative: never wait
	MaxLagBytes  int64         // default 16 MiB
	MaxLag       time.Duration // default 30 s
	PollInterval time.Duration // default 100 ms
}

// Defaults of [Config].
const (
	DefaultMaxWait      = 100 * time.Millisecond
	DefaultMaxLagBytes  = 16 << 20
	DefaultMaxLag       = 30 * time.Second
	DefaultPollInterval = 100 * time.Millisecond
)

func (c Config) withDefaults() Config {
	if c.MaxWait == 0 {
		c.MaxWait = DefaultMaxWait
	}
	if c.MaxLagBytes == 0 {
		c.MaxLagBytes = DefaultMaxLagBytes
	}
	if c.MaxLag == 0 {
		c.MaxLag = DefaultMaxLag
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	return c
}

// replaySQL reads a replica's state: replayed position, whether it is a replica at
// all, bytes received but not replayed, and the time since the last replayed commit
// when replay is behind what was received or nothing is streaming (else 0).
const replaySQL = querylog.CatalogMarker + `SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0')::int8, 0),
	pg_is_in_recovery(),
	COALESCE((pg_last_wal_receive_lsn() - pg_last_wal_replay_lsn())::int8, 0),
	CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
		AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
	ELSE COALESCE(EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8`

// positionSQL reads the position a replica must replay to show a commit that ended
// before it: the primary's insert position, in bytes from 0/0. Right after a page
// header that position names the byte after the header, while a replica reports the
// page boundary until the next record arrives; the header (24 bytes, 40 at a segment
// start) is subtracted so that waiting ends.
const positionSQL = querylog.CatalogMarker + `SELECT x - CASE
	WHEN x % pg_size_bytes(current_setting('wal_segment_size')) = 40 THEN 40
	WHEN x % current_setting('wal_block_size')::int8 = 24 THEN 24 ELSE 0 END
	FROM (SELECT (pg_current_wal_insert_lsn() - '0/0')::int8 AS x) AS p`

// replayPosSQL reads only a replica's replayed position, while a read waits for it.
const replayPosSQL = querylog.CatalogMarker + `SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0')::int8, 0)`

// member is one replica and what the router last learned about it.
type member struct {
	pool   *pgxpool.Pool
	replay atomic.Int64 // replayed position, bytes from 0/0
	up     atomic.Bool  // reachable, in recovery, within the lag bounds
	reads  atomic.Int64 // reads routed here
}

// Router picks the server of each read. It is safe for concurrent use.
type Router struct {
	primary   *pgxpool.Pool
	members   []*member
	cfg       Config
	next      atomic.Uint32
	primReads atomic.Int64

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// New returns a router over primary and replicas and starts polling each replica
// every cfg.PollInterval (the first time at once) until [Router.Close]. Until its first
// poll, a replica counts as healthy with nothing replayed: reads outside a session may
// go to it (and move on if it is unreachable), reads in a session that wrote ask it.
func New(primary *pgxpool.Pool, replicas []*pgxpool.Pool, cfg Config) *Router {
	r := &Router{primary: primary, cfg: cfg.withDefaults(), stop: make(chan struct{})}
	for _, p := range replicas {
		m := &member{pool: p}
		m.up.Store(true)
		r.members = append(r.members, m)
	}
	for _, m := range r.members {
		r.wg.Go(func() { r.pollLoop(m) })
	}
	return r
}

// Close stops the polling. The pools stay open.
func (r *Router) Close() {
	r.once.Do(func() { close(r.stop); r.wg.Wait() })
}

// Primary returns the primary's pool.
func (r *Router) Primary() *pgxpool.Pool { return r.primary }

// Replicas returns the number of replicas.
func (r *Router) Replicas() int { return len(r.members) }

// Reads returns the number of reads routed to the primary and to each replica.
func (r *Router) Reads() (primary int64, replicas []int64) {
	for _, m := range r.members {
		replicas = append(replicas, m.reads.Load())
	}
	return r.primReads.Load(), replicas
}

// Up reports whether replica i is currently chosen for reads.
func (r *Router) Up(i int) bool { return r.members[i].up.Load() }

func (r *Router) pollLoop(m *member) {
	t := time.NewTicker(r.cfg.PollInterval)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), max(r.cfg.PollInterval, time.Second))
		r.poll(ctx, m)
		cancel()
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}

// poll reads m's state and marks it up or down.
func (r *Router) poll(ctx context.Context, m *member) {
	var (
		replay, lagBytes int64
		recovery         bool
		lagSeconds       float64
	)
	err := m.pool.QueryRow(ctx, replaySQL).Scan(&replay, &recovery, &lagBytes, &lagSeconds)
	if err != nil {
		m.up.Store(false)
		return
	}
	m.replay.Store(replay)
	lag := time.Duration(lagSeconds * float64(time.Second))
	m.up.Store(recovery && lagBytes <= r.cfg.MaxLagBytes && lag <= r.cfg.MaxLag)
}

// MarkDown takes replica i out of rotation until a poll finds it healthy.
func (r *Router) MarkDown(i int) { r.members[i].up.Store(false) }

// Pick returns the pool a read with ctx goes to and the replica's index, or -1 for
// the primary: the primary when ctx asks for it; else a healthy replica that replayed
// the session's position (the least busy one, ties in turn); else, when the session
// wrote, a replica that catches up within MaxWait; else the primary. skip lists
// replicas a failed attempt of this read already tried.
func (r *Router) Pick(ctx context.Context, skip uint64) (*pgxpool.Pool, int) {
	if len(r.members) == 0 || Primary(ctx) {
		r.primReads.Add(1)
		return r.primary, -1
	}
	var need int64
	if s := SessionFrom(ctx); s != nil {
		need = s.Pos()
	}
	if i := r.choose(need, skip); i >= 0 {
		return r.members[i].pool, i
	}
	if need > 0 && r.cfg.MaxWait > 0 {
		if i := r.wait(ctx, need, skip); i >= 0 {
			return r.members[i].pool, i
		}
	}
	r.primReads.Add(1)
	return r.primary, -1
}

// choose returns the healthy replica with the fewest acquired connections among
// those that replayed need, starting the scan at a rotating index so that ties are
// shared in turn; -1 if none.
func (r *Router) choose(need int64, skip uint64) int {
	n := len(r.members)
	start := int(r.next.Add(1)) % n
	best, bestBusy := -1, int32(0)
	for k := range n {
		i := (start + k) % n
		m := r.members[i]
		if skip&(1<<uint(i)) != 0 || !m.up.Load() || m.replay.Load() < need {
			continue
		}
		busy := m.pool.Stat().AcquiredConns()
		if best < 0 || busy < bestBusy {
			best, bestBusy = i, busy
		}
	}
	if best >= 0 {
		r.members[best].reads.Add(1)
	}
	return best
}

// wait asks the healthy replicas for their replayed position until one reaches need
// or MaxWait passes.
func (r *Router) wait(ctx context.Context, need int64, skip uint64) int {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.MaxWait)
	defer cancel()
	pause := time.Millisecond
	for {
		for i, m := range r.members {
			if skip&(1<<uint(i)) != 0 || !m.up.Load() {
				continue
			}
			var pos int64
			if err := m.pool.QueryRow(ctx, replayPosSQL).Scan(&pos); err != nil {
				if ctx.Err() != nil {
					return -1
				}
				continue
			}
			m.replay.Store(max(pos, m.replay.Load()))
			if pos >= need {
				m.reads.Add(1)
				return i
			}
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return -1
		case <-t.C:
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// ConnLost reports whether err says a connection could not be made or broke: a read
// that failed so on a replica is safe to send elsewhere.
func ConnLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" || strings.HasPrefix(pgErr.Code, "08")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || pgconn.SafeToRetry(err) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		(errors.As(err, &netErr) && !netErr.Timeout())
}
