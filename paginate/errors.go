package paginate

import (
	"errors"
	"fmt"

	"github.com/batchorm/batchorm/internal/keyset"
)

// ErrInvalidCursor is matched by errors.Is for every cursor token that cannot be used:
// malformed, truncated, oversized, forged (bad signature), of an unknown version, or
// made for another order or another model, and for a request with both After and
// Before. Handlers can map it to 400 Bad Request.
var ErrInvalidCursor = errors.New("paginate: invalid cursor")

// ErrInvalidSort is matched by errors.Is for every sort order that cannot be used: a
// field outside the allowlist, an unknown column, a duplicate, a malformed spec, an
// order made for another model.
var ErrInvalidSort = errors.New("paginate: invalid sort")

// CursorError says why a cursor token was refused. errors.Is(err, ErrInvalidCursor) is
// true for it. Reason is meant for logs; the token's content is never echoed.
type CursorError struct {
	Reason string // e.g. "bad signature", "made for another order or model"
}

// Error implements error.
func (e *CursorError) Error() string { return "paginate: " + (*keyset.CursorError)(e).Error() }

// Unwrap makes errors.Is(err, ErrInvalidCursor) true.
func (e *CursorError) Unwrap() error { return ErrInvalidCursor }

// SortError says why a sort order was refused. errors.Is(err, ErrInvalidSort) is true
// for it; when the name is not a column of the model, errors.As also reaches the
// model's *ColumnError (orm.ColumnError), which lists the model's columns.
type SortError struct {
	Model   string   // the model type
	Field   string   // the offending sort field as given ("" when the whole spec is at fault)
	Reason  string   // what is wrong
	Allowed []string // the allowlist, when one applies
	Err     error    // the underlying error, if any
}

// Error implements error.
func (e *SortError) Error() string { return "paginate: " + (*keyset.SortError)(e).Error() }

// Unwrap makes errors.Is(err, ErrInvalidSort) true and lets errors.As reach Err.
func (e *SortError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidSort, e.Err}
	}
	return []error{ErrInvalidSort}
}

// public returns err as users see it: the machinery's cursor and sort errors as
// paginate's types (the same fields), anything else behind paginate's prefix.
func public(err error) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *keyset.CursorError:
		return (*CursorError)(e)
	case *keyset.SortError:
		return (*SortError)(e)
	}
	return fmt.Errorf("paginate: %w", err)
}
