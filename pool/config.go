package pool

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Disable turns off a timeout or limit in [Config] that can be off. Any negative duration
// means the same; Disable is the readable spelling. A zero duration means "use the
// default", never "off".
const Disable time.Duration = -1

// Defaults applied by [New] and [Config.PgxConfig] to zero fields. [Config] documents why
// each was chosen.
const (
	DefaultMaxConnLifetime                 = time.Hour
	DefaultMaxConnIdleTime                 = 30 * time.Minute
	DefaultHealthCheckPeriod               = time.Minute
	DefaultPingTimeout                     = 5 * time.Second
	DefaultConnectTimeout                  = 5 * time.Second
	DefaultStatementTimeout                = 30 * time.Second
	DefaultIdleInTransactionSessionTimeout = time.Minute
	DefaultApplicationName                 = "batchorm"
)

// forever stands in for "no limit" where pgxpool has no off switch (lifetime, idle time).
const forever = 100 * 365 * 24 * time.Hour

// maxServerTimeout is the largest value PostgreSQL accepts for its millisecond timeouts.
const maxServerTimeout = math.MaxInt32 * time.Millisecond

// Pooler names the connection pooler, if any, between the application and PostgreSQL.
// It selects which [pgx.QueryExecMode] values are safe.
type Pooler int

const (
	// NoPooler means batchorm talks to PostgreSQL directly, or through a pooler in session
	// mode, which behaves the same. It is the zero value.
	NoPooler Pooler = iota

	// PgBouncerTransaction means PgBouncer (or a compatible pooler) in transaction mode,
	// where consecutive transactions, and consecutive round trips outside a transaction,
	// may run on different server connections. The default [Config.ExecMode] becomes
	// [pgx.QueryExecModeExec], and the modes that rely on server-side state kept between
	// round trips are refused. The server-side timeouts are not sent (PgBouncer refuses
	// them as startup parameters): put them on the role or database instead. See
	// "PgBouncer" in the package documentation.
	PgBouncerTransaction
)

// String returns the connection-string spelling of p ("none", "pgbouncer_transaction").
func (p Pooler) String() string {
	switch p {
	case NoPooler:
		return "none"
	case PgBouncerTransaction:
		return "pgbouncer_transaction"
	default:
		return fmt.Sprintf("Pooler(%d)", int(p))
	}
}

