package pool_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/batchorm/batchorm/pool"
)

// New with a connection string and defaults: the server-side timeouts are in force on
// every connection, and warm-up has already connected once.
func ExampleNew() {
	ctx := context.Background()
	p, err := pool.New(ctx, pool.Config{ConnString: os.Getenv("DATABASE_URL")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()

	var timeout string
	if err := p.QueryRow(ctx, "SHOW statement_timeout").Scan(&timeout); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("statement_timeout:", timeout)
	fmt.Println("open connections:", p.Stat().TotalConns())
	// Output:
	// statement_timeout: 30s
	// open connections: 1
}

// ParseConfig reads pgxpool's pool_* keys and batchorm's own; absent keys stay zero and
// take the default.
func ExampleParseConfig() {
	cfg, err := pool.ParseConfig("postgres://app:secret@db.example.com/app" +
		"?pool_max_conns=20&pool_max_conn_lifetime=30m&statement_timeout=5000&pool_pooler=pgbouncer_transaction")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("MaxConns:", cfg.MaxConns)
	fmt.Println("MaxConnLifetime:", cfg.MaxConnLifetime)
	fmt.Println("StatementTimeout:", cfg.StatementTimeout)
	fmt.Println("Pooler:", cfg.Pooler)
	fmt.Println("MinConns:", cfg.MinConns)
	// Output:
	// MaxConns: 20
	// MaxConnLifetime: 30m0s
	// StatementTimeout: 5s
	// Pooler: pgbouncer_transaction
	// MinConns: 0
}

// PgxConfig shows exactly what New hands to pgxpool.
func ExampleConfig_PgxConfig() {
	cfg := pool.Config{
		ConnString:       "postgres://app@db.example.com/app",
		MaxConns:         10,
		StatementTimeout: 2 * time.Minute,
	}
	pcfg, err := cfg.PgxConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("MaxConns:", pcfg.MaxConns)
	fmt.Println("ConnectTimeout:", pcfg.ConnConfig.ConnectTimeout)
	fmt.Println("exec mode:", pcfg.ConnConfig.DefaultQueryExecMode)
	fmt.Println("statement_timeout:", pcfg.ConnConfig.RuntimeParams["statement_timeout"])
	fmt.Println("application_name:", pcfg.ConnConfig.RuntimeParams["application_name"])
	// Output:
	// MaxConns: 10
	// ConnectTimeout: 5s
	// exec mode: cache statement
	// statement_timeout: 120000
	// application_name: batchorm
}

// Validate names the field at fault.
func ExampleConfig_Validate() {
	fmt.Println(pool.Config{MaxConns: 2, MinConns: 5}.Validate())
	fmt.Println(pool.Config{HealthCheckPeriod: pool.Disable}.Validate())
	// Output:
	// pool: MaxConns: must be >= MinConns (got 2 < 5)
	// pool: HealthCheckPeriod: must be positive; it cannot be disabled (got -1ns)
}

// Behind PgBouncer in transaction mode, exec modes that keep state on the server
// connection between round trips are refused, and so are server-side timeouts, which
// PgBouncer does not pass on: they belong on the role.
func ExamplePgBouncerTransaction() {
	const url = "postgres://app@pgbouncer.internal:6432/app?pool_pooler=pgbouncer_transaction"
	_, err := pool.Config{ConnString: url + "&default_query_exec_mode=cache_statement"}.PgxConfig()
	fmt.Println(err)

	pcfg, err := pool.Config{ConnString: url}.PgxConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("exec mode:", pcfg.ConnConfig.DefaultQueryExecMode)
	fmt.Println("startup parameters:", pcfg.ConnConfig.RuntimeParams)
	// Output:
	// pool: ExecMode: cache_statement is refused with Pooler pgbouncer_transaction: it relies on statements or descriptions cached per server connection, and the pooler hands each transaction any server connection (errors 42P05 and 26000); set ExecMode to pgx.QueryExecModeExec or pgx.QueryExecModeSimpleProtocol (or leave it zero), or default_query_exec_mode=exec in the connection string
	// exec mode: exec
	// startup parameters: map[application_name:batchorm]
}
