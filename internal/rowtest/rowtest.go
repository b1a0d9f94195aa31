// Package rowtest reads reference rows with hand-written SQL and compares them, row by
// row, with the rows batchorm loaded. The loader and orm test suites both check their
// Preload and Join results this way, against naive per-parent queries on their own
// schemas and models.
//
// It is for tests only: import it from _test.go files, never from a package that ships.
// It depends on pgx alone, so it sits below every package whose tests use it.
package rowtest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Querier is the one method the helpers use; *orm.DB, *pgxpool.Pool, *pgx.Conn and
// pgx.Tx have it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// MustQuery runs sql with args on q and returns every row scanned by scan, failing t
// (naming sql) on any error. No rows give an empty, non-nil slice, which is how a
// loaded to-many relation without children looks.
func MustQuery[T any](t testing.TB, ctx context.Context, q Querier, scan func(pgx.CollectableRow) (T, error), sql string, args ...any) []T {
	t.Helper()
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if out == nil {
		out = []T{}
	}
	return out
}

// MustQueryOne is [MustQuery] for a to-one relation: the first row, or nil when there
// is none.
func MustQueryOne[T any](t testing.TB, ctx context.Context, q Querier, scan func(pgx.CollectableRow) (T, error), sql string, args ...any) *T {
	t.Helper()
	out := MustQuery(t, ctx, q, scan, sql, args...)
	if len(out) == 0 {
		return nil
	}
	return &out[0]
}

// RequireEqual fails t unless want and got have the same length and every pair of rows
// is reflect.DeepEqual; the message shows the first differing pair as indented JSON.
func RequireEqual[T any](t testing.TB, want, got []T) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("want %d rows, got %d", len(want), len(got))
	}
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			w, _ := json.MarshalIndent(want[i], "", " ")
			g, _ := json.MarshalIndent(got[i], "", " ")
			t.Fatalf("row %d differs:\nwant %s\ngot  %s", i, w, g)
		}
	}
}
