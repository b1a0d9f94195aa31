package loader

import (
	"errors"
	"fmt"

	"github.com/batchorm/batchorm/internal/model"
)

// ErrMissingKey is matched by errors.Is when a parent row has no value in the key
// column a relation needs (its primary key is zero or NULL): the rows were probably read
// without that column. The [FieldError] carrying it names the field.
var ErrMissingKey = errors.New("loader: parent row has no key value")

// ErrUnsupported is matched by errors.Is when a relation has a shape the loader cannot
// load (for example a composite key over a column type it cannot name in SQL). The
// [FieldError] carrying it names the field.
var ErrUnsupported = errors.New("loader: unsupported relation shape")

// RelationError reports a relation path that does not resolve against a model: an
// unknown relation, an empty segment, or a to-many relation given to Join. Its message
// lists the relations of the model on which the failing segment was looked up. It is
// the same type as orm.RelationError.
type RelationError = model.RelationError

// ColumnError reports a column or field name unknown to a model; its message lists the
// model's columns. It is the same type as orm.ColumnError.
type ColumnError = model.ColumnError

// FieldError reports a problem with one field of one relation path: a parent whose key
// is missing ([ErrMissingKey]) or a relation shape the loader does not support
// ([ErrUnsupported]). errors.Is(err, ErrMissingKey) or errors.Is(err, ErrUnsupported)
// tells the two apart.
type FieldError struct {
	Path   string // the relation path being loaded, e.g. "Posts.Comments"
	Model  string // the model holding the field, e.g. "app.User"
	Field  string // the Go field name, e.g. "ID"
	Reason string // what is wrong
	Err    error  // ErrMissingKey or ErrUnsupported
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("loader: %q: %s.%s: %s", e.Path, e.Model, e.Field, e.Reason)
}

// Unwrap returns [ErrMissingKey] or [ErrUnsupported].
func (e *FieldError) Unwrap() error { return e.Err }

// OptionError reports an invalid option given to [Path]: an unknown column in
// [OrderBy] or [Columns], a non-positive [Limit], a [Limit] on a to-one relation, or
// two specs giving different options to the same path.
type OptionError struct {
	Path   string // the path the option was given for
	Option string // "OrderBy", "Columns", "Limit", "Where" or "Path"
	Reason string
	Err    error // the underlying error (e.g. a *ColumnError), or nil
}

// Error implements error.
func (e *OptionError) Error() string {
	msg := fmt.Sprintf("loader: Path(%q): %s: %s", e.Path, e.Option, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error, if any.
func (e *OptionError) Unwrap() error { return e.Err }

// relationError builds the error for segment seg of path, looked up on m.
func relationError(m *model.Model, path, seg, reason string) error {
	return fmt.Errorf("loader: %w", &RelationError{
		Model: m.Name, Path: path, Segment: seg, Reason: reason, Relations: m.RelationNames(),
	})
}
