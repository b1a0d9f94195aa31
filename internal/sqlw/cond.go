package sqlw

import (
	"errors"
	"fmt"
	"strings"

	sq "github.com/Masterminds/squirrel"
)

// Cond is a condition of batchorm's condition language. Every Cond is also a squirrel
// Sqlizer, so it can be passed wherever conditions are accepted; those that name
// columns must be written against a model ([Writer.Cond]) and refuse ToSql.
type Cond interface {
	sq.Sqlizer
	// write appends the condition. It reports whether the text it wrote carries its own
	// parentheses (then it is never wrapped again).
	write(w *Writer, r Resolver) (parens bool, err error)
}

// Resolver turns a field or column name given in a condition into a quoted column
// reference ("users"."name"), or an error naming what the model has.
type Resolver interface {
	Column(name string) (string, error)
}

// ErrUnresolved is returned by ToSql of a condition that names columns: it must be
// given to a query, which checks the names against its model.
var ErrUnresolved = errors.New("condition names columns, which must be checked against a model: pass it to Where")

// From turns what a caller passed as a condition into a Cond: a Cond as it is, a SQL
// string with its '?' args as [Expr], any other squirrel Sqlizer as it renders.
func From(pred any, args ...any) (Cond, error) {
	switch p := pred.(type) {
	case nil:
		return nil, errors.New("nil condition")
	case string:
		if strings.TrimSpace(p) == "" {
			return nil, errors.New("empty condition")
		}
		return Expr(p, args...), nil
	case Cond:
		if len(args) > 0 {
			return nil, fmt.Errorf("args given with a %T condition", pred)
		}
		return p, nil
	case sq.Sqlizer:
		if len(args) > 0 {
			return nil, fmt.Errorf("args given with a %T condition", pred)
		}
		return sqlizer{p}, nil
	}
	return nil, fmt.Errorf("unsupported condition type %T (want a SQL string, an orm condition or a squirrel Sqlizer)", pred)
}

// Cond writes c, resolving the names it carries with r.
func (w *Writer) Cond(c Cond, r Resolver) error {
	_, err := c.write(w, r)
	return err
}

// Where writes " WHERE " and conds ANDed, or nothing when none renders any text. With
// more than one condition each is put in parentheses unless it brings its own, so
// "a OR b" ANDed with "c" reads (a OR b) AND (c).
func (w *Writer) Where(conds []Cond, r Resolver) error {
	return w.and(" WHERE ", conds, r)
}

// AndConds writes " AND " and conds ANDed as [Writer.Where] does, for a statement whose
// WHERE clause is already open.
func (w *Writer) AndConds(conds []Cond, r Resolver) error {
	if len(conds) == 0 {
		return nil
	}
	start := w.Len()
	w.SQL(" AND (")
	mark := w.Len()
	if err := w.and("", conds, r); err != nil {
		return err
	}
	if w.Len() == mark {
		w.b = w.b[:start]
		return nil
	}
	w.Byte(')')
	return nil
}

// and writes conds joined by AND after lead; nothing when no condition has text.
func (w *Writer) and(lead string, conds []Cond, r Resolver) error {
	wrote := 0
	lastOpen, lastWrapped := 0, false // the last condition written: where, and whether we wrapped it
	for i, c := range conds {
		if c == nil {
			return fmt.Errorf("condition %d is nil", i)
		}
		start := w.Len()
		if wrote == 0 {
			w.SQL(lead)
		} else {
			w.SQL(" AND ")
		}
		open := w.Len()
		if len(conds) > 1 {
			w.Byte('(')
		}
		body := w.Len()
		nargs := w.Params()
		parens, err := c.write(w, r)
		if err != nil {
			if len(conds) > 1 {
				return fmt.Errorf("condition %d of %d (%s): %w", i+1, len(conds), describe(c), err)
			}
			return err
		}
		switch {
		case w.Len() == body: // renders nothing: left out
			w.b, w.args = w.b[:start], w.args[:nargs]
			continue
		case len(conds) > 1 && parens: // brings its own: drop ours
			w.b = append(w.b[:open], w.b[body:]...)
			lastWrapped = false
		case len(conds) > 1:
			w.Byte(')')
			lastWrapped = true
		}
		lastOpen = open
		wrote++
	}
	if wrote == 1 && lastWrapped { // the others rendered nothing: one condition needs no parentheses
		w.b = append(w.b[:lastOpen], w.b[lastOpen+1:len(w.b)-1]...)
	}
	return nil
}

// describe names a condition's type for an error message without package paths.
func describe(c Cond) string {
	if s, ok := c.(sqlizer); ok {
		return fmt.Sprintf("%T", s.s)
	}
	name := fmt.Sprintf("%T", c)
	return strings.TrimPrefix(name, "sqlw.")
}

// Expr is a condition written as SQL with '?' placeholders and their args ('??' is a
// literal '?'). Column names inside it are the caller's and are not checked; args
// that are squirrel Sqlizers (subqueries) are rendered in place.
func Expr(sql string, args ...any) Cond {
	for _, a := range args {
		if _, ok := a.(sq.Sqlizer); ok {
			return sqlizer{sq.Expr(sql, args...)}
		}
	}
	return expr{sql: sql, args: args}
}

type expr struct {
	sql  string
	args []any
}

func (e expr) ToSql() (string, []any, error) { return e.sql, e.args, nil }

func (e expr) write(w *Writer, _ Resolver) (bool, error) {
	return false, w.Expr(e.sql, e.args)
}

// sqlizer is a squirrel Sqlizer used as a condition, rendered as it is.
type sqlizer struct{ s sq.Sqlizer }

func (s sqlizer) ToSql() (string, []any, error) { return s.s.ToSql() }

func (s sqlizer) write(w *Writer, _ Resolver) (bool, error) {
	var sql string
	var args []any
	var err error
	parens := false
	switch c := s.s.(type) {
	case sq.And, sq.Or: // they render their parts nested, in parentheses
		sql, args, err = c.ToSql()
		parens = true
	default:
		// sq.And renders nested statement builders in their raw '?' form, which
		// calling their ToSql would not (a $n builder would keep its own numbers); its
		// parentheses are taken off again.
		sql, args, err = sq.And{s.s}.ToSql()
		if len(sql) >= 2 {
			sql = sql[1 : len(sql)-1]
		}
	}
	if err != nil {
		return false, err
	}
	return parens, w.Expr(sql, args)
}

// allRows is [AllRows].
type allRows struct{}

// AllRows is the explicit "every row" condition that UPDATE and DELETE of many rows
// require instead of none. It writes no text.
var AllRows Cond = allRows{}

func (allRows) ToSql() (string, []any, error)         { return "", nil, nil }
func (allRows) write(*Writer, Resolver) (bool, error) { return false, nil }

// IsAllRows reports whether c is [AllRows].
func IsAllRows(c Cond) bool { _, ok := c.(allRows); return ok }
