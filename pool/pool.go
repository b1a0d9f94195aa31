package pool

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/querylog"
)

// New validates cfg, builds a pool from [Config.PgxConfig] and, unless cfg.LazyConnect is
// set, warms it up with [WarmUp] before returning, so connection problems surface here.
// ctx governs the warm-up only; pgxpool's background work ignores its cancellation. On a
// warm-up error the pool is closed and nil is returned.
//
// The result is a plain *pgxpool.Pool, safe for concurrent use, with batchorm's statement
// counter installed. The caller closes it.
func New(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pcfg, err := cfg.PgxConfig()
	if err != nil {
		return nil, err
	}
	p, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, redact("create pool", err, cfg.ConnString, pcfg.ConnConfig.Password)
	}
	if cfg.LazyConnect {
		return p, nil
	}
	if err := WarmUp(ctx, p); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// PgxConfig validates c and returns the *pgxpool.Config it describes, with every default
// applied and batchorm's statement counter installed after c.Tracers. Use it to adjust
// what Config does not cover before calling [pgxpool.NewWithConfig] (then call [WarmUp]
// yourself if you want it).
//
// Server-side settings become runtime parameters: application_name, and
// statement_timeout and idle_in_transaction_session_timeout in milliseconds when they
// are on; a disabled timeout sends nothing, so the role's or database's setting
// applies.
//
// With Pooler PgBouncerTransaction the result's AfterConnect checks each new
// connection's DefaultQueryExecMode before running c.AfterConnect, so a mode changed
// on the result to one the pooler cannot carry fails every connection with a
// *[ConfigError] instead of failing statements at random.
func (c Config) PgxConfig() (*pgxpool.Config, error) {
	r, err := c.resolve()
	if err != nil {
		return nil, err
	}
	pcfg, err := pgxpool.ParseConfig(c.ConnString)
	if err != nil {
		return nil, redact("parse connection string", err, c.ConnString)
	}
	pcfg.MaxConns = r.MaxConns
	pcfg.MinConns = r.MinConns
	pcfg.MinIdleConns = r.MinIdleConns
	pcfg.MaxConnLifetime = offAs(r.MaxConnLifetime, forever)
	pcfg.MaxConnLifetimeJitter = offAs(r.MaxConnLifetimeJitter, 0)
	if r.MaxConnLifetime < 0 {
		pcfg.MaxConnLifetimeJitter = 0
	}
	pcfg.MaxConnIdleTime = offAs(r.MaxConnIdleTime, forever)
	pcfg.HealthCheckPeriod = r.HealthCheckPeriod
	pcfg.PingTimeout = offAs(r.PingTimeout, 0)
	pcfg.AfterConnect = guardExecMode(r.Pooler, r.AfterConnect)

	cc := pcfg.ConnConfig
	cc.ConnectTimeout = offAs(r.ConnectTimeout, 0)
	cc.DefaultQueryExecMode = r.ExecMode
	for _, k := range ownKeys {
		delete(cc.RuntimeParams, k)
	}
	cc.RuntimeParams["application_name"] = r.ApplicationName
	if r.StatementTimeout > 0 {
		cc.RuntimeParams["statement_timeout"] = millis(r.StatementTimeout)
	}
	if r.IdleInTransactionSessionTimeout > 0 {
		cc.RuntimeParams["idle_in_transaction_session_timeout"] = millis(r.IdleInTransactionSessionTimeout)
	}

	tracers := r.Tracers
	if r.Logger != nil {
		tracers = append(slices.Clip(tracers), querylog.NewSlog(r.Logger, r.slowStatement()))
	}
	switch len(tracers) {
	case 0:
	case 1:
		cc.Tracer = tracers[0]
	default:
		cc.Tracer = multitracer.New(tracers...)
	}
	querylog.Install(pcfg)
	return pcfg, nil
}

