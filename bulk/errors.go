package bulk

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unsafe"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
)

var (
	// ErrEmpty is returned when a call gets a nil or empty slice of rows. No statement
	// is sent.
	ErrEmpty = errors.New("bulk: no rows given")
	// ErrNilRow is wrapped in a [RowError] for a nil pointer in a []*T.
	ErrNilRow = errors.New("bulk: nil row")
	// ErrNothingToUpdate is returned by [Update] for an empty column list and by
	// [Upsert] for a [Conflict.DoUpdate] naming no column.
	ErrNothingToUpdate = errors.New("bulk: nothing to update: name the columns to set")
	// ErrMissingPK is returned when the model has no primary key where one is needed,
	// and wrapped in a [RowError] for a row whose generated key is still zero.
	ErrMissingPK = errors.New("bulk: missing primary key")
	// ErrDuplicateKey is wrapped in a [RowError] when two rows of one batch share a
	// key that PostgreSQL would refuse to touch twice in one statement.
	ErrDuplicateKey = errors.New("bulk: duplicate key in batch")
	// ErrNullKey is wrapped in a [RowError] for an [Upsert] row whose conflict key is
	// NULL: such a row can never conflict, and cannot be matched to what comes back.
	ErrNullKey = errors.New("bulk: NULL conflict key")
	// ErrNULInText is wrapped in a [RowError] for a text value holding a NUL byte,
	// which no PostgreSQL text column can store.
	ErrNULInText = errors.New("bulk: text holds a NUL byte, which PostgreSQL cannot store")
	// ErrInvalidOption is matched by errors.Is for a bad [Option] or [Conflict].
	ErrInvalidOption = errors.New("bulk: invalid option")
	// ErrSchema is matched by errors.Is when the model and the table disagree: a
	// column missing from the table, or a key column without a DEFAULT.
	ErrSchema = errors.New("bulk: model does not match table")
)

// ColumnError reports a column or field name unknown to a model; its message lists the
// model's columns. It is the same type as orm.ColumnError.
type ColumnError = model.ColumnError

// RowError says which input row a failure belongs to. Index is the position in the
// slice given to the call. Err is the cause: a *pgconn.PgError when PostgreSQL refused
// the row (errors.As reaches it through RowError), or one of this package's errors.
//
// Only a failure caused by a row's data names a row: PostgreSQL names the row for
// COPY (its "line") and the key for unique and foreign-key violations, and bulk turns
// either into an index when the error is a data exception, a constraint violation or
// raised by a trigger (SQLSTATE classes 22, 23 and P0); a lost connection or a statement timeout during a COPY
// blames no row. Text holding a NUL byte, which PostgreSQL cannot store, is refused
// before anything is sent, naming the row and the column ([ErrNULInText]). Other
// failures of an unnest or VALUES statement cannot be placed and come back without a
// RowError.
type RowError struct {
	Index int
	Err   error
}

// Error implements error.
func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Index, e.Err) }

// Unwrap returns Err.
func (e *RowError) Unwrap() error { return e.Err }

var (
	copyLineRe = regexp.MustCompile(`\bCOPY [^\n]*?, line (\d+)`)
	keyRe      = regexp.MustCompile(`^Key \((.+)\)=\((.*)\) (?:already exists|is not present|is still referenced)`)
)

// locate wraps err in a RowError when PostgreSQL's error names a row of the chunk
// that starts at offset: a COPY line, or a key whose values match one row. It returns
// err unchanged when the row cannot be told.
func locate(err error, offset int, copying bool, ch *chunkRows) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || !rowDataError(pgErr.Code) {
		return err
	}
	if copying {
		if m := copyLineRe.FindStringSubmatch(pgErr.Where); m != nil {
			if line, convErr := strconv.Atoi(m[1]); convErr == nil && line >= 1 && line <= len(ch.bases) {
				return &RowError{Index: offset + line - 1, Err: err}
			}
		}
		return err
	}
	if i, ok := ch.findKey(pgErr.Detail); ok {
		return &RowError{Index: offset + i, Err: err}
	}
	return err
}

// rowDataError reports whether SQLSTATE code says a row's data was refused: class 22
// (data exception), 23 (integrity constraint violation) or P0 (raised by a PL/pgSQL
// trigger checking the row). Only those name a row; a killed connection or a
// statement timeout during a COPY also carries a line number, but no row is to blame.
func rowDataError(code string) bool {
	return strings.HasPrefix(code, "22") || strings.HasPrefix(code, "23") || strings.HasPrefix(code, "P0")
}

// chunkRows is what locate needs to find a row by the key PostgreSQL names.
type chunkRows struct {
	bases []unsafe.Pointer
	cols  func(name string) *colPlan
}

// findKey returns the index of the first row whose text rendering of the key columns
// named in detail ("Key (a, b)=(1, x) already exists.") equals the values named.
func (ch *chunkRows) findKey(detail string) (int, bool) {
	m := keyRe.FindStringSubmatch(detail)
	if m == nil || ch.cols == nil {
		return 0, false
	}
	var plans []*colPlan
	for _, name := range strings.Split(m[1], ", ") {
		p := ch.cols(strings.Trim(name, `"`))
		if p == nil {
			return 0, false
		}
		plans = append(plans, p)
	}
	tm := pgtype.NewMap()
	parts := make([]string, len(plans))
	for i, base := range ch.bases {
		for j, p := range plans {
			s, ok := p.render(tm, base)
			if !ok {
				parts = nil
				break
			}
			parts[j] = s
		}
		if parts == nil {
			parts = make([]string, len(plans))
			continue
		}
		if strings.Join(parts, ", ") == m[2] {
			return i, true
		}
	}
	return 0, false
}

// tidied is an error whose message names the package once: the "bulk: " prefixes of
// the errors it wraps are dropped from the middle of the message.
type tidied struct{ err error }

// Error implements error.
func (t tidied) Error() string { return strings.ReplaceAll(t.err.Error(), ": bulk: ", ": ") }

// Unwrap returns the wrapped error.
func (t tidied) Unwrap() error { return t.err }

// tidy wraps *err, when set, in tidied. The exported calls defer it.
func tidy(err *error) {
	if *err != nil {
		*err = tidied{*err}
	}
}
