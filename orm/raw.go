package orm

import (
	"context"
	"fmt"
	"reflect"

	"github.com/georgysavva/scany/v2/pgxscan"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
)

// Raw runs a hand-written statement (with $n placeholders) and scans every row into T.
// When T is a model, result columns map to its columns by name (an unknown column is an
// error) through the cached model metadata, so models with relation fields, even
// self-referencing ones, scan safely and the result can be handed to loader.Preload.
// Any other T (a DTO struct or a scalar for a one-column result) is scanned with scany.
func Raw[T any](ctx context.Context, db *DB, sql string, args ...any) ([]T, error) {
	if db == nil {
		return nil, fmt.Errorf("orm: Raw: nil DB")
	}
	if t := reflect.TypeFor[T](); t.Kind() == reflect.Struct {
		if m, err := model.For(t); err == nil && len(m.Relations) > 0 {
			return rawModel[T](ctx, db, m, sql, args)
		}
	}
	var out []T
	if err := pgxscan.Select(ctx, db.rawQuerier(ctx), &out, sql, args...); err != nil {
		return nil, fmt.Errorf("orm: raw query: %w", err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

func rawModel[T any](ctx context.Context, db *DB, m *model.Model, sql string, args []any) ([]T, error) {
	rows, err := db.rawQuerier(ctx).Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("orm: raw query: %w", err)
	}
	fds := rows.FieldDescriptions()
	cols := make([]*model.Column, len(fds))
	for i, fd := range fds {
		c, err := m.Column(fd.Name)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("orm: raw query: %w", err)
		}
		cols[i] = c
	}
	out, err := scan.All[T](rows, scan.NewRow(nil, cols, nil), 0)
	if err != nil {
		return nil, fmt.Errorf("orm: raw query: %w", err)
	}
	return out, nil
}
