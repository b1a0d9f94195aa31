package pool_test

import (
	"errors"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/pool"
)

func TestDefaultConfig(t *testing.T) {
	got := pool.DefaultConfig()
	want := pool.Config{
		MaxConns:                        int32(max(4, runtime.GOMAXPROCS(0))),
		MaxConnLifetime:                 time.Hour,
		MaxConnLifetimeJitter:           6 * time.Minute,
		MaxConnIdleTime:                 30 * time.Minute,
		HealthCheckPeriod:               time.Minute,
		PingTimeout:                     5 * time.Second,
		ConnectTimeout:                  5 * time.Second,
		StatementTimeout:                30 * time.Second,
		IdleInTransactionSessionTimeout: time.Minute,
		ApplicationName:                 "batchorm",
	}
	if !equalConfig(got, want) {
		t.Errorf("DefaultConfig() =\n%+v\nwant\n%+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
}

// equalConfig compares every field, tracers by identity, and AfterConnect only by
// whether it is set (funcs cannot be compared).
func equalConfig(a, b pool.Config) bool {
	if len(a.Tracers) != len(b.Tracers) || (a.AfterConnect == nil) != (b.AfterConnect == nil) {
		return false
	}
	for i := range a.Tracers {
		if a.Tracers[i] != b.Tracers[i] {
			return false
		}
	}
	a.Tracers, b.Tracers, a.AfterConnect, b.AfterConnect = nil, nil, nil, nil
	return reflect.DeepEqual(a, b)
}

func TestConfig_Validate(t *testing.T) {
	tests := []struct {
		name      string
		cfg       pool.Config
		wantField string // "" means valid
		wantMsg   string // exact message, if set
	}{
		{name: "zero value", cfg: pool.Config{}},
		{name: "MinConns above default MaxConns raises it", cfg: pool.Config{MinConns: 500}},
		{name: "all disabled", cfg: pool.Config{MaxConnLifetime: pool.Disable, MaxConnLifetimeJitter: pool.Disable,
			MaxConnIdleTime: pool.Disable, PingTimeout: pool.Disable, ConnectTimeout: pool.Disable,
			StatementTimeout: pool.Disable, IdleInTransactionSessionTimeout: -time.Hour}},
		{name: "MaxConns negative", cfg: pool.Config{MaxConns: -1}, wantField: "MaxConns"},
		{name: "MinConns negative", cfg: pool.Config{MinConns: -1}, wantField: "MinConns"},
		{name: "MinIdleConns negative", cfg: pool.Config{MinIdleConns: -2}, wantField: "MinIdleConns"},
		{name: "MaxConns below MinConns", cfg: pool.Config{MaxConns: 2, MinConns: 5}, wantField: "MaxConns",
			wantMsg: "pool: MaxConns: must be >= MinConns (got 2 < 5)"},
		{name: "MaxConns below MinIdleConns", cfg: pool.Config{MaxConns: 2, MinIdleConns: 3}, wantField: "MaxConns",
			wantMsg: "pool: MaxConns: must be >= MinIdleConns (got 2 < 3)"},
		{name: "HealthCheckPeriod disabled", cfg: pool.Config{HealthCheckPeriod: pool.Disable},
			wantField: "HealthCheckPeriod"},
		{name: "StatementTimeout too large", cfg: pool.Config{StatementTimeout: 30 * 24 * time.Hour},
			wantField: "StatementTimeout"},
		{name: "IdleInTransactionSessionTimeout too large",
			cfg:       pool.Config{IdleInTransactionSessionTimeout: math.MaxInt64},
			wantField: "IdleInTransactionSessionTimeout"},
		{name: "unknown Pooler", cfg: pool.Config{Pooler: 7}, wantField: "Pooler"},
		{name: "unknown ExecMode", cfg: pool.Config{ExecMode: 42}, wantField: "ExecMode"},
		{name: "nil tracer", cfg: pool.Config{Tracers: []pgx.QueryTracer{&countingTracer{}, nil}},
			wantField: "Tracers[1]", wantMsg: "pool: Tracers[1]: is nil"},
		{name: "bad key in ConnString", cfg: pool.Config{ConnString: "host=h pool_max_conns=many"},
			wantField: "pool_max_conns"},
		{name: "ConnString keys conflict", cfg: pool.Config{ConnString: "host=h pool_max_conns=2 pool_min_conns=5"},
			wantField: "MaxConns"},
		{name: "struct overrides a conflicting key", cfg: pool.Config{
			ConnString: "host=h pool_max_conns=2 pool_min_conns=5", MaxConns: 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ce *pool.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *pool.ConfigError", err)
			}
			if ce.Field != tt.wantField {
				t.Errorf("Field = %q, want %q (error %q)", ce.Field, tt.wantField, err)
			}
			if !strings.HasPrefix(err.Error(), "pool: "+tt.wantField+": ") {
				t.Errorf("error %q does not start with %q", err, "pool: "+tt.wantField+": ")
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("error = %q, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestConfig_Validate_poolerExecModes(t *testing.T) {
	const fix = "; set ExecMode to pgx.QueryExecModeExec or pgx.QueryExecModeSimpleProtocol (or leave it zero), " +
		"or default_query_exec_mode=exec in the connection string"
	const cached = " is refused with Pooler pgbouncer_transaction: it relies on statements or descriptions cached " +
		"per server connection, and the pooler hands each transaction any server connection (errors 42P05 and 26000)"
	tests := []struct {
		name    string
		pooler  pool.Pooler
		mode    pgx.QueryExecMode
		wantErr string // "" means allowed
	}{
		{"direct default", pool.NoPooler, 0, ""},
		{"direct cache_statement", pool.NoPooler, pgx.QueryExecModeCacheStatement, ""},
		{"direct describe_exec", pool.NoPooler, pgx.QueryExecModeDescribeExec, ""},
		{"pgbouncer default", pool.PgBouncerTransaction, 0, ""},
		{"pgbouncer exec", pool.PgBouncerTransaction, pgx.QueryExecModeExec, ""},
		{"pgbouncer simple_protocol", pool.PgBouncerTransaction, pgx.QueryExecModeSimpleProtocol, ""},
		{"pgbouncer describe_exec", pool.PgBouncerTransaction, pgx.QueryExecModeDescribeExec,
			"pool: ExecMode: describe_exec is refused with Pooler pgbouncer_transaction: it describes and then " +
				"executes in two round trips, and the pooler may run the second on another client's server connection" + fix},
		{"pgbouncer cache_statement", pool.PgBouncerTransaction, pgx.QueryExecModeCacheStatement,
			"pool: ExecMode: cache_statement" + cached + fix},
		{"pgbouncer cache_describe", pool.PgBouncerTransaction, pgx.QueryExecModeCacheDescribe,
			"pool: ExecMode: cache_describe" + cached + fix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pool.Config{Pooler: tt.pooler, ExecMode: tt.mode}.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ce *pool.ConfigError
			if !errors.As(err, &ce) || ce.Field != "ExecMode" {
				t.Fatalf("Validate() = %v, want a ConfigError for ExecMode", err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.wantErr)
			}
		})
	}
}

func TestConfig_Validate_poolerFromConnString(t *testing.T) {
	tests := map[string]string{
		"describe_exec":                    "host=h pool_pooler=pgbouncer_transaction default_query_exec_mode=describe_exec",
		"cache_statement, URL":             "postgres://app@h/app?pool_pooler=pgbouncer_transaction&default_query_exec_mode=cache_statement",
		"cache_statement, pooler from URL": "postgres://app@h/app?default_query_exec_mode=cache_statement&pool_pooler=pgbouncer_transaction",
	}
	for name, cs := range tests {
		t.Run(name, func(t *testing.T) {
			err := pool.Config{ConnString: cs}.Validate()
			var ce *pool.ConfigError
			if !errors.As(err, &ce) || ce.Field != "ExecMode" {
				t.Fatalf("Validate() = %v, want a ConfigError for ExecMode", err)
			}
			if !strings.Contains(err.Error(), "default_query_exec_mode=exec in the connection string") {
				t.Errorf("error %q does not say what to set in the connection string", err)
			}
		})
	}
}

func TestConfig_Validate_poolerRefusesServerTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		cfg     pool.Config
		wantErr string
	}{
		{"StatementTimeout", pool.Config{Pooler: pool.PgBouncerTransaction, StatementTimeout: 30 * time.Second},
			"pool: StatementTimeout: is not sent with Pooler pgbouncer_transaction: PgBouncer refuses the startup " +
				"parameter (\"unsupported startup parameter: statement_timeout\"), or drops it unapplied when " +
				"ignore_startup_parameters lists it; leave the field zero and set the limit on the role " +
				"(ALTER ROLE app SET statement_timeout = '30s') or per transaction (SET LOCAL statement_timeout)"},
		{"IdleInTransactionSessionTimeout from the connection string",
			pool.Config{ConnString: "host=h pool_pooler=pgbouncer_transaction idle_in_transaction_session_timeout=90000"},
			"pool: IdleInTransactionSessionTimeout: is not sent with Pooler pgbouncer_transaction: PgBouncer refuses " +
				"the startup parameter (\"unsupported startup parameter: idle_in_transaction_session_timeout\"), or " +
				"drops it unapplied when ignore_startup_parameters lists it; leave the field zero and set the limit on " +
				"the role (ALTER ROLE app SET idle_in_transaction_session_timeout = '90s') or per transaction " +
				"(SET LOCAL idle_in_transaction_session_timeout)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			var ce *pool.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *pool.ConfigError", err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.wantErr)
			}
		})
	}
	// Disable and zero are what the pooler needs.
	for _, d := range []time.Duration{0, pool.Disable} {
		cfg := pool.Config{Pooler: pool.PgBouncerTransaction, StatementTimeout: d, IdleInTransactionSessionTimeout: d}
		if err := cfg.Validate(); err != nil {
			t.Errorf("Validate() with timeouts %v = %v, want nil", d, err)
		}
	}
}

