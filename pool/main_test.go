package pool_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
)

// databaseURL is the server the DB tests use, set by TestMain.
var databaseURL string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// libpq variables that would change the values the tests expect from defaults.
	for _, k := range []string{"PGAPPNAME", "PGCONNECT_TIMEOUT", "PGOPTIONS"} {
		os.Unsetenv(k)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	url, err := pgserver.Shared(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pool tests:", err)
		return 1
	}
	databaseURL = url
	os.Setenv("DATABASE_URL", url) // the examples read it
	code := m.Run()
	if err := pgserver.StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, "pool tests:", err)
		code = 1
	}
	return code
}
