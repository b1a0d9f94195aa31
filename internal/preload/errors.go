package preload

import (
	"errors"
	"fmt"

	"github.com/batchorm/batchorm/internal/model"
)

// ErrMissingKey is matched by errors.Is when a parent row has no value in the key
// column a relation needs; package loader exports it.
var ErrMissingKey = errors.New("loader: parent row has no key value")

// ErrUnsupported is matched by errors.Is when a relation has a shape the loader cannot
// load; package loader exports it.
var ErrUnsupported = errors.New("loader: unsupported relation shape")

// FieldError reports a problem with one field of one relation path: a parent whose key
// is missing ([ErrMissingKey]) or a relation shape the loader does not support
// ([ErrUnsupported]). Its message carries no package prefix: the front door that
// returns it (loader or orm) adds its own.
type FieldError struct {
	Path   string // the relation path being loaded, e.g. "Posts.Comments"
	Model  string // the model holding the field, e.g. "app.User"
	Field  string // the Go field name, e.g. "ID"
	Reason string // what is wrong
	Err    error  // ErrMissingKey or ErrUnsupported
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%q: %s.%s: %s", e.Path, e.Model, e.Field, e.Reason)
}

// Unwrap returns [ErrMissingKey] or [ErrUnsupported].
func (e *FieldError) Unwrap() error { return e.Err }

// OptionError reports an invalid option given to a path: an unknown column in OrderBy
// or Columns, a condition that does not render, a non-positive Limit, a Limit on a
// to-one relation, or two specs giving different options to the same path. Its
// message carries no package prefix.
type OptionError struct {
	Path   string // the path the option was given for
	Option string // "OrderBy", "Columns", "Limit", "Where", "Path", or "" for a nil option
	Reason string // what is wrong; empty when Err says it all
	Err    error  // the underlying error (e.g. a *model.ColumnError), or nil
}

// Error implements error.
func (e *OptionError) Error() string {
	msg := fmt.Sprintf("Path(%q)", e.Path)
	if e.Option != "" {
		msg += ": " + e.Option
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error, if any.
func (e *OptionError) Unwrap() error { return e.Err }

// relationError builds the error for segment seg of path, looked up on m.
func relationError(m *model.Model, path, seg, reason string) error {
	return &model.RelationError{
		Model: m.Name, Path: path, Segment: seg, Reason: reason, Relations: m.RelationNames(),
	}
}
