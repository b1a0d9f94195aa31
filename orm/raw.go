package orm

import (
	"context"
	"fmt"

	"github.com/georgysavva/scany/v2/pgxscan"
)

// Raw runs a hand-written statement (with $n placeholders) and scans every row into T
// with scany: T is a struct whose fields map to the result's columns by `db` tag or
// snake_case name (an unknown column is an error), or a single scalar for a
// one-column result. The result of Raw can be handed to [loader.Preload].
func Raw[T any](ctx context.Context, db *DB, sql string, args ...any) ([]T, error) {
	if db == nil {
		return nil, fmt.Errorf("orm: Raw: nil DB")
	}
	var out []T
	if err := pgxscan.Select(ctx, db.q, &out, sql, args...); err != nil {
		return nil, fmt.Errorf("orm: raw query: %w", err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}