// Config configures a pool built by [New]. The zero value is usable: every zero field
// means "use the default", which its comment states with its unit and the reason for it.
// Durations that can be turned off take [Disable] (or any negative value).
//
// Fields set to non-zero values take precedence over the same setting given as a key in
// ConnString; keys in ConnString take precedence over the defaults. [ParseConfig] fills
// the fields from the keys, so a parsed Config can be edited like pgxpool's.
//
// A Config holds no state once used: the same value may build many pools. Copy it with
// [Config.Copy] before changing Tracers if the original is shared.
type Config struct {
	// ConnString is a PostgreSQL URL or keyword/value connection string, parsed as by
	// [pgxpool.ParseConfig], so libpq's PG* environment variables apply. Default "" (all
	// from the environment, as libpq). The keys [ParseConfig] lists are read from it.
	ConnString string

	// MaxConns is the largest number of open connections. Default max(4, GOMAXPROCS),
	// raised to MinConns or MinIdleConns if those are larger. pgxpool uses NumCPU;
	// GOMAXPROCS follows a container's CPU limit (Go 1.25+), so a pod capped at 2 CPUs on a
	// 64-core host opens 4, not 64, of the server's max_connections slots (100 by default,
	// shared by every replica).
	MaxConns int32

	// MinConns is the number of connections kept open even when idle. Default 0: idle
	// connections cost server memory and connection slots, and warm-up (see LazyConnect)
	// already proves at startup that connecting works.
	MinConns int32

	// MinIdleConns is the number of idle connections kept ready, to absorb bursts without
	// connect latency. Default 0, for the same reason as MinConns.
	MinIdleConns int32

	// MaxConnLifetime is how long a connection may live before it is closed and replaced.
	// Default 1 hour (pgxpool's): long enough to amortise connect cost, short enough to
	// rebalance after a failover or DNS change and to release server-side memory bloat.
	// Disable keeps connections indefinitely.
	MaxConnLifetime time.Duration

	// MaxConnLifetimeJitter adds a random 0..jitter to each connection's lifetime, so
	// connections opened together (as warm-up does) are not all replaced together.
	// Default a tenth of MaxConnLifetime (6 minutes with the default hour); pgxpool's is 0.
	// Disable means no jitter.
	MaxConnLifetimeJitter time.Duration

	// MaxConnIdleTime is how long an idle connection above MinConns stays open. Default
	// 30 minutes (pgxpool's): a burst's extra connections are given back to the server
	// once the burst is long over. Disable keeps idle connections open.
	MaxConnIdleTime time.Duration

	// HealthCheckPeriod is how often idle connections are checked for age and idleness
	// and MinConns is restored. Default 1 minute (pgxpool's). It cannot be disabled: a
	// negative value is an error.
	HealthCheckPeriod time.Duration

	// PingTimeout bounds the liveness ping pgxpool sends when handing out a connection
	// that was idle for over a second. Default 5 seconds (pgxpool's is none): after a
	// failover or a NAT timeout a half-open connection never answers, and without a bound
	// the caller waits for its own deadline and fails instead of getting a fresh
	// connection. Disable leaves only the caller's context.
	PingTimeout time.Duration

	// ConnectTimeout bounds opening one connection (dial, TLS and authentication) to one
	// host address. Default 5 seconds: a healthy connect takes milliseconds, and without a
	// bound a black-holed address hangs a caller for the kernel's TCP retry time (about
	// two minutes on Linux). The connect_timeout key (seconds) sets it too. Disable leaves
	// only the caller's context (pgxpool still caps each connect at 2 minutes).
	ConnectTimeout time.Duration

	// StatementTimeout is PostgreSQL's statement_timeout for every connection, sent as a
	// startup parameter in whole milliseconds (rounded up). Default 30 seconds: a runaway
	// query otherwise holds its locks and its connection until someone notices. Raise it
	// for a transaction with SET LOCAL statement_timeout. Disable sends nothing, so the
	// limit set on the role or database (ALTER ROLE … SET statement_timeout), or else the
	// server's, applies. With Pooler PgBouncerTransaction the default is Disable and any
	// other value is refused: PgBouncer does not pass the startup parameter on.
	StatementTimeout time.Duration

	// IdleInTransactionSessionTimeout is PostgreSQL's idle_in_transaction_session_timeout,
	// sent like StatementTimeout. Default 1 minute: a transaction left open by a bug holds
	// locks and stops VACUUM; the server ends such a session. Disable sends nothing, as
	// for StatementTimeout, and Pooler PgBouncerTransaction treats it the same way.
	IdleInTransactionSessionTimeout time.Duration

	// ApplicationName is sent as application_name and shown in pg_stat_activity and the
	// server log. Default "batchorm", so the pool's sessions can be told apart.
	ApplicationName string

	// ExecMode is pgx's default [pgx.QueryExecMode]. Default (zero):
	// [pgx.QueryExecModeCacheStatement], pgx's own default, which prepares each statement
	// once per connection and then runs it in one round trip; with Pooler
	// PgBouncerTransaction, [pgx.QueryExecModeExec]. The default_query_exec_mode key sets
	// it too.
	ExecMode pgx.QueryExecMode

	// Pooler names the pooler in front of PostgreSQL. Default NoPooler. The pool_pooler
	// key sets it too ("none", "pgbouncer_transaction").
	Pooler Pooler

	// Logger, when set, logs every statement the pool sends: at Debug with its text
	// (one line), duration, rows, number of arguments (never their values) and kind;
	// at Warn when it took SlowStatement or longer; at Error when it failed. Batches
	// are one record. It composes with Tracers. Default nil: no statement logging.
	Logger *slog.Logger

	// SlowStatement is the duration from which Logger reports a statement at Warn.
	// Default (0): 200ms. Disable: never Warn.
	SlowStatement time.Duration

	// Tracers receive pgx's trace events (query, batch, copy, prepare, connect, and
	// pgxpool's acquire/release when implemented), next to batchorm's own statement
	// counter, which is always installed. Default none. Nil entries are an error. A
	// tracer that is also an [OpObserver] is told of batchorm's calls as well.
	Tracers []pgx.QueryTracer

	// AfterConnect runs on every new connection before the pool uses it, e.g. to register
	// custom types. Default none.
	AfterConnect func(context.Context, *pgx.Conn) error

	// LazyConnect makes [New] return without connecting, as [pgxpool.NewWithConfig] does.
	// Default false: New opens max(1, MinConns, MinIdleConns) connections and pings one,
	// so a wrong password or an unreachable host fails at startup, not on a first request.
	LazyConnect bool
}

// DefaultConfig returns a Config with every default filled in, for reading or printing
// them: the defaults without a pooler. ExecMode stays zero because its default depends
// on Pooler.
//
// Every field in the result is set, so keys in a ConnString assigned to it later do not
// override them. To start from a connection string, use [ParseConfig].
func DefaultConfig() Config {
	return Config{}.withDefaults()
}

