package pool_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/pool"
)

func TestNew_serverSettingsApplied(t *testing.T) {
	tests := []struct {
		name string
		cfg  pool.Config
		want map[string]string
	}{
		{"defaults", pool.Config{}, map[string]string{
			"statement_timeout": "30s", "idle_in_transaction_session_timeout": "1min", "application_name": "batchorm",
		}},
		{"custom", pool.Config{
			StatementTimeout: 1500 * time.Millisecond, IdleInTransactionSessionTimeout: 2 * time.Minute,
			ApplicationName: "pool-test",
		}, map[string]string{
			"statement_timeout": "1500ms", "idle_in_transaction_session_timeout": "2min", "application_name": "pool-test",
		}},
		{"disabled", pool.Config{
			StatementTimeout: pool.Disable, IdleInTransactionSessionTimeout: pool.Disable,
		}, map[string]string{
			"statement_timeout": "0", "idle_in_transaction_session_timeout": "0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.ConnString = databaseURL
			p := mustNew(t, tt.cfg)
			for setting, want := range tt.want {
				if got := mustShow(t, p, setting); got != want {
					t.Errorf("SHOW %s = %q, want %q", setting, got, want)
				}
			}
		})
	}
}

func TestNew_warmUpOpensMinConns(t *testing.T) {
	t.Parallel()
	p := mustNew(t, pool.Config{ConnString: databaseURL, MinConns: 3, MaxConns: 5})
	// Warm-up held three connections at once before New returned; pgxpool keeps them.
	if got := p.Stat().TotalConns(); got < 3 {
		t.Errorf("TotalConns right after New = %d, want >= 3", got)
	}
	if got := p.Stat().AcquiredConns(); got != 0 {
		t.Errorf("AcquiredConns after warm-up = %d, want 0", got)
	}
}

func TestNew_lazyConnect(t *testing.T) {
	t.Parallel()
	start := time.Now()
	p, err := pool.New(testCtx(t), pool.Config{
		ConnString: "postgres://app@" + mustClosedPort(t) + "/app?sslmode=disable", LazyConnect: true,
	})
	if err != nil {
		t.Fatalf("New with LazyConnect = %v, want nil (no connection attempted)", err)
	}
	p.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("New with LazyConnect took %v", d)
	}
}

func TestNew_tracers(t *testing.T) {
	t.Parallel()
	user := &countingTracer{}
	p := mustNew(t, pool.Config{ConnString: databaseURL, Tracers: []pgx.QueryTracer{user}})
	ours := querylog.Find(p.Config().ConnConfig.Tracer)
	if ours == nil {
		t.Fatal("batchorm's tracer is not installed on the pool")
	}
	before := ours.Totals()
	if _, err := p.Exec(testCtx(t), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if s, e := user.starts.Load(), user.ends.Load(); s != 1 || e != 1 {
		t.Errorf("user tracer saw %d starts and %d ends, want 1 and 1", s, e)
	}
	if got := ours.Totals().Statements - before.Statements; got != 1 {
		t.Errorf("batchorm's tracer counted %d statements, want 1", got)
	}
}

func TestNew_afterConnect(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	p := mustNew(t, pool.Config{ConnString: databaseURL, MinConns: 2, MaxConns: 2,
		AfterConnect: func(context.Context, *pgx.Conn) error { calls.Add(1); return nil }})
	if got := calls.Load(); got < 2 || int32(got) != p.Stat().TotalConns() {
		t.Errorf("AfterConnect ran %d times for %d connections", got, p.Stat().TotalConns())
	}
}

func TestNew_pgBouncerTransaction(t *testing.T) {
	tests := []struct {
		name         string
		pooler       pool.Pooler
		wantMode     pgx.QueryExecMode
		wantPrepared bool
	}{
		{"direct", pool.NoPooler, pgx.QueryExecModeCacheStatement, true},
		{"pgbouncer_transaction", pool.PgBouncerTransaction, pgx.QueryExecModeExec, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			p := mustNew(t, pool.Config{ConnString: databaseURL, Pooler: tt.pooler})
			if got := p.Config().ConnConfig.DefaultQueryExecMode; got != tt.wantMode {
				t.Errorf("DefaultQueryExecMode = %v, want %v", got, tt.wantMode)
			}
			c, err := p.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Release()
			var n, prepared int
			if err := c.QueryRow(ctx, "SELECT $1::int + 1", 41).Scan(&n); err != nil || n != 42 {
				t.Fatalf("query = %d, %v; want 42", n, err)
			}
			// Server-side prepared statements are what a transaction pooler cannot carry.
			if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements").Scan(&prepared); err != nil {
				t.Fatal(err)
			}
			if (prepared > 0) != tt.wantPrepared {
				t.Errorf("%d prepared statements on the connection, want any: %v", prepared, tt.wantPrepared)
			}
		})
	}
}

func TestNew_connectTimeout(t *testing.T) {
	tests := []struct {
		name string
		addr func(testing.TB) string
	}{
		{"server that never answers", mustSilentServer},
		{"closed port", mustClosedPort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const timeout = 300 * time.Millisecond
			cfg := pool.Config{
				ConnString:     "postgres://app@" + tt.addr(t) + "/app?sslmode=disable",
				ConnectTimeout: timeout,
			}
			start := time.Now()
			p, err := pool.New(testCtx(t), cfg) // the test context allows 30s
			elapsed := time.Since(start)
			if err == nil {
				p.Close()
				t.Fatal("New succeeded against a dead address")
			}
			if !strings.HasPrefix(err.Error(), "pool: warm up: ") {
				t.Errorf("error = %q, want the warm-up prefix", err)
			}
			if elapsed > timeout+5*time.Second {
				t.Errorf("New took %v, want about ConnectTimeout (%v) at most", elapsed, timeout)
			}
		})
	}
}

func TestNew_errorHasNoPassword(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	const pw = "Sup3rS3cretPw"
	u.User = url.UserPassword("no_such_role", pw)
	_, err = pool.New(testCtx(t), pool.Config{ConnString: u.String()})
	if err == nil {
		t.Fatal("New succeeded with a role that does not exist")
	}
	if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "S3cret") {
		t.Errorf("error contains the password: %q", err)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28000" {
		t.Errorf("error = %v, want it to wrap the server's invalid_authorization_specification (28000)", err)
	}
}

func TestNew_invalidConfig(t *testing.T) {
	t.Parallel()
	p, err := pool.New(testCtx(t), pool.Config{ConnString: databaseURL, MaxConns: 1, MinConns: 2})
	var ce *pool.ConfigError
	if p != nil || !errors.As(err, &ce) || ce.Field != "MaxConns" {
		t.Fatalf("New = %v, %v; want nil and a ConfigError for MaxConns", p, err)
	}
}

func TestWarmUp_nilPool(t *testing.T) {
	if err := pool.WarmUp(testCtx(t), nil); err == nil || !strings.HasPrefix(err.Error(), "pool: ") {
		t.Errorf("WarmUp(nil) = %v, want a pool error", err)
	}
}
