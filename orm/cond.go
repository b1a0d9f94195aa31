package orm

import (
	"fmt"
	"reflect"
	"sort"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/sqlb"
)

// Eq is a condition on field or column names: each key equals its value. A nil value
// renders IS NULL; a slice (other than []byte) renders = ANY($n) with one array
// parameter. Keys are checked against the model; values are bound parameters.
type Eq map[string]any

// NotEq is the negation of [Eq]: IS NOT NULL for nil, <> ALL($n) for a slice.
type NotEq map[string]any

// Lt is a condition "key < value" for each key.
type Lt map[string]any

// Lte is a condition "key <= value" for each key.
type Lte map[string]any

// Gt is a condition "key > value" for each key.
type Gt map[string]any

// Gte is a condition "key >= value" for each key.
type Gte map[string]any

// condition is a predicate whose names must be resolved against the model first.
type condition interface {
	sq.Sqlizer
	resolve(r resolver) (sq.Sqlizer, error)
}

// ToSql implements squirrel's Sqlizer; it refuses, because the keys must be checked
// against a model first: pass the map to [Select.Where].
func (e Eq) ToSql() (string, []any, error) { return "", nil, errUnresolved }

// ToSql implements squirrel's Sqlizer; see [Eq.ToSql].
func (e NotEq) ToSql() (string, []any, error) { return "", nil, errUnresolved }

// ToSql implements squirrel's Sqlizer; see [Eq.ToSql].
func (e Lt) ToSql() (string, []any, error) { return "", nil, errUnresolved }

// ToSql implements squirrel's Sqlizer; see [Eq.ToSql].
func (e Lte) ToSql() (string, []any, error) { return "", nil, errUnresolved }

// ToSql implements squirrel's Sqlizer; see [Eq.ToSql].
func (e Gt) ToSql() (string, []any, error) { return "", nil, errUnresolved }

// ToSql implements squirrel's Sqlizer; see [Eq.ToSql].
func (e Gte) ToSql() (string, []any, error) { return "", nil, errUnresolved }

var errUnresolved = fmt.Errorf("orm: condition used outside a query: pass it to Where")

func (e Eq) resolve(r resolver) (sq.Sqlizer, error)    { return compare(r, e, "=") }
func (e NotEq) resolve(r resolver) (sq.Sqlizer, error) { return compare(r, e, "<>") }
func (e Lt) resolve(r resolver) (sq.Sqlizer, error)    { return compare(r, e, "<") }
func (e Lte) resolve(r resolver) (sq.Sqlizer, error)   { return compare(r, e, "<=") }
func (e Gt) resolve(r resolver) (sq.Sqlizer, error)    { return compare(r, e, ">") }
func (e Gte) resolve(r resolver) (sq.Sqlizer, error)   { return compare(r, e, ">=") }

func compare(r resolver, kv map[string]any, op string) (sq.Sqlizer, error) {
	if len(kv) == 0 {
		return nil, fmt.Errorf("empty %s condition", op)
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var e sqlb.Expr
	for i, k := range keys {
		col, err := r.column(k)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			e.SQL += " AND "
		}
		v := kv[k]
		switch {
		case v == nil || isNilPtr(v):
			switch op {
			case "=":
				e.SQL += col + " IS NULL"
			case "<>":
				e.SQL += col + " IS NOT NULL"
			default:
				return nil, fmt.Errorf("%s %s NULL is never true", k, op)
			}
		case isList(v):
			switch op {
			case "=":
				e.SQL += col + " = ANY(?)"
			case "<>":
				e.SQL += col + " <> ALL(?)"
			default:
				return nil, fmt.Errorf("%s %s a list: use a single value", k, op)
			}
			e.Args = append(e.Args, v)
		default:
			e.SQL += col + " " + op + " ?"
			e.Args = append(e.Args, v)
		}
	}
	return e, nil
}

func isNilPtr(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func isList(v any) bool {
	rv := reflect.ValueOf(v)
	return (rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8) || rv.Kind() == reflect.Array && rv.Type().Elem().Kind() != reflect.Uint8
}