// Copy returns a deep copy of c: changing the copy's Tracers slice does not change c's.
// The tracers themselves and AfterConnect are shared, as pgxpool's Config.Copy shares
// its hooks.
func (c Config) Copy() Config {
	if c.Tracers != nil {
		c.Tracers = append(make([]pgx.QueryTracer, 0, len(c.Tracers)), c.Tracers...)
	}
	return c
}

// Validate reports the first invalid setting, in c or in ConnString's keys, as a
// *[ConfigError] naming the field or key. [New] and [Config.PgxConfig] call it.
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// defaultMaxConns returns the MaxConns default before MinConns/MinIdleConns raise it.
func defaultMaxConns() int32 {
	return int32(min(max(4, runtime.GOMAXPROCS(0)), math.MaxInt32))
}

// withDefaults fills every zero field except ExecMode. With PgBouncerTransaction the
// server-side timeouts default to Disable.
func (c Config) withDefaults() Config {
	c.MaxConns = orDefault(c.MaxConns, max(defaultMaxConns(), c.MinConns, c.MinIdleConns))
	c.MaxConnLifetime = orDefault(c.MaxConnLifetime, DefaultMaxConnLifetime)
	jitter := Disable
	if c.MaxConnLifetime > 0 {
		jitter = c.MaxConnLifetime / 10
	}
	c.MaxConnLifetimeJitter = orDefault(c.MaxConnLifetimeJitter, jitter)
	c.MaxConnIdleTime = orDefault(c.MaxConnIdleTime, DefaultMaxConnIdleTime)
	c.HealthCheckPeriod = orDefault(c.HealthCheckPeriod, DefaultHealthCheckPeriod)
	c.PingTimeout = orDefault(c.PingTimeout, DefaultPingTimeout)
	c.ConnectTimeout = orDefault(c.ConnectTimeout, DefaultConnectTimeout)
	statement, idle := DefaultStatementTimeout, DefaultIdleInTransactionSessionTimeout
	if c.Pooler == PgBouncerTransaction {
		statement, idle = Disable, Disable
	}
	c.StatementTimeout = orDefault(c.StatementTimeout, statement)
	c.IdleInTransactionSessionTimeout = orDefault(c.IdleInTransactionSessionTimeout, idle)
	c.ApplicationName = orDefault(c.ApplicationName, DefaultApplicationName)
	return c
}

// merge fills c's zero fields from s, the settings read from ConnString.
func (c Config) merge(s Config) Config {
	c.MaxConns = orDefault(c.MaxConns, s.MaxConns)
	c.MinConns = orDefault(c.MinConns, s.MinConns)
	c.MinIdleConns = orDefault(c.MinIdleConns, s.MinIdleConns)
	c.MaxConnLifetime = orDefault(c.MaxConnLifetime, s.MaxConnLifetime)
	c.MaxConnLifetimeJitter = orDefault(c.MaxConnLifetimeJitter, s.MaxConnLifetimeJitter)
	c.MaxConnIdleTime = orDefault(c.MaxConnIdleTime, s.MaxConnIdleTime)
	c.HealthCheckPeriod = orDefault(c.HealthCheckPeriod, s.HealthCheckPeriod)
	c.PingTimeout = orDefault(c.PingTimeout, s.PingTimeout)
	c.ConnectTimeout = orDefault(c.ConnectTimeout, s.ConnectTimeout)
	c.StatementTimeout = orDefault(c.StatementTimeout, s.StatementTimeout)
	c.IdleInTransactionSessionTimeout = orDefault(c.IdleInTransactionSessionTimeout,
		s.IdleInTransactionSessionTimeout)
	c.ApplicationName = orDefault(c.ApplicationName, s.ApplicationName)
	c.ExecMode = orDefault(c.ExecMode, s.ExecMode)
	c.Pooler = orDefault(c.Pooler, s.Pooler)
	return c
}

// resolve merges ConnString's keys, applies every default and validates the result.
func (c Config) resolve() (Config, error) {
	s, err := parseKeys(c.ConnString)
	if err != nil {
		return Config{}, err
	}
	r := c.Copy().merge(s).withDefaults()
	if err := r.check(); err != nil {
		return Config{}, err
	}
	r.ExecMode = orDefault(r.ExecMode, r.Pooler.defaultExecMode())
	return r, nil
}

func (p Pooler) defaultExecMode() pgx.QueryExecMode {
	if p == PgBouncerTransaction {
		return pgx.QueryExecModeExec
	}
	return pgx.QueryExecModeCacheStatement
}

