package bulk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// modelOf returns the metadata of T, which must be a struct or a pointer to one.
func modelOf[T any](call string) (*model.Model, error) {
	t := reflect.TypeFor[T]()
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Pointer {
		return nil, fmt.Errorf("bulk: %s: %v: rows must be structs or pointers to structs: %w", call, t, model.ErrInvalidModel)
	}
	m, err := model.Of[T]()
	if err != nil {
		return nil, fmt.Errorf("bulk: %s: %w", call, err)
	}
	return m, nil
}

// basesOf returns the address of each row's struct: &rows[i] for []T, rows[i] for
// []*T. A nil or empty slice is ErrEmpty, a nil pointer a RowError.
func basesOf[T any](call string, rows []T) ([]unsafe.Pointer, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("bulk: %s: %w", call, ErrEmpty)
	}
	out := make([]unsafe.Pointer, len(rows))
	if reflect.TypeFor[T]().Kind() == reflect.Pointer {
		for i := range rows {
			p := *(*unsafe.Pointer)(unsafe.Pointer(&rows[i]))
			if p == nil {
				return nil, fmt.Errorf("bulk: %s: %w", call, &RowError{Index: i, Err: ErrNilRow})
			}
			out[i] = p
		}
		return out, nil
	}
	for i := range rows {
		out[i] = unsafe.Pointer(&rows[i])
	}
	return out, nil
}

// prepare is the common start of the calls taking rows: the model, the rows' addresses
// and the options, all checked before any statement is sent.
//
// On a model with value scopes (`orm:"scope:NAME"`, a tenant id) every row must hold
// the context's value or a zero value, which is then set to it: a write never reaches
// another scope's rows (see sqlw.ScopeRows).
func prepare[T any](ctx context.Context, call string, rows []T, opts []Option) (*model.Model, []unsafe.Pointer, config, error) {
	cfg, err := newConfig(call, opts)
	if err != nil {
		return nil, nil, cfg, err
	}
	m, err := modelOf[T](call)
	if err != nil {
		return nil, nil, cfg, err
	}
	bases, err := basesOf(call, rows)
	if err != nil {
		return nil, nil, cfg, err
	}
	if err := sqlw.ScopeRows(m, bases, sqlw.ScopesFrom(ctx)); err != nil {
		if re := (*sqlw.RowScopeError)(nil); errors.As(err, &re) {
			err = &RowError{Index: re.Index, Err: err}
		}
		return nil, nil, cfg, fmt.Errorf("bulk: %s %s: %w", call, m.Table, err)
	}
	return m, bases, cfg, nil
}

// chunks splits n rows into [lo, hi) ranges of at most size rows.
func chunks(n, size int) [][2]int {
	if size <= 0 {
		size = n
	}
	out := make([][2]int, 0, (n+size-1)/size)
	for lo := 0; lo < n; lo += size {
		out = append(out, [2]int{lo, min(lo+size, n)})
	}
	return out
}

// setField copies the value of column c from the struct at src to the struct at dst.
func setField(c *model.Column, dst, src unsafe.Pointer) {
	reflect.NewAt(c.Type, unsafe.Add(dst, c.Offset)).Elem().Set(reflect.NewAt(c.Type, unsafe.Add(src, c.Offset)).Elem())
}
