package orm

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/internal/route"
	"github.com/batchorm/batchorm/pool"
)

// Routing bounds how a DB with replicas ([WithReplicas], [OpenCluster]) routes reads.
// Zero fields take the defaults.
type Routing struct {
	// MaxWait is how long a read in a session that wrote waits for a replica to
	// replay the write before it goes to the primary. Default 100 ms; negative: go to
	// the primary at once.
	MaxWait time.Duration
	// MaxLagBytes skips a replica that has received this many bytes of WAL more than
	// it has replayed. Default 16 MiB.
	MaxLagBytes int64
	// MaxLag skips a replica whose replay is behind by this long (the time since its
	// last replayed commit, while replay is behind what it received or it is not
	// streaming). Default 30 s.
	MaxLag time.Duration
	// PollInterval is how often each replica is asked for its replay position and
	// lag (one small query per replica per interval, whatever the traffic). Default
	// 100 ms.
	PollInterval time.Duration
	// TokenKey, when set, signs session tokens ([Session.Token]) with HMAC-SHA256, so
	// that [DB.ResumeSession] refuses tokens it did not issue. Without it a token is a
	// plain position: a client that forges one can only make its own reads wait
	// MaxWait and go to the primary.
	TokenKey []byte
}

// WithReplicas makes [New] route reads to replicas: reads outside a transaction
// ([Select]'s All, One, First, Count, Exists, Iter, pages, batches and [Scan]) go to a
// healthy replica; writes, transactions, raw statements and [DB.Exec]/[DB.Query]
// go to the primary pool given to New. See [WithSession] for read-your-writes and the
// package documentation ("Replicas") for the rules. The pools must be built with
// batchorm's tracer (pool.New) unless [WithoutQueryLog] is given; the caller keeps
// owning them. Default: no replicas.
func WithReplicas(replicas ...*pgxpool.Pool) Option {
	return func(o *options) error {
		for _, r := range replicas {
			if r == nil {
				return errors.New("orm: WithReplicas: nil pool")
			}
			if querylog.Find(r.Config().ConnConfig.Tracer) == nil && !o.allowUntraced {
				return ErrUntracedPool
			}
		}
		if len(replicas) > 64 {
			return errors.New("orm: WithReplicas: at most 64 replicas")
		}
		o.replicas = append(o.replicas, replicas...)
		return nil
	}
}

// WithRouting sets the bounds of replica routing; see [Routing]. Default: Routing{}.
func WithRouting(r Routing) Option {
	return func(o *options) error {
		if r.MaxLagBytes < 0 || r.MaxLag < 0 || r.PollInterval < 0 {
			return errors.New("orm: WithRouting: MaxLagBytes, MaxLag and PollInterval cannot be negative")
		}
		o.routing = r
		return nil
	}
}

// OpenCluster builds the pools of cfg with [pool.NewCluster] and returns a DB that
// routes reads to the replicas ([WithReplicas]) and owns every pool: [DB.Close]
// closes them.
func OpenCluster(ctx context.Context, cfg pool.ClusterConfig, opts ...Option) (*DB, error) {
	c, err := pool.NewCluster(ctx, cfg)
	if err != nil {
		return nil, err
	}
	db, err := New(c.Primary, append(append([]Option(nil), opts...), WithReplicas(c.Replicas...))...)
	if err != nil {
		c.Close()
		return nil, err
	}
	db.owned = true
	db.replicas = c.Replicas
	return db, nil
}

// route starts the router of a DB made with replicas.
func (db *DB) route(o options) error {
	db.rt = route.New(db.pool, o.replicas, route.Config{MaxWait: o.routing.MaxWait, MaxLagBytes: o.routing.MaxLagBytes,
		MaxLag: o.routing.MaxLag, PollInterval: o.routing.PollInterval})
	db.key = o.routing.TokenKey
	db.q = &route.Writer{Pool: db.pool}
	return nil
}

func (db *DB) closeRouter() {
	if db.rt != nil {
		db.rt.Close()
		for _, r := range db.replicas {
			r.Close()
		}
	}
}

// reader returns the querier of one read: the router's pick, or the handle's own
// querier without replicas and inside a transaction.
func (db *DB) reader() Querier {
	if db.rt == nil || db.InTx() {
		return db.q
	}
	return route.NewReader(db.rt)
}

