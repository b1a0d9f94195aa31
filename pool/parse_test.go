package pool_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/pool"
)

func TestParseConfig_keys(t *testing.T) {
	const base = "postgres://app@db.example.com/app?"
	tests := []struct {
		name  string
		query string
		want  pool.Config // ConnString is filled in by the test
	}{
		{"none", "", pool.Config{}},
		{"pool_max_conns", "pool_max_conns=12", pool.Config{MaxConns: 12}},
		{"pool_min_conns", "pool_min_conns=3", pool.Config{MinConns: 3}},
		{"pool_min_idle_conns", "pool_min_idle_conns=2", pool.Config{MinIdleConns: 2}},
		{"pool_max_conn_lifetime", "pool_max_conn_lifetime=1h30m", pool.Config{MaxConnLifetime: 90 * time.Minute}},
		{"pool_max_conn_lifetime 0 is off", "pool_max_conn_lifetime=0s", pool.Config{MaxConnLifetime: pool.Disable}},
		{"pool_max_conn_lifetime_jitter", "pool_max_conn_lifetime_jitter=2m",
			pool.Config{MaxConnLifetimeJitter: 2 * time.Minute}},
		{"pool_max_conn_lifetime_jitter 0 is off", "pool_max_conn_lifetime_jitter=0",
			pool.Config{MaxConnLifetimeJitter: pool.Disable}},
		{"pool_max_conn_idle_time", "pool_max_conn_idle_time=5m", pool.Config{MaxConnIdleTime: 5 * time.Minute}},
		{"pool_health_check_period", "pool_health_check_period=15s", pool.Config{HealthCheckPeriod: 15 * time.Second}},
		{"pool_ping_timeout", "pool_ping_timeout=750ms", pool.Config{PingTimeout: 750 * time.Millisecond}},
		{"pool_ping_timeout 0 is off", "pool_ping_timeout=0", pool.Config{PingTimeout: pool.Disable}},
		{"connect_timeout", "connect_timeout=3", pool.Config{ConnectTimeout: 3 * time.Second}},
		{"statement_timeout in ms", "statement_timeout=2500", pool.Config{StatementTimeout: 2500 * time.Millisecond}},
		{"statement_timeout as duration", "statement_timeout=2m", pool.Config{StatementTimeout: 2 * time.Minute}},
		{"statement_timeout 0 is off", "statement_timeout=0", pool.Config{StatementTimeout: pool.Disable}},
		{"idle_in_transaction_session_timeout", "idle_in_transaction_session_timeout=10s",
			pool.Config{IdleInTransactionSessionTimeout: 10 * time.Second}},
		{"application_name", "application_name=billing", pool.Config{ApplicationName: "billing"}},
		{"default_query_exec_mode", "default_query_exec_mode=simple_protocol",
			pool.Config{ExecMode: pgx.QueryExecModeSimpleProtocol}},
		{"pool_pooler", "pool_pooler=pgbouncer_transaction", pool.Config{Pooler: pool.PgBouncerTransaction}},
		{"pool_pooler none", "pool_pooler=none", pool.Config{Pooler: pool.NoPooler}},
		{"several", "pool_max_conns=8&pool_min_conns=2&statement_timeout=1s",
			pool.Config{MaxConns: 8, MinConns: 2, StatementTimeout: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := base + tt.query
			got, err := pool.ParseConfig(cs)
			if err != nil {
				t.Fatalf("ParseConfig(%q): %v", cs, err)
			}
			tt.want.ConnString = cs
			if !equalConfig(got, tt.want) {
				t.Errorf("ParseConfig(%q) =\n%+v\nwant\n%+v", cs, got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestParseConfig_keywordValue(t *testing.T) {
	cs := "host=db.example.com user=app pool_max_conns=6 statement_timeout=750 application_name='my app'"
	got, err := pool.ParseConfig(cs)
	if err != nil {
		t.Fatal(err)
	}
	want := pool.Config{ConnString: cs, MaxConns: 6, StatementTimeout: 750 * time.Millisecond, ApplicationName: "my app"}
	if !equalConfig(got, want) {
		t.Errorf("ParseConfig = %+v, want %+v", got, want)
	}
}

func TestParseConfig_badValues(t *testing.T) {
	tests := []struct {
		name, query, wantField string
	}{
		{"pool_max_conns not a number", "pool_max_conns=ten", "pool_max_conns"},
		{"pool_max_conns zero", "pool_max_conns=0", "pool_max_conns"},
		{"pool_max_conns overflow", "pool_max_conns=99999999999", "pool_max_conns"},
		{"pool_min_conns negative", "pool_min_conns=-1", "pool_min_conns"},
		{"pool_min_idle_conns not a number", "pool_min_idle_conns=x", "pool_min_idle_conns"},
		{"pool_max_conn_lifetime", "pool_max_conn_lifetime=1hour", "pool_max_conn_lifetime"},
		{"pool_max_conn_lifetime_jitter", "pool_max_conn_lifetime_jitter=abc", "pool_max_conn_lifetime_jitter"},
		{"pool_max_conn_idle_time", "pool_max_conn_idle_time=5", "pool_max_conn_idle_time"},
		{"pool_health_check_period zero", "pool_health_check_period=0s", "pool_health_check_period"},
		{"pool_health_check_period bad", "pool_health_check_period=often", "pool_health_check_period"},
		{"pool_ping_timeout", "pool_ping_timeout=soon", "pool_ping_timeout"},
		{"statement_timeout negative", "statement_timeout=-5", "statement_timeout"},
		{"statement_timeout too large", "statement_timeout=99999999999", "statement_timeout"},
		{"statement_timeout unit", "statement_timeout=1min", "statement_timeout"},
		{"idle_in_transaction_session_timeout", "idle_in_transaction_session_timeout=x",
			"idle_in_transaction_session_timeout"},
		{"default_query_exec_mode", "default_query_exec_mode=fast", "default_query_exec_mode"},
		{"pool_pooler", "pool_pooler=pgbouncer", "pool_pooler"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pool.ParseConfig("postgres://app@db.example.com/app?" + tt.query)
			var ce *pool.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseConfig error = %v, want a *pool.ConfigError", err)
			}
			if ce.Field != tt.wantField || !strings.HasPrefix(err.Error(), "pool: "+tt.wantField+": ") {
				t.Errorf("error = %q (Field %q), want it to name %q", err, ce.Field, tt.wantField)
			}
		})
	}
}

func TestParseConfig_unparsable(t *testing.T) {
	_, err := pool.ParseConfig("postgres://app@db.example.com:port/app")
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want it to wrap a *pgconn.ParseConfigError", err)
	}
	if !strings.HasPrefix(err.Error(), "pool: parse connection string: ") {
		t.Errorf("error = %q, want the pool prefix", err)
	}
}

func TestParseConfig_passwordNotInError(t *testing.T) {
	const pw = "Sup3rS3cretPw"
	tests := []struct {
		name, connString string
	}{
		{"URL bad port", "postgres://app:" + pw + "@db.example.com:port/app"},
		{"URL bad key", "postgres://app:" + pw + "@db.example.com/app?pool_max_conns=x"},
		{"URL bad escape after a slash in the password", "postgres://app:Sup3r/S3cretPw@db%zzexample.com/app"},
		{"URL password in query", "postgres://db.example.com:port/app?password=" + pw},
		{"keyword/value bad port", "host=h password=" + pw + " port=x"},
		{"keyword/value spaced and quoted", "host=h password = 'Sup3r S3cretPw' port=x"},
		{"keyword/value unterminated quote", "host=h password='" + pw},
		{"keyword/value bad key", "host=h password=" + pw + " pool_min_conns=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := pool.Config{ConnString: tt.connString}
			_, parseErr := pool.ParseConfig(tt.connString)
			_, pgxErr := cfg.PgxConfig()
			for _, err := range []error{parseErr, cfg.Validate(), pgxErr} {
				if err == nil {
					t.Fatalf("no error for %q", tt.connString)
				}
				for _, frag := range []string{"Sup3r", "S3cret", "cretPw"} {
					if strings.Contains(err.Error(), frag) {
						t.Errorf("error %q contains part of the password", err)
					}
				}
			}
		})
	}
}
