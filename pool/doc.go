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
//	ExecMode                         cache_statement     pgx's
//
// With [PgBouncerTransaction] two defaults change: ExecMode is exec and the two
// server-side timeouts are off (see PgBouncer below).
//
// Each [Config] field's comment gives the full reasoning. A timeout that can be turned
// off takes [Disable]; zero always means the default. The two server-side timeouts are
// sent as startup parameters, so they hold for every statement on the pool's
// connections, raw pgx calls included, and take precedence over a limit set on the role
// or database. A disabled one sends nothing, so such a limit (or else the server's)
// applies. A transaction that needs longer raises its own limit with
// SET LOCAL statement_timeout = '5min'.
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
//	if err := pool.Instrument(pcfg); err != nil {
//		return err
//	}
//	p, err := pgxpool.NewWithConfig(ctx, pcfg)
//
// # PgBouncer
//
// Behind PgBouncer in transaction mode, consecutive transactions and consecutive round
// trips outside a transaction may run on different server connections. Set
// [Config.Pooler] to [PgBouncerTransaction] (or pool_pooler=pgbouncer_transaction in the
// connection string); batchorm's test suite runs with it through PgBouncer 1.18 in
// transaction mode. The profile changes three things.
//
// ExecMode defaults to exec, which sends each statement with its parameters in one
// round trip and keeps nothing on the server; simple_protocol works too. The other
// modes are refused with a *[ConfigError] for ExecMode that says what to set:
//
//   - cache_statement (pgx's default) and cache_describe: they prepare a statement, or
//     describe it, once per server connection and reuse it by name, and the pooler
//     hands the next transaction another server connection: statements fail with
//     42P05 (prepared statement already exists) or 26000 (does not exist);
//   - describe_exec: it describes a statement in one round trip and executes it in the
//     next, which the pooler may send to another server connection.
//
// The statement_timeout and idle_in_transaction_session_timeout startup parameters are
// not sent, and setting StatementTimeout or IdleInTransactionSessionTimeout is refused
// with a *ConfigError. PgBouncer 1.18 passes on only the startup parameters it tracks
// (client_encoding, DateStyle, TimeZone, standard_conforming_strings and
// application_name) and refuses a connection that sends any other ("FATAL:
// unsupported startup parameter: statement_timeout", SQLSTATE 08P01). Its
// ignore_startup_parameters setting makes it accept the listed ones and drop them, so
// the limit would silently not apply. Put the limits where every server connection
// picks them up, on the role or the database:
//
//	ALTER ROLE app SET statement_timeout = '30s';
//	ALTER ROLE app SET idle_in_transaction_session_timeout = '1min';
//
// and raise or lower them for one transaction with SET LOCAL statement_timeout, which
// ends with the transaction. Never use a session-level SET through the pooler: it
// stays on whichever server connection ran it, for other clients to inherit. (If your
// PgBouncer version can forward these parameters and you configured it to, set
// pcfg.ConnConfig.RuntimeParams yourself on the result of [Config.PgxConfig].)
//
// The result of [Config.PgxConfig] also checks each new connection's exec mode before
// the pool uses it, so changing ConnConfig.DefaultQueryExecMode on it to a refused mode
// fails every connection with a *ConfigError, before any statement is sent.
// For a config built with pgxpool, put pool_pooler=pgbouncer_transaction in its
// connection string and call [Instrument]: it removes the key (which PgBouncer would
// refuse as a startup parameter), refuses pgx's default cache_statement mode unless
// default_query_exec_mode=exec (or simple_protocol) is set, and installs the same
// check.
//
// What batchorm cannot check is the caller's job:
//
//   - declaring the pooler. Through PgBouncer 1.18 a connection reports the server's
//     own parameters (server_version included), so it cannot be told apart from a
//     direct one at connect time; only its cancel key carries PgBouncer's own process
//     id instead of the backend's, which reveals a proxy but not its pool mode, and
//     session mode keeps pgx's statement cache working. PgBouncer's pool_mode is shown
//     only on its admin console, which an application normally cannot reach.
//   - passing an exec mode to a single call (p.Query(ctx, sql, pgx.QueryExecModeCacheStatement)),
//     which overrides the pool's.
//   - anything that needs one server connection beyond a transaction: session-level
//     SET, session advisory locks, LISTEN, temporary tables or WITH HOLD cursors kept
//     after the transaction. The transaction-scoped forms work (SET LOCAL,
//     pg_advisory_xact_lock, a temporary table used and dropped within DB.Tx).
//
// If your PgBouncer (1.21 or later, with max_prepared_statements set) tracks
// protocol-level prepared statements, you may keep NoPooler and pgx's cache_statement
// instead.
//
// # Passwords
//
// Error messages from this package never contain the connection string's password.
// pgconn masks passwords on a best-effort basis; this package masks every password it
// finds in the string again, and withholds a parser message that still holds a
// fragment of one. errors.As still reaches pgconn's error values.
package pool