// rawQuerier is the querier of [Raw]: the primary unless ctx says [AsRead].
func (db *DB) rawQuerier(ctx context.Context) Querier {
	if db.rt != nil && route.IsRead(ctx) && !db.InTx() {
		return route.NewReader(db.rt)
	}
	return db.q
}

// OnPrimary returns a context whose reads go to the primary, for a DB with replicas:
// for a read that must see everything committed, from any session.
func OnPrimary(ctx context.Context) context.Context { return route.OnPrimary(ctx) }

// AsRead returns a context in which raw reads are routed like queries (to a replica,
// honouring the session): [Raw], and the pgx methods [DB.Query], [DB.QueryRow] and
// [DB.SendBatch], which loader.Preload and loader/dataload use on a DB. Without it
// they go to the primary, since batchorm cannot tell a raw read from a raw write;
// [DB.Exec] and [DB.CopyFrom] always do. In a session ([DB.WithSession]) a raw
// statement on the primary is treated as a write: COMMIT and a read of the primary's
// WAL position are pipelined behind it (no extra round trip), because a raw Query may
// be an INSERT ... RETURNING or call a function that writes. The session then covers
// that position, which may include other sessions' writes, so its later reads may
// wait for a replica or go to the primary when nothing of theirs changed: mark raw
// reads with AsRead.
func AsRead(ctx context.Context) context.Context { return route.AsRead(ctx) }

// ErrInvalidSessionToken is matched by errors.Is for every error of
// [DB.ResumeSession]: a token that is malformed, too long, of an unknown version, or
// (with [Routing.TokenKey]) not signed by this key.
var ErrInvalidSessionToken = route.ErrInvalidToken

// Session is a read-your-writes scope of a DB with replicas: it holds the primary's
// WAL position after the scope's latest write. Reads with its context go to a replica
// that has replayed that position, wait up to [Routing.MaxWait] for one, or go to the
// primary. It is safe for concurrent use.
type Session struct {
	s   *route.Session
	key []byte
}

// WithSession returns a context carrying a new, empty session, and the session. Writes
// sent with the context (or one derived from it) record their position in the
// session in their own round trip; reads with it see those writes. Start one per
// request or per user action; carry it to later requests with [Session.Token].
func (db *DB) WithSession(ctx context.Context) (context.Context, *Session) {
	s := &Session{s: &route.Session{}, key: db.key}
	return route.WithSession(ctx, s.s), s
}

// ResumeSession is [DB.WithSession] starting from the position in token (from
// [Session.Token], e.g. carried in a cookie or header). The empty token starts an
// empty session. A token that does not parse or, with [Routing.TokenKey], was not
// signed with the key, is an error matching [ErrInvalidSessionToken], and no context
// is returned.
func (db *DB) ResumeSession(ctx context.Context, token string) (context.Context, *Session, error) {
	pos, err := route.Decode(token, db.key)
	if err != nil {
		return nil, nil, err
	}
	ctx, s := db.WithSession(ctx)
	s.s.Advance(pos)
	return ctx, s, nil
}

// Token returns the session's position as a short printable string ("s1." and hex
// digits, then a signature with [Routing.TokenKey]) for a cookie or header.
func (s *Session) Token() string { return route.Encode(s.s.Pos(), s.key) }

// Wrote reports whether a write in the session has recorded a position.
func (s *Session) Wrote() bool { return s.s.Pos() > 0 }

// RouteStats counts the reads a DB with replicas routed, since it was made.
type RouteStats struct {
	// PrimaryReads counts reads sent to the primary: asked for ([OnPrimary]), no
	// healthy replica, or no replica caught up with the session in time.
	PrimaryReads int64
	// ReplicaReads counts the reads sent to each replica, in the order given.
	ReplicaReads []int64
	// ReplicaUp says which replicas are in rotation now.
	ReplicaUp []bool
}

// RouteStats returns the routing counters; the zero value without replicas.
func (db *DB) RouteStats() RouteStats {
	if db.rt == nil {
		return RouteStats{}
	}
	p, rs := db.rt.Reads()
	st := RouteStats{PrimaryReads: p, ReplicaReads: rs}
	for i := range rs {
		st.ReplicaUp = append(st.ReplicaUp, db.rt.Up(i))
	}
	return st
}
