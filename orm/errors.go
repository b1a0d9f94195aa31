package orm

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/internal/model"
)

// ErrNotFound is returned by [Select.One] and [Select.First] when no row matches.
// errors.Is(err, ErrNotFound), errors.Is(err, pgx.ErrNoRows) and
// errors.Is(err, sql.ErrNoRows) are all true for it.
var ErrNotFound = fmt.Errorf("orm: not found: %w", pgx.ErrNoRows)

// ErrInvalidModel is matched by errors.Is for every error saying a type cannot be used
// as a model (for example a [TagError]).
var ErrInvalidModel = model.ErrInvalidModel

// ErrNothingToUpdate is returned by [Update] when no column is named.
var ErrNothingToUpdate = errors.New("orm: nothing to update: name the columns to set")

// ErrMissingPK is returned by writes by primary key when the model has no primary key or
// the value given has a zero key.
var ErrMissingPK = errors.New("orm: missing primary key")

// TagError reports a struct tag that cannot be used; see errors.As.
type TagError = model.TagError

// RelationError reports a relation path that does not resolve against a model; its
// message lists the model's relations.
type RelationError = model.RelationError

// ColumnError reports a column or field name unknown to a model; its message lists the
// model's columns.
type ColumnError = model.ColumnError

// SQLSTATE codes used by the predicates below.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeNotNullViolation    = "23502"
	codeCheckViolation      = "23514"
)

func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// IsUniqueViolation reports whether err is (or wraps) a PostgreSQL unique_violation.
func IsUniqueViolation(err error) bool { return hasCode(err, codeUniqueViolation) }

// IsForeignKeyViolation reports whether err is (or wraps) a foreign_key_violation.
func IsForeignKeyViolation(err error) bool { return hasCode(err, codeForeignKeyViolation) }

// IsNotNullViolation reports whether err is (or wraps) a not_null_violation.
func IsNotNullViolation(err error) bool { return hasCode(err, codeNotNullViolation) }

// IsCheckViolation reports whether err is (or wraps) a check_violation.
func IsCheckViolation(err error) bool { return hasCode(err, codeCheckViolation) }

// ConstraintName returns the name of the constraint err violated, or "".
func ConstraintName(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}
