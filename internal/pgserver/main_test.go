package pgserver_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// Twice: StopShared must be idempotent.
	for range 2 {
		if err := pgserver.StopShared(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// testContext returns a context that ends with the test or after a minute.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// mustQueryInt connects to connString, runs sql and returns its single int result.
func mustQueryInt(t testing.TB, ctx context.Context, connString, sql string) int {
	t.Helper()
	n, err := queryInt(ctx, connString, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// mustQueryString connects to connString, runs sql and returns its single text result.
func mustQueryString(t testing.TB, ctx context.Context, connString, sql string) string {
	t.Helper()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func queryInt(ctx context.Context, connString, sql string) (int, error) {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return 0, err
	}
	var n int
	err = conn.QueryRow(ctx, sql).Scan(&n)
	return n, errors.Join(err, conn.Close(ctx))
}

// mustExec connects to connString and runs sql.
func mustExec(t testing.TB, ctx context.Context, connString, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// mustShared returns the process-wide server's URL.
func mustShared(t testing.TB, ctx context.Context) string {
	t.Helper()
	url, err := pgserver.Shared(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// exists reports whether path exists.
func exists(t testing.TB, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}
