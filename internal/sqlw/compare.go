package sqlw

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	sq "github.com/Masterminds/squirrel"
)

// Eq is a condition on field or column names: each key equals its value. A nil value
// (or nil pointer) is IS NULL; a slice or array (other than []byte) is = ANY($n) with
// one array parameter, and a nil slice is the empty set, as an empty one is. Keys are
// resolved against the model; values are bound parameters.
type Eq map[string]any

// NotEq negates [Eq] key by key: IS NOT NULL for nil, <> ALL($n) for a slice (so an
// empty or nil slice excludes nothing).
type NotEq map[string]any

// Lt is a condition "key < value" for each key.
type Lt map[string]any

// Lte is a condition "key <= value" for each key.
type Lte map[string]any

// Gt is a condition "key > value" for each key.
type Gt map[string]any

// Gte is a condition "key >= value" for each key.
type Gte map[string]any

func (e Eq) ToSql() (string, []any, error)    { return "", nil, ErrUnresolved }
func (e NotEq) ToSql() (string, []any, error) { return "", nil, ErrUnresolved }
func (e Lt) ToSql() (string, []any, error)    { return "", nil, ErrUnresolved }
func (e Lte) ToSql() (string, []any, error)   { return "", nil, ErrUnresolved }
func (e Gt) ToSql() (string, []any, error)    { return "", nil, ErrUnresolved }
func (e Gte) ToSql() (string, []any, error)   { return "", nil, ErrUnresolved }

func (e Eq) write(w *Writer, r Resolver) (bool, error)    { return false, compare(w, r, e, "=") }
func (e NotEq) write(w *Writer, r Resolver) (bool, error) { return false, compare(w, r, e, "<>") }
func (e Lt) write(w *Writer, r Resolver) (bool, error)    { return false, compare(w, r, e, "<") }
func (e Lte) write(w *Writer, r Resolver) (bool, error)   { return false, compare(w, r, e, "<=") }
func (e Gt) write(w *Writer, r Resolver) (bool, error)    { return false, compare(w, r, e, ">") }
func (e Gte) write(w *Writer, r Resolver) (bool, error)   { return false, compare(w, r, e, ">=") }

// mapNames names each map condition by its operator, for messages.
var mapNames = map[string]string{"=": "Eq", "<>": "NotEq", "<": "Lt", "<=": "Lte", ">": "Gt", ">=": "Gte"}

// compare writes "col op value" for each key, in key order, ANDed.
func compare(w *Writer, r Resolver, kv map[string]any, op string) error {
	if len(kv) == 0 {
		return fmt.Errorf("empty %s: name at least one column", mapNames[op])
	}
	if r == nil {
		return ErrUnresolved
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		col, err := r.Column(k)
		if err != nil {
			return err
		}
		if i > 0 {
			w.SQL(" AND ")
		}
		w.SQL(col)
		v := kv[k]
		switch {
		case isNull(v):
			switch op {
			case "=":
				w.SQL(" IS NULL")
			case "<>":
				w.SQL(" IS NOT NULL")
			default:
				return fmt.Errorf("%s %s NULL is never true", k, op)
			}
		case isList(v):
			switch op {
			case "=":
				w.SQL(" = ANY(")
			case "<>":
				w.SQL(" <> ALL(")
			default:
				return fmt.Errorf("%s %s a list: use a single value", k, op)
			}
			w.Arg(nonNilList(v))
			w.Byte(')')
		default:
			w.SQL(" " + op + " ")
			w.Arg(v)
		}
	}
	return nil
}

func isNull(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func isList(v any) bool {
	rv := reflect.ValueOf(v)
	k := rv.Kind()
	return (k == reflect.Slice || k == reflect.Array) && rv.Type().Elem().Kind() != reflect.Uint8
}

// nonNilList returns v, or an empty slice of its type when v is a nil slice: pgx sends
// a nil slice as NULL, and "<> ALL(NULL)" matches no row where "<> ALL('{}')" matches
// every row. In Go both are the empty list, so both are sent as one.
func nonNilList(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.IsNil() {
		return reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	return v
}

// IsNull is the condition "name IS NULL", name checked against the model.
func IsNull(name string) Cond { return isNullCond{name: name} }

type isNullCond struct{ name string }

func (c isNullCond) ToSql() (string, []any, error) { return "", nil, ErrUnresolved }

func (c isNullCond) write(w *Writer, r Resolver) (bool, error) {
	if r == nil {
		return false, ErrUnresolved
	}
	col, err := r.Column(c.name)
	if err != nil {
		return false, err
	}
	w.SQL(col)
	w.SQL(" IS NULL")
	return false, nil
}

// Or is true when any of its conditions is: (a OR b OR ...). Its parts are conditions
// of this language or squirrel Sqlizers; it is an error when empty.
type Or []sq.Sqlizer

// And is true when all of its conditions are: (a AND b AND ...). It is an error when
// empty.
type And []sq.Sqlizer

func (o Or) ToSql() (string, []any, error)  { return "", nil, ErrUnresolved }
func (a And) ToSql() (string, []any, error) { return "", nil, ErrUnresolved }

func (o Or) write(w *Writer, r Resolver) (bool, error)  { return true, junction(w, r, o, " OR ") }
func (a And) write(w *Writer, r Resolver) (bool, error) { return true, junction(w, r, a, " AND ") }

// junction writes (p1 op p2 op ...), each part in parentheses unless it brings its own.
func junction(w *Writer, r Resolver, parts []sq.Sqlizer, op string) error {
	if len(parts) == 0 {
		return fmt.Errorf("empty%s", op[:len(op)-1])
	}
	w.Byte('(')
	for i, p := range parts {
		c, err := From(p)
		if err != nil {
			return fmt.Errorf("part %d: %w", i, err)
		}
		if i > 0 {
			w.SQL(op)
		}
		open := w.Len()
		w.Byte('(')
		body := w.Len()
		parens, err := c.write(w, r)
		if err != nil {
			return fmt.Errorf("part %d: %w", i, err)
		}
		if w.Len() == body {
			return fmt.Errorf("part %d (%s) renders no condition", i, describe(c))
		}
		if parens {
			w.b = append(w.b[:open], w.b[body:]...)
		} else {
			w.Byte(')')
		}
	}
	w.Byte(')')
	return nil
}

// Not negates a condition: NOT (c).
func Not(c sq.Sqlizer) Cond { return not{c} }

type not struct{ c sq.Sqlizer }

func (n not) ToSql() (string, []any, error) { return "", nil, ErrUnresolved }

func (n not) write(w *Writer, r Resolver) (bool, error) {
	c, err := From(n.c)
	if err != nil {
		return false, err
	}
	w.SQL("NOT (")
	body := w.Len()
	if _, err := c.write(w, r); err != nil {
		return false, err
	}
	if w.Len() == body {
		return false, errors.New("NOT of a condition that renders nothing")
	}
	w.Byte(')')
	return false, nil
}
