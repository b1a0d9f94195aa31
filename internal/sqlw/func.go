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