func TestConfig_Copy(t *testing.T) {
	a, b := &countingTracer{}, &countingTracer{}
	orig := pool.Config{ConnString: "host=h", MaxConns: 3, Tracers: []pgx.QueryTracer{a}}
	cp := orig.Copy()
	if !equalConfig(cp, orig) {
		t.Fatalf("Copy() = %+v, want %+v", cp, orig)
	}
	cp.Tracers[0] = b
	cp.Tracers = append(cp.Tracers, b)
	cp.MaxConns = 9
	if orig.Tracers[0] != a || len(orig.Tracers) != 1 || orig.MaxConns != 3 {
		t.Errorf("changing the copy changed the original: %+v", orig)
	}
	if got := (pool.Config{}).Copy(); got.Tracers != nil {
		t.Errorf("Copy of a nil Tracers = %#v, want nil", got.Tracers)
	}
}

func mustPgxConfig(t *testing.T, cfg pool.Config) *pgxpool.Config {
	t.Helper()
	pcfg, err := cfg.PgxConfig()
	if err != nil {
		t.Fatalf("PgxConfig: %v", err)
	}
	return pcfg
}

func TestConfig_PgxConfig_defaults(t *testing.T) {
	pcfg := mustPgxConfig(t, pool.Config{ConnString: "postgres://app@db.example.com/app"})
	checks := []struct {
		name      string
		got, want any
	}{
		{"MaxConns", pcfg.MaxConns, int32(max(4, runtime.GOMAXPROCS(0)))},
		{"MinConns", pcfg.MinConns, int32(0)},
		{"MaxConnLifetime", pcfg.MaxConnLifetime, time.Hour},
		{"MaxConnLifetimeJitter", pcfg.MaxConnLifetimeJitter, 6 * time.Minute},
		{"MaxConnIdleTime", pcfg.MaxConnIdleTime, 30 * time.Minute},
		{"HealthCheckPeriod", pcfg.HealthCheckPeriod, time.Minute},
		{"PingTimeout", pcfg.PingTimeout, 5 * time.Second},
		{"ConnectTimeout", pcfg.ConnConfig.ConnectTimeout, 5 * time.Second},
		{"DefaultQueryExecMode", pcfg.ConnConfig.DefaultQueryExecMode, pgx.QueryExecModeCacheStatement},
		{"statement_timeout", pcfg.ConnConfig.RuntimeParams["statement_timeout"], "30000"},
		{"idle_in_transaction_session_timeout",
			pcfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"], "60000"},
		{"application_name", pcfg.ConnConfig.RuntimeParams["application_name"], "batchorm"},
		{"tracer installed", querylog.Find(pcfg.ConnConfig.Tracer) != nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestConfig_PgxConfig_disabled(t *testing.T) {
	pcfg := mustPgxConfig(t, pool.Config{
		MaxConnLifetime: pool.Disable, MaxConnIdleTime: pool.Disable, PingTimeout: pool.Disable,
		ConnectTimeout: pool.Disable, StatementTimeout: pool.Disable, IdleInTransactionSessionTimeout: pool.Disable,
	})
	const century = 100 * 365 * 24 * time.Hour
	if pcfg.MaxConnLifetime < century || pcfg.MaxConnIdleTime < century {
		t.Errorf("disabled lifetime/idle time = %v/%v, want effectively unlimited", pcfg.MaxConnLifetime, pcfg.MaxConnIdleTime)
	}
	if pcfg.MaxConnLifetimeJitter != 0 || pcfg.PingTimeout != 0 || pcfg.ConnConfig.ConnectTimeout != 0 {
		t.Errorf("jitter/ping/connect = %v/%v/%v, want 0", pcfg.MaxConnLifetimeJitter, pcfg.PingTimeout,
			pcfg.ConnConfig.ConnectTimeout)
	}
	// Nothing is sent, so the role's or database's setting applies (TestNew_disabledKeepsRoleTimeout).
	for _, k := range []string{"statement_timeout", "idle_in_transaction_session_timeout"} {
		if got, ok := pcfg.ConnConfig.RuntimeParams[k]; ok {
			t.Errorf("%s = %q is sent, want nothing", k, got)
		}
	}
}

func TestConfig_PgxConfig_disabledInConnString(t *testing.T) {
	pcfg := mustPgxConfig(t, pool.Config{ConnString: "host=h statement_timeout=0 idle_in_transaction_session_timeout=0"})
	for _, k := range []string{"statement_timeout", "idle_in_transaction_session_timeout"} {
		if got, ok := pcfg.ConnConfig.RuntimeParams[k]; ok {
			t.Errorf("%s = %q is sent, want nothing", k, got)
		}
	}
}

func TestConfig_PgxConfig_pgBouncerSendsNoTimeouts(t *testing.T) {
	for name, cfg := range map[string]pool.Config{
		"field":             {ConnString: "host=h", Pooler: pool.PgBouncerTransaction},
		"connection string": {ConnString: "host=h pool_pooler=pgbouncer_transaction"},
	} {
		t.Run(name, func(t *testing.T) {
			pcfg := mustPgxConfig(t, cfg)
			want := map[string]string{"application_name": "batchorm"} // the one PgBouncer passes on
			if !reflect.DeepEqual(pcfg.ConnConfig.RuntimeParams, want) {
				t.Errorf("RuntimeParams = %v, want %v", pcfg.ConnConfig.RuntimeParams, want)
			}
			if pcfg.ConnConfig.DefaultQueryExecMode != pgx.QueryExecModeExec {
				t.Errorf("DefaultQueryExecMode = %v, want exec", pcfg.ConnConfig.DefaultQueryExecMode)
			}
			if pcfg.AfterConnect == nil {
				t.Error("AfterConnect does not check the exec mode")
			}
		})
	}
}

func TestConfig_PgxConfig_serverTimeoutsRoundUp(t *testing.T) {
	pcfg := mustPgxConfig(t, pool.Config{StatementTimeout: time.Microsecond, IdleInTransactionSessionTimeout: 1500 * time.Microsecond})
	if got := pcfg.ConnConfig.RuntimeParams["statement_timeout"]; got != "1" {
		t.Errorf("statement_timeout = %q, want \"1\"", got)
	}
	if got := pcfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"]; got != "2" {
		t.Errorf("idle_in_transaction_session_timeout = %q, want \"2\"", got)
	}
}

func TestConfig_PgxConfig_precedence(t *testing.T) {
	cs := "postgres://app@db.example.com/app?pool_max_conns=20&pool_min_conns=2&statement_timeout=5s" +
		"&application_name=from-url&default_query_exec_mode=exec"
	pcfg := mustPgxConfig(t, pool.Config{ConnString: cs, MaxConns: 7, ApplicationName: "from-struct"})
	rp := pcfg.ConnConfig.RuntimeParams
	checks := []struct {
		name      string
		got, want any
	}{
		{"MaxConns (struct wins)", pcfg.MaxConns, int32(7)},
		{"MinConns (key wins over default)", pcfg.MinConns, int32(2)},
		{"application_name (struct wins)", rp["application_name"], "from-struct"},
		{"statement_timeout (key, converted to ms)", rp["statement_timeout"], "5000"},
		{"exec mode (key)", pcfg.ConnConfig.DefaultQueryExecMode, pgx.QueryExecModeExec},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for _, k := range []string{"pool_max_conns", "pool_min_conns", "default_query_exec_mode"} {
		if _, ok := rp[k]; ok {
			t.Errorf("%s left in RuntimeParams, would be sent to the server: %v", k, rp)
		}
	}
}

func TestConfig_PgxConfig_tracers(t *testing.T) {
	a, b := &countingTracer{}, &countingTracer{}
	tests := []struct {
		name    string
		tracers []pgx.QueryTracer
		want    int // query tracers in the resulting multitracer, 0 for "ours alone"
	}{
		{"none", nil, 0},
		{"one", []pgx.QueryTracer{a}, 2},
		{"two", []pgx.QueryTracer{a, b}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := mustPgxConfig(t, pool.Config{Tracers: tt.tracers}).ConnConfig.Tracer
			if querylog.Find(tr) == nil {
				t.Fatalf("batchorm's tracer is not installed: %#v", tr)
			}
			mt, ok := tr.(*multitracer.Tracer)
			switch {
			case tt.want == 0 && ok:
				t.Errorf("tracer = %T, want batchorm's alone", tr)
			case tt.want > 0 && (!ok || len(mt.QueryTracers) != tt.want):
				t.Errorf("tracer = %#v, want a multitracer of %d", tr, tt.want)
			case tt.want > 0 && mt.QueryTracers[0] != tt.tracers[0]:
				t.Errorf("the user's tracer is not first: %#v", mt.QueryTracers)
			}
		})
	}
}

func TestConfig_PgxConfig_invalid(t *testing.T) {
	pcfg, err := pool.Config{MinConns: -1}.PgxConfig()
	var ce *pool.ConfigError
	if pcfg != nil || !errors.As(err, &ce) {
		t.Fatalf("PgxConfig() = %v, %v; want nil and a *pool.ConfigError", pcfg, err)
	}
}

func TestInstrument(t *testing.T) {
	pcfg, err := pgxpool.ParseConfig("host=h")
	if err != nil {
		t.Fatal(err)
	}
	user := &countingTracer{}
	pcfg.ConnConfig.Tracer = user
	if err := pool.Instrument(pcfg); err != nil {
		t.Fatalf("Instrument = %v", err)
	}
	first := querylog.Find(pcfg.ConnConfig.Tracer)
	if first == nil {
		t.Fatal("Instrument did not install batchorm's tracer")
	}
	mt, ok := pcfg.ConnConfig.Tracer.(*multitracer.Tracer)
	if !ok || mt.QueryTracers[0] != user {
		t.Errorf("the user's tracer was not kept: %#v", pcfg.ConnConfig.Tracer)
	}
	if err := pool.Instrument(pcfg); err != nil {
		t.Fatalf("second Instrument = %v", err)
	}
	if querylog.Find(pcfg.ConnConfig.Tracer) != first {
		t.Error("a second Instrument installed another tracer")
	}
	if pcfg.AfterConnect != nil {
		t.Error("Instrument without a pooler set AfterConnect")
	}
}

func TestInstrument_invalid(t *testing.T) {
	for name, cfg := range map[string]*pgxpool.Config{"nil": nil, "no ConnConfig": {}} {
		err := pool.Instrument(cfg)
		if err == nil || err.Error() != "pool: Instrument: nil config (build it with pgxpool.ParseConfig)" {
			t.Errorf("Instrument(%s) = %v", name, err)
		}
	}
}

func TestInstrument_pooler(t *testing.T) {
	const refused = "pool: ConnConfig.DefaultQueryExecMode: cache_statement is refused with Pooler " +
		"pgbouncer_transaction: it relies on statements or descriptions cached per server connection, and the pooler " +
		"hands each transaction any server connection (errors 42P05 and 26000); set ConnConfig.DefaultQueryExecMode " +
		"to pgx.QueryExecModeExec or pgx.QueryExecModeSimpleProtocol, or default_query_exec_mode=exec in the connection string"
	tests := []struct {
		name       string
		connString string
		wantField  string // "" means accepted
		wantErr    string
	}{
		{"pgx default mode behind the pooler", "postgres://app@h/app?pool_pooler=pgbouncer_transaction",
			"ConnConfig.DefaultQueryExecMode", refused},
		{"explicit cache_statement", "postgres://app@h/app?pool_pooler=pgbouncer_transaction&default_query_exec_mode=cache_statement",
			"ConnConfig.DefaultQueryExecMode", refused},
		{"describe_exec", "host=h pool_pooler=pgbouncer_transaction default_query_exec_mode=describe_exec",
			"ConnConfig.DefaultQueryExecMode", ""},
		{"unknown pooler", "host=h pool_pooler=odyssey", "pool_pooler",
			`pool: pool_pooler: unknown pooler "odyssey" (want none or pgbouncer_transaction)`},
		{"exec", "host=h pool_pooler=pgbouncer_transaction default_query_exec_mode=exec", "", ""},
		{"simple_protocol", "host=h pool_pooler=pgbouncer_transaction default_query_exec_mode=simple_protocol", "", ""},
		{"no pooler, cache_statement", "host=h pool_pooler=none", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcfg, err := pgxpool.ParseConfig(tt.connString)
			if err != nil {
				t.Fatal(err)
			}
			err = pool.Instrument(pcfg)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Instrument = %v, want nil", err)
				}
				if _, ok := pcfg.ConnConfig.RuntimeParams["pool_pooler"]; ok {
					t.Error("pool_pooler left in RuntimeParams, would be sent to the server")
				}
				if querylog.Find(pcfg.ConnConfig.Tracer) == nil {
					t.Error("tracer not installed")
				}
				return
			}
			var ce *pool.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.wantField {
				t.Fatalf("Instrument = %v, want a ConfigError for %s", err, tt.wantField)
			}
			if tt.wantErr != "" && err.Error() != tt.wantErr {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.wantErr)
			}
			if querylog.Find(pcfg.ConnConfig.Tracer) != nil || pcfg.AfterConnect != nil {
				t.Error("a refused config was changed")
			}
		})
	}
}

func TestPooler_String(t *testing.T) {
	for p, want := range map[pool.Pooler]string{
		pool.NoPooler: "none", pool.PgBouncerTransaction: "pgbouncer_transaction", 9: "Pooler(9)",
	} {
		if got := p.String(); got != want {
			t.Errorf("Pooler(%d).String() = %q, want %q", int(p), got, want)
		}
	}
}
