package keyset

import (
	"fmt"
	"strings"
)

// CursorError is a cursor token that cannot be used. Package paginate hands it to
// users as its own CursorError, a type with the same fields (converted, not copied).
type CursorError struct {
	Reason string
}

// Error returns the reason without a package prefix; the public types add theirs.
func (e *CursorError) Error() string { return "invalid cursor: " + e.Reason }

func cursorErr(format string, a ...any) error {
	return &CursorError{Reason: fmt.Sprintf(format, a...)}
}

// SortError is a sort order that cannot be used. Package paginate hands it to users as
// its own SortError, a type with the same fields.
type SortError struct {
	Model   string
	Field   string
	Reason  string
	Allowed []string
	Err     error
}

// Error describes the refusal without a package prefix.
func (e *SortError) Error() string {
	var b strings.Builder
	b.WriteString("sort")
	if e.Field != "" {
		fmt.Fprintf(&b, " field %q", e.Field)
	}
	fmt.Fprintf(&b, " on model %s: %s", e.Model, e.Reason)
	if e.Allowed != nil {
		fmt.Fprintf(&b, " (allowed: %s)", strings.Join(e.Allowed, ", "))
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error (a *model.ColumnError for an unknown column).
func (e *SortError) Unwrap() error { return e.Err }
