package dataload

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/loader"
)

// ErrNotFound is the error of a key whose row does not exist (or is soft-deleted).
// errors.Is(err, ErrNotFound), errors.Is(err, pgx.ErrNoRows) and
// errors.Is(err, sql.ErrNoRows) are all true for it, as they are for orm.ErrNotFound.
var ErrNotFound = fmt.Errorf("dataload: not found: %w", pgx.ErrNoRows)

// Errors is the error of [KeyLoader.LoadMany] and [RelationLoader.LoadMany] when some
// key failed: one entry per key asked for, nil where the key was loaded. errors.Is
// and errors.As look at every entry.
type Errors []error

// Error joins the messages of the failed keys.
func (e Errors) Error() string {
	if err := errors.Join(e...); err != nil {
		return err.Error()
	}
	return "dataload: no error"
}

// Unwrap returns the entries, for errors.Is and errors.As.
func (e Errors) Unwrap() []error { return e }

// KeyError reports a loader whose key type parameter does not fit the model: a type
// other than the Go type of the key column, or a key of several columns. Its fields:
//
//	Model  string       // the model, e.g. "app.User"
//	Field  string       // the key field, e.g. "ID" (fields joined with "+" for a composite key)
//	Want   reflect.Type // the key type the loader needs, nil for a composite key
//	Got    reflect.Type // the loader's key type parameter
//	Reason string       // what is wrong
type KeyError struct {
	Model  string
	Field  string
	Want   reflect.Type
	Got    reflect.Type
	Reason string
}

// Error names the loader's model, field and what is wrong with the key.
func (e *KeyError) Error() string {
	return fmt.Sprintf("dataload: %s key %s: %s", e.Model, e.Field, e.Reason)
}

// RelationError reports a relation name unknown to the parent model; it lists the
// model's relations. It is [loader.RelationError] (and orm.RelationError).
type RelationError = loader.RelationError
