package orm

import (
	"strings"

	"github.com/batchorm/batchorm/internal/join"
	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
)

// Pages ordered by a joined to-one column ("Author.name"): the order's joined keys are
// bound to the query's joins (their aliases, and NULLs wherever a LEFT JOIN finds no
// row), the keyset condition is written on the aliased columns, and cursors read the
// values from the joined structs (see internal/keyset/joined.go).

// bindOrder binds the joined keys of o to q's joins; a key on a relation q does not
// join is an error naming the Join to add. Nothing is sent.
func (q Select[T]) bindOrder(o keyset.Order) (keyset.Order, error) {
	if !o.Joined() {
		return o, nil
	}
	jp, err := q.joinPlan()
	if err != nil {
		return keyset.Order{}, err
	}
	if jp == nil {
		return o.Bind(nil)
	}
	return o.Bind(jp)
}

// keyPosition returns the 1-based output position of a sort key, by name, in a
// statement selecting cols then the joined columns of jp.
func keyPosition(cols []*model.Column, jp *join.Plan) func(name string) int {
	base := columnPosition(cols)
	return func(name string) int {
		if jp == nil || !strings.Contains(name, ".") {
			return base(name)
		}
		return len(cols) + jp.Position(name)
	}
}