// Instrument prepares a pgxpool config built without this package: it installs
// batchorm's statement counter, composed with any tracer already set (which keeps
// receiving every event), and applies the pool_pooler key of the config's connection
// string. orm.New refuses a pool whose config lacks the counter. Call Instrument before
// [pgxpool.NewWithConfig]; calling it again changes nothing (the first call removed
// pool_pooler).
//
// pgxpool leaves pool_pooler among the parameters it would send to the server;
// Instrument removes it. With pool_pooler=pgbouncer_transaction, a
// ConnConfig.DefaultQueryExecMode the pooler cannot carry (pgx's default,
// cache_statement, as well as cache_describe and describe_exec) is refused with a
// *[ConfigError] for "ConnConfig.DefaultQueryExecMode" that says what to set, and
// cfg.AfterConnect is wrapped to check every new connection's mode, as [Config.PgxConfig]
// does. An unknown pool_pooler value is a *ConfigError for "pool_pooler". On an error
// cfg is left unchanged. A nil cfg, or one without ConnConfig, is an error.
func Instrument(cfg *pgxpool.Config) error {
	if cfg == nil || cfg.ConnConfig == nil {
		return errors.New("pool: Instrument: nil config (build it with pgxpool.ParseConfig)")
	}
	p, err := poolerKey(cfg.ConnConfig.RuntimeParams)
	if err != nil {
		return err
	}
	if p != NoPooler {
		if err := execModeError("ConnConfig.DefaultQueryExecMode", cfg.ConnConfig.DefaultQueryExecMode, p,
			pgxFix); err != nil {
			return err
		}
		cfg.AfterConnect = guardExecMode(p, cfg.AfterConnect)
	}
	delete(cfg.ConnConfig.RuntimeParams, "pool_pooler")
	querylog.Install(cfg)
	return nil
}

// pgxFix is what to do about a refused mode on a pgx config.
const pgxFix = "set ConnConfig.DefaultQueryExecMode to pgx.QueryExecModeExec or pgx.QueryExecModeSimpleProtocol, " +
	"or default_query_exec_mode=exec in the connection string"

// poolerKey reads the pool_pooler key that pgxpool left in params.
func poolerKey(params map[string]string) (Pooler, error) {
	s, ok := params["pool_pooler"]
	if !ok {
		return NoPooler, nil
	}
	var c Config
	if err := setPooler(&c, s); err != nil {
		return NoPooler, &ConfigError{Field: "pool_pooler", Err: err}
	}
	return c.Pooler, nil
}

// guardExecMode returns the AfterConnect hook for pooler p: with a pooler, it refuses a
// connection whose DefaultQueryExecMode the pooler cannot carry, then runs next.
// Without one it returns next unchanged.
func guardExecMode(p Pooler, next func(context.Context, *pgx.Conn) error) func(context.Context, *pgx.Conn) error {
	if p == NoPooler {
		return next
	}
	return func(ctx context.Context, conn *pgx.Conn) error {
		if err := execModeError("ConnConfig.DefaultQueryExecMode", conn.Config().DefaultQueryExecMode, p,
			pgxFix); err != nil {
			return err
		}
		if next != nil {
			return next(ctx, conn)
		}
		return nil
	}
}

// WarmUp opens max(1, MinConns, MinIdleConns) connections of p's config at once, pings
// one of them and returns them to p, so that the first requests find ready connections
// and a bad configuration fails now. ctx bounds the whole warm-up. Errors are prefixed
// "pool: warm up: "; errors.As reaches pgconn's *ConnectError or *PgError.
func WarmUp(ctx context.Context, p *pgxpool.Pool) error {
	if p == nil {
		return errors.New("pool: warm up: nil pool")
	}
	cfg := p.Config()
	n := max(1, int(cfg.MinConns), int(cfg.MinIdleConns))
	conns := make([]*pgxpool.Conn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { conns[i], errs[i] = p.Acquire(ctx) })
	}
	wg.Wait()
	var first error
	pinged := false
	for i, c := range conns {
		if c == nil {
			first = cmp.Or(first, errs[i])
			continue
		}
		if !pinged {
			pinged = true
			first = cmp.Or(first, c.Ping(ctx))
		}
		c.Release()
	}
	if first != nil {
		return redact("warm up", first, cfg.ConnString(), cfg.ConnConfig.Password)
	}
	return nil
}

// offAs maps a disabled (negative) duration to off, the value pgxpool/pgx take for it.
func offAs(d, off time.Duration) time.Duration {
	if d < 0 {
		return off
	}
	return d
}

// millis renders a positive d as PostgreSQL millisecond text, rounding up so that it
// never becomes 0 (which PostgreSQL reads as "no limit").
func millis(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10)
}

// defaultSlowStatement is the Warn threshold of Logger when SlowStatement is 0.
const defaultSlowStatement = 200 * time.Millisecond

// slowStatement returns the Warn threshold: the default for 0, none for Disable.
func (c Config) slowStatement() time.Duration {
	switch {
	case c.SlowStatement == 0:
		return defaultSlowStatement
	case c.SlowStatement < 0:
		return 0
	}
	return c.SlowStatement
}
