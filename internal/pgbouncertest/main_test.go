package pgbouncertest_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// TestMain starts the server and the PgBouncer before the tests, so a missing binary
// fails the run at once with the fix, and stops both afterwards (ormtest.Main).
func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	_, err := pgserver.SharedBouncer(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgbouncertest:", err)
		if err := pgserver.StopShared(); err != nil {
			fmt.Fprintln(os.Stderr, "pgbouncertest:", err)
		}
		os.Exit(1)
	}
	ormtest.Main(m)
}
