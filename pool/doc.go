// Package pool builds a PostgreSQL connection pool with production defaults and
// batchorm's statement counter installed. It returns a plain [*pgxpool.Pool], not a
// wrapper: everything pgxpool offers stays available, and the pool can be handed to
// orm.New, to sqlc-generated code, or used directly.
//
// # Building a pool
//
// [New] takes a [Config]. Every zero field means "use the default", so the shortest form
// is a connection string:
//
//	p, err := pool.New(ctx, pool.Config{ConnString: os.Getenv("DATABASE_URL")})
//	if err != nil {
//		return err
//	}
//	defer p.Close()
//
// [ParseConfig] reads the same string into a Config first, including pgxpool's pool_*
// keys, so settings can come from the deployment and be adjusted in code:
//
//	cfg, err := pool.ParseConfig(os.Getenv("DATABASE_URL"))
//	if err != nil {
//		return err
//	}
//	cfg.StatementTimeout = 2 * time.Minute // a reporting service
//	p, err := pool.New(ctx, cfg)
//
// A hand-built Config works as well as a parsed one. Fields set in the struct override
// the same setting in ConnString, which overrides the default. [Config.Validate] reports
// a bad setting as a *[ConfigError] naming the field, as in
// "pool: MaxConns: must be >= MinConns (got 2 < 5)"; [New] and [Config.PgxConfig] call it.
// [DefaultConfig] returns the defaults filled in, to read or print them; since all its
// fields are set, start from [ParseConfig] instead when settings come from a connection
// string.
//
// # Defaults, and why
//
// The pool-size and lifetime defaults follow pgxpool, except where a production service
// needs a bound that pgxpool leaves open:
//
//	MaxConns                         max(4, GOMAXPROCS)  pgxpool uses NumCPU, which ignores container CPU limits
//	MinConns, MinIdleConns           0                   idle connections cost server memory and slots
//	MaxConnLifetime                  1h                  pgxpool's
//	MaxConnLifetimeJitter            MaxConnLifetime/10  connections opened together are not replaced together
//	MaxConnIdleTime                  30m                 pgxpool's
//	HealthCheckPeriod                1m                  pgxpool's
//	PingTimeout                      5s                  pgxpool: none; a half-open connection never answers
//	ConnectTimeout                   5s                  pgx: none; a dead network must not hang a caller
//	StatementTimeout                 30s                 PostgreSQL: none; a runaway query holds locks
//	IdleInTransactionSessionTimeout  1m                  PostgreSQL: none; a forgotten transaction blocks VACUUM
//	ApplicationName                  "batchorm"          shown in pg_stat_activity
//	ExecMode                         cache_statement     pgx's; exec with PgBouncerTransaction
//
// Each [Config] field's comment gives the full reasoning. A timeout that can be turned
// off takes [Disable]; zero always means the default. The two server-side timeouts are
// sent as startup parameters, so they hold for every statement on the pool's
// connections, raw pgx calls included. A transaction that needs longer raises its own
// limit with SET LOCAL statement_timeout = '5min'.
//
// # Warm-up
//
// pgxpool returns before any connection exists, so a wrong password or an unreachable
// host would surface on the first request. Unless [Config.LazyConnect] is set, [New]
// opens max(1, MinConns, MinIdleConns) connections at once and pings one before
// returning; its ctx bounds that, and on failure New closes the pool and returns the
// error. Each connection attempt is also bounded by ConnectTimeout. [WarmUp] does the
// same for a pool built another way.
//
// There is no acquire timeout setting: pgxpool has none to apply, and a wrapper would
// have to wrap the pool type. Bound a wait for a free connection with the context of
// the call, which pgxpool honours:
//
//	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
//	defer cancel()
//	rows, err := p.Query(ctx, sql, args...)
//
// # Statement counting and tracers
//
// [Config.PgxConfig], and so [New], installs batchorm's tracer, which counts statements
// and round trips for orm's query-count assertions. It sits next to the tracers in
// [Config.Tracers], which still receive every event (one tracer is set directly, several
// are joined with pgx's multitracer). orm.New refuses a pool without the tracer; for a
// pgxpool config built by hand, call [Instrument] before [pgxpool.NewWithConfig]:
//
//	pcfg, err := pgxpool.ParseConfig(url)
//	if err != nil {
//		return err
//	}
//	pcfg.ConnConfig.Tracer = myTracer
//	pool.Instrument(pcfg)
//	p, err := pgxpool.NewWithConfig(ctx, pcfg)
//
// # PgBouncer
//
// Behind PgBouncer in transaction mode, consecutive transactions and consecutive round
// trips outside a transaction may run on different server connections. Set
// [Config.Pooler] to [PgBouncerTransaction] (or pool_pooler=pgbouncer_transaction in the
// connection string). ExecMode then defaults to exec, which sends each statement with its
// parameters in one round trip and keeps nothing on the server, and these modes are
// refused with a *[ConfigError]:
//
//   - describe_exec: it describes a statement in one round trip and executes it in the
//     next, and the pooler may send the second to another client's server connection;
//   - cache_statement and cache_describe: they rely on prepared statements or
//     descriptions cached per server connection.
//
// exec and simple_protocol are allowed; prefer exec. If your PgBouncer (1.21 or later,
// with max_prepared_statements set) tracks protocol-level prepared statements, you may
// keep NoPooler and pgx's cache_statement instead.
//
// PgBouncer forwards only the startup parameters it tracks (application_name among
// them), refuses a connection that sends any other ("unsupported startup parameter:
// statement_timeout", an error New reports at warm-up), and drops the ones listed in
// ignore_startup_parameters silently. So with the default StatementTimeout and
// IdleInTransactionSessionTimeout, either list both in PgBouncer's
// track_extra_parameters (then check with SHOW statement_timeout through the pooler,
// since older PgBouncer releases accept the setting without applying it), or set both
// fields to [Disable] and put the limits on the role, which holds whatever the pooler
// does:
//
//	ALTER ROLE app SET statement_timeout = '30s';
//	ALTER ROLE app SET idle_in_transaction_session_timeout = '1min';
//
// # Passwords
//
// Error messages from this package never contain the connection string's password.
// pgconn masks passwords on a best-effort basis; this package masks every password it
// finds in the string again, and withholds a parser message that still holds a
// fragment of one. errors.As still reaches pgconn's error values.
package pool