// check validates a Config whose defaults have been applied (ExecMode may still be zero).
func (c Config) check() error {
	switch {
	case c.MaxConns < 1:
		return configErrorf("MaxConns", "must be at least 1 (got %d)", c.MaxConns)
	case c.MinConns < 0:
		return configErrorf("MinConns", "must not be negative (got %d)", c.MinConns)
	case c.MinIdleConns < 0:
		return configErrorf("MinIdleConns", "must not be negative (got %d)", c.MinIdleConns)
	case c.MaxConns < c.MinConns:
		return configErrorf("MaxConns", "must be >= MinConns (got %d < %d)", c.MaxConns, c.MinConns)
	case c.MaxConns < c.MinIdleConns:
		return configErrorf("MaxConns", "must be >= MinIdleConns (got %d < %d)", c.MaxConns, c.MinIdleConns)
	case c.HealthCheckPeriod < 0:
		return configErrorf("HealthCheckPeriod", "must be positive; it cannot be disabled (got %v)",
			c.HealthCheckPeriod)
	case c.StatementTimeout > maxServerTimeout:
		return configErrorf("StatementTimeout", "must be at most %v (got %v)", maxServerTimeout, c.StatementTimeout)
	case c.IdleInTransactionSessionTimeout > maxServerTimeout:
		return configErrorf("IdleInTransactionSessionTimeout", "must be at most %v (got %v)",
			maxServerTimeout, c.IdleInTransactionSessionTimeout)
	}
	for i, t := range c.Tracers {
		if t == nil {
			return configErrorf(fmt.Sprintf("Tracers[%d]", i), "is nil")
		}
	}
	return c.checkPooler()
}

// checkPooler validates Pooler, ExecMode, and what the pooler cannot carry.
func (c Config) checkPooler() error {
	if c.Pooler != NoPooler && c.Pooler != PgBouncerTransaction {
		return configErrorf("Pooler", "unknown value %d", int(c.Pooler))
	}
	if _, ok := execModeNames[c.ExecMode]; !ok && c.ExecMode != 0 {
		return configErrorf("ExecMode", "unknown value %d", int32(c.ExecMode))
	}
	if c.Pooler != PgBouncerTransaction {
		return nil
	}
	if err := execModeError("ExecMode", c.ExecMode, c.Pooler,
		"set ExecMode to pgx.QueryExecModeExec or pgx.QueryExecModeSimpleProtocol (or leave it zero), "+
			"or default_query_exec_mode=exec in the connection string"); err != nil {
		return err
	}
	for _, t := range []struct {
		field, param string
		d            time.Duration
	}{
		{"StatementTimeout", "statement_timeout", c.StatementTimeout},
		{"IdleInTransactionSessionTimeout", "idle_in_transaction_session_timeout", c.IdleInTransactionSessionTimeout},
	} {
		if t.d > 0 {
			return configErrorf(t.field, "is not sent with Pooler %v: PgBouncer refuses the startup "+
				"parameter (\"unsupported startup parameter: %s\"), or drops it unapplied when "+
				"ignore_startup_parameters lists it; leave the field zero and set the limit on the role "+
				"(ALTER ROLE app SET %s = '%s') or per transaction (SET LOCAL %s)",
				c.Pooler, t.param, t.param, pgDuration(t.d), t.param)
		}
	}
	return nil
}

// execModeError refuses a query exec mode that cannot work through pooler p, naming
// field and telling what to set instead (fix). It returns nil for a mode p allows.
func execModeError(field string, mode pgx.QueryExecMode, p Pooler, fix string) *ConfigError {
	if p != PgBouncerTransaction {
		return nil
	}
	name := execModeNames[mode]
	switch mode {
	case pgx.QueryExecModeDescribeExec:
		return configErrorf(field, "%s is refused with Pooler %v: it describes and then executes in two "+
			"round trips, and the pooler may run the second on another client's server connection; %s",
			name, p, fix)
	case pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe:
		return configErrorf(field, "%s is refused with Pooler %v: it relies on statements or descriptions "+
			"cached per server connection, and the pooler hands each transaction any server connection "+
			"(errors 42P05 and 26000); %s", name, p, fix)
	}
	return nil
}

// pgDuration spells a positive d as PostgreSQL reads a time setting: in the largest of
// h, min, s and ms that divides it, rounded up to whole milliseconds.
func pgDuration(d time.Duration) string {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	for _, u := range []struct {
		ms   time.Duration
		unit string
	}{{3_600_000, "h"}, {60_000, "min"}, {1000, "s"}} {
		if ms%u.ms == 0 {
			return strconv.FormatInt(int64(ms/u.ms), 10) + u.unit
		}
	}
	return strconv.FormatInt(int64(ms), 10) + "ms"
}
