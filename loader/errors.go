package loader

import (
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/preload"
)

// ErrMissingKey is matched by errors.Is when a parent row has no value in the key
// column a relation needs (its primary key is zero or NULL): the rows were probably read
// without that column. The [FieldError] carrying it names the field.
var ErrMissingKey = preload.ErrMissingKey

// ErrUnsupported is matched by errors.Is when a relation has a shape the loader cannot
// load (for example a composite key over a column type it cannot name in SQL). The
// [FieldError] carrying it names the field.
var ErrUnsupported = preload.ErrUnsupported

// RelationError reports a relation path that does not resolve against a model: an
// unknown relation or an empty segment. Its fields are Model, Path, Segment, Reason
// and Relations (the relations of the model on which the failing segment was looked
// up, which its message lists). It is the same type as orm.RelationError.
type RelationError = model.RelationError

// ColumnError reports a column or field name unknown to a model. Its fields are Model,
// Name, Known (the model's columns, which its message lists) and Reason. It is the
// same type as orm.ColumnError.
type ColumnError = model.ColumnError

// FieldError reports a problem with one field of one relation path: a parent whose key
// is missing ([ErrMissingKey]) or a relation shape the loader does not support
// ([ErrUnsupported]); errors.Is tells the two apart. Its fields:
//
//	Path   string // the relation path being loaded, e.g. "Posts.Comments"
//	Model  string // the model holding the field, e.g. "app.User"
//	Field  string // the Go field name, e.g. "ID"
//	Reason string // what is wrong
//	Err    error  // ErrMissingKey or ErrUnsupported, returned by Unwrap
type FieldError = preload.FieldError

// OptionError reports an invalid option given to [Path]: an unknown column in
// [OrderBy], [Columns] or a [Where] condition, a condition that does not render, a
// non-positive [Limit], a [Limit] on a to-one relation, or two specs giving different
// options to the same path. Its fields:
//
//	Path   string // the path the option was given for
//	Option string // "OrderBy", "Columns", "Limit", "Where", "Path", or "" for a nil Option
//	Reason string // what is wrong, when Err does not say it
//	Err    error  // the underlying error (e.g. a *ColumnError) or nil, returned by Unwrap
type OptionError = preload.OptionError
