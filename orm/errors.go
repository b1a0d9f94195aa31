package orm

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

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
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeNotNullViolation     = "23502"
	codeCheckViolation       = "23514"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
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

// IsRetryable reports whether err is (or wraps) a serialization failure (40001) or a
// deadlock (40P01): the transaction was rolled back and running it again may succeed
// (see [Retry]).
func IsRetryable(err error) bool {
	return hasCode(err, codeSerializationFailure) || hasCode(err, codeDeadlockDetected)
}

// IsConnLost reports whether err says the connection to the server was lost or could
// not be made: the server shut down or crashed (57P01, 57P02, 57P03, class 08), the
// connection broke (unexpected EOF, a closed network connection) or connecting failed.
// A statement that failed so may or may not have run; [ErrCommitUnknown] marks the
// case where that matters most. The pool replaces the connection by itself.
func IsConnLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", strings.HasPrefix(pgErr.Code, "08"):
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || (errors.As(err, &netErr) && !netErr.Timeout())
}

// sentinelError is one of this package's sentinel errors given in the context of a
// call: its message names the call once, after the one "orm: " prefix.
type sentinelError struct {
	context string
	err     error
}

// sentinel wraps err (whose text starts with "orm: ") with context.
func sentinel(context string, err error) error { return &sentinelError{context: context, err: err} }

func (e *sentinelError) Error() string {
	return "orm: " + e.context + ": " + strings.TrimPrefix(e.err.Error(), "orm: ")
}

func (e *sentinelError) Unwrap() error { return e.err }
