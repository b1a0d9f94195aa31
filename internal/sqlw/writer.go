package sqlw

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Writer accumulates one statement: its text and its bound arguments. The zero value
// is ready to use. A Writer is not safe for concurrent use.
type Writer struct {
	b      []byte
	args   []any
	scopes ScopeValues  // the values value scopes bind (see WriteScope)
	slots  *[]ScopeSlot // non-nil: value scopes are declared parameters, recorded here
}

// NewWriter returns a Writer whose buffer holds size bytes before it grows.
func NewWriter(size int) *Writer { return &Writer{b: make([]byte, 0, size)} }

// Param is a declared statement parameter: its number is $Param.
type Param int

// SQL appends trusted SQL text: keywords, or names rendered from model metadata.
// Nothing a user typed goes through SQL.
func (w *Writer) SQL(s string) { w.b = append(w.b, s...) }

// Byte appends one byte of SQL text.
func (w *Writer) Byte(c byte) { w.b = append(w.b, c) }

// Ident appends a quoted identifier.
func (w *Writer) Ident(name string) { w.b = append(w.b, QuoteIdent(name)...) }

// Arg declares a parameter holding v and writes its placeholder.
func (w *Writer) Arg(v any) Param {
	p := w.Param()
	w.args[p-1] = v
	w.Ref(p)
	return p
}

// Param declares a parameter without writing it; its value is nil in [Writer.Args]
// until the caller sets it (statements rendered once and run with new values, such as
// a preload edge's key arrays). Numbers follow declaration order.
func (w *Writer) Param() Param {
	w.args = append(w.args, nil)
	return Param(len(w.args))
}

// Ref writes the placeholder of a declared parameter.
func (w *Writer) Ref(p Param) {
	w.b = strconv.AppendInt(append(w.b, '$'), int64(p), 10)
}

// Cast writes the placeholder of p followed by ::typ.
func (w *Writer) Cast(p Param, typ string) {
	w.Ref(p)
	w.b = append(append(w.b, "::"...), typ...)
}

// Params returns the number of parameters declared so far.
func (w *Writer) Params() int { return len(w.args) }

// String returns the statement text.
func (w *Writer) String() string { return string(w.b) }

// Args returns the arguments, one per declared parameter, in parameter order.
func (w *Writer) Args() []any { return w.args }

// Len returns the length of the text written so far.
func (w *Writer) Len() int { return len(w.b) }

// Since returns the text written from position n on.
func (w *Writer) Since(n int) string { return string(w.b[n:]) }

// Expr appends sql with each '?' written as the placeholder of the next of args and
// each '??' as a literal '?' (the jsonb operator). A count mismatch is an error, so a
// stray '?' never reaches PostgreSQL.
func (w *Writer) Expr(sql string, args []any) error {
	used := 0
	for {
		i := strings.IndexByte(sql, '?')
		if i < 0 {
			w.b = append(w.b, sql...)
			break
		}
		w.b = append(w.b, sql[:i]...)
		if i+1 < len(sql) && sql[i+1] == '?' {
			w.b = append(w.b, '?')
			sql = sql[i+2:]
			continue
		}
		if used == len(args) {
			return fmt.Errorf("%d '?' placeholders or more for %d args (write a literal '?' as '??')", used+1, len(args))
		}
		w.Arg(args[used])
		used++
		sql = sql[i+1:]
	}
	if used != len(args) {
		return fmt.Errorf("%d '?' placeholders for %d args (write a literal '?' as '??')", used, len(args))
	}
	return nil
}

// List writes n items separated by ", ", each written by item(i).
func (w *Writer) List(n int, item func(i int)) {
	for i := range n {
		if i > 0 {
			w.b = append(w.b, ", "...)
		}
		item(i)
	}
}

// QuoteIdent quotes one identifier for PostgreSQL.
func QuoteIdent(s string) string { return pgx.Identifier{s}.Sanitize() }
