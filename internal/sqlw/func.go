package sqlw

import "errors"

// Func is a condition written by fn, for an engine that composes a condition from
// model metadata it holds, such as a keyset page's "after this row": fn writes the
// column references it resolved itself ([Writer.SQL]) and binds every value with
// [Writer.Arg], so its placeholders are numbered here like any other. The condition is
// put in parentheses when ANDed with others. A Func renders only inside a statement:
// its ToSql returns an error.
func Func(fn func(w *Writer) error) Cond { return funcCond(fn) }

type funcCond func(w *Writer) error

func (f funcCond) ToSql() (string, []any, error) {
	return "", nil, errors.New("condition written by an engine renders only inside a statement")
}

func (f funcCond) write(w *Writer, _ Resolver) (bool, error) {
	if f == nil {
		return false, errors.New("nil condition function")
	}
	return false, f(w)
}

// Resolved is a condition written by fn with the statement's resolver at hand, for
// a condition that names columns of the statement's model and writes more SQL around
// them (orm's In over a subquery).
func Resolved(fn func(w *Writer, r Resolver) error) Cond { return resolvedCond(fn) }

type resolvedCond func(w *Writer, r Resolver) error

func (f resolvedCond) ToSql() (string, []any, error) { return "", nil, ErrUnresolved }

func (f resolvedCond) write(w *Writer, r Resolver) (bool, error) { return false, f(w, r) }
