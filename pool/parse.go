package pool

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ParseConfig reads connString (a URL or keyword/value string, as [pgxpool.ParseConfig]
// takes) into a Config whose ConnString is connString and whose fields hold the settings
// below. Keys that are absent leave their field zero, so the default applies; libpq's
// PG* environment variables count as keys (PGAPPNAME, PGCONNECT_TIMEOUT).
//
// pgxpool's keys, with pgxpool's syntax (durations as Go durations, "90s", "1h30m"):
//
//   - pool_max_conns: integer, at least 1 ([Config.MaxConns])
//   - pool_min_conns: integer ([Config.MinConns])
//   - pool_min_idle_conns: integer ([Config.MinIdleConns])
//   - pool_max_conn_lifetime: duration ([Config.MaxConnLifetime])
//   - pool_max_conn_lifetime_jitter: duration ([Config.MaxConnLifetimeJitter])
//   - pool_max_conn_idle_time: duration ([Config.MaxConnIdleTime])
//   - pool_health_check_period: duration, positive ([Config.HealthCheckPeriod])
//   - pool_ping_timeout: duration ([Config.PingTimeout])
//
// pgx's and libpq's keys:
//
//   - connect_timeout: integer seconds ([Config.ConnectTimeout]); 0 counts as absent
//   - default_query_exec_mode: cache_statement, cache_describe, describe_exec, exec or
//     simple_protocol ([Config.ExecMode])
//   - application_name: text ([Config.ApplicationName])
//
// batchorm's keys:
//
//   - statement_timeout, idle_in_transaction_session_timeout: integer milliseconds, as
//     PostgreSQL takes them, or a Go duration ([Config.StatementTimeout],
//     [Config.IdleInTransactionSessionTimeout])
//   - pool_pooler: none or pgbouncer_transaction ([Config.Pooler])
//
// In a connection string a duration of 0 means off, as it does in PostgreSQL: the field
// is set to [Disable]. pool_health_check_period cannot be off, and 0 there is an error.
//
// An unparsable string is reported with the password masked; errors.As reaches pgconn's
// *ParseConfigError. A bad key value is reported as a *[ConfigError] naming the key.
// ParseConfig does not validate the combination of settings; [Config.Validate] does.
func ParseConfig(connString string) (Config, error) {
	return parseKeys(connString)
}

// keyParsers maps each connection-string key batchorm reads to the code that sets it.
var keyParsers = []struct {
	key string
	set func(c *Config, s string) error
}{
	{"pool_max_conns", intKey(1, func(c *Config) *int32 { return &c.MaxConns })},
	{"pool_min_conns", intKey(0, func(c *Config) *int32 { return &c.MinConns })},
	{"pool_min_idle_conns", intKey(0, func(c *Config) *int32 { return &c.MinIdleConns })},
	{"pool_max_conn_lifetime", durationKey(func(c *Config) *time.Duration { return &c.MaxConnLifetime })},
	{"pool_max_conn_lifetime_jitter", durationKey(func(c *Config) *time.Duration { return &c.MaxConnLifetimeJitter })},
	{"pool_max_conn_idle_time", durationKey(func(c *Config) *time.Duration { return &c.MaxConnIdleTime })},
	{"pool_ping_timeout", durationKey(func(c *Config) *time.Duration { return &c.PingTimeout })},
	{"pool_health_check_period", func(c *Config, s string) error {
		d, err := time.ParseDuration(s)
		if err == nil && d <= 0 {
			err = fmt.Errorf("must be positive (got %q)", s)
		}
		c.HealthCheckPeriod = d
		return err
	}},
	{"statement_timeout", serverTimeoutKey(func(c *Config) *time.Duration { return &c.StatementTimeout })},
	{"idle_in_transaction_session_timeout",
		serverTimeoutKey(func(c *Config) *time.Duration { return &c.IdleInTransactionSessionTimeout })},
	{"application_name", func(c *Config, s string) error { c.ApplicationName = s; return nil }},
	{"default_query_exec_mode", func(c *Config, s string) error {
		for m, name := range execModeNames {
			if name == s {
				c.ExecMode = m
				return nil
			}
		}
		return fmt.Errorf("unknown mode %q (want cache_statement, cache_describe, describe_exec, exec or simple_protocol)", s)
	}},
	{"pool_pooler", setPooler},
}

// setPooler parses a pool_pooler value into c.Pooler.
func setPooler(c *Config, s string) error {
	for _, p := range []Pooler{NoPooler, PgBouncerTransaction} {
		if p.String() == s {
			c.Pooler = p
			return nil
		}
	}
	return fmt.Errorf("unknown pooler %q (want none or pgbouncer_transaction)", s)
}

// ownKeys are the keys that neither pgx nor pgxpool consumes; PgxConfig removes them from
// the runtime parameters it sends.
var ownKeys = []string{"pool_pooler", "statement_timeout", "idle_in_transaction_session_timeout"}

// execModeNames spells each QueryExecMode as pgx's default_query_exec_mode key does.
var execModeNames = map[pgx.QueryExecMode]string{
	pgx.QueryExecModeCacheStatement: "cache_statement",
	pgx.QueryExecModeCacheDescribe:  "cache_describe",
	pgx.QueryExecModeDescribeExec:   "describe_exec",
	pgx.QueryExecModeExec:           "exec",
	pgx.QueryExecModeSimpleProtocol: "simple_protocol",
}

// parseKeys reads the keys of connString into an otherwise zero Config.
func parseKeys(connString string) (Config, error) {
	pc, err := pgconn.ParseConfig(connString)
	if err != nil {
		return Config{}, redact("parse connection string", err, connString)
	}
	c := Config{ConnString: connString, ConnectTimeout: pc.ConnectTimeout}
	for _, k := range keyParsers {
		s, ok := pc.RuntimeParams[k.key]
		if !ok {
			continue
		}
		if err := k.set(&c, s); err != nil {
			return Config{}, &ConfigError{Field: k.key, Err: err}
		}
	}
	return c, nil
}

// intKey parses an int32 of at least least into the field f selects.
func intKey(least int32, f func(*Config) *int32) func(*Config, string) error {
	return func(c *Config, s string) error {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return fmt.Errorf("not an integer: %w", err)
		}
		if n < int64(least) {
			return fmt.Errorf("must be at least %d (got %d)", least, n)
		}
		*f(c) = int32(n)
		return nil
	}
}

// durationKey parses a Go duration into the field f selects; 0 or less means Disable.
func durationKey(f func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("not a duration: %w", err)
		}
		*f(c) = offIfNotPositive(d)
		return nil
	}
}

// serverTimeoutKey parses integer milliseconds (PostgreSQL's unit) or a Go duration; 0
// means Disable, as in PostgreSQL.
func serverTimeoutKey(f func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, s string) error {
		d, err := parseMillisOrDuration(s)
		if err != nil {
			return err
		}
		if d < 0 {
			return fmt.Errorf("must not be negative (got %q)", s)
		}
		*f(c) = offIfNotPositive(d)
		return nil
	}
}

func parseMillisOrDuration(s string) (time.Duration, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms > int64(maxServerTimeout/time.Millisecond) {
			return 0, fmt.Errorf("must be at most %d milliseconds (got %s)", int64(maxServerTimeout/time.Millisecond), s)
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("want integer milliseconds or a Go duration such as 30s (got " + strconv.Quote(s) + ")")
	}
	return d, nil
}

func offIfNotPositive(d time.Duration) time.Duration {
	if d <= 0 {
		return Disable
	}
	return d
}
