package orm

import (
	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// The condition language. Every condition below is accepted wherever batchorm takes
// one: [Select.Where] (and so Count, Exists, pages, UpdateAll and DeleteAll), and
// loader.Where on preloaded children. Names in the maps are field or column names,
// checked against the model of the statement they are used in; values are always
// bound parameters. Conditions that name columns refuse to render on their own (their
// ToSql returns an error): hand them to a query.

// Eq is a condition on field or column names: each key equals its value. A nil value
// (or nil pointer) renders IS NULL; a slice or array (other than []byte) renders
// = ANY($n) with one array parameter, and a nil slice is the empty set, as an empty
// slice is.
type Eq = sqlw.Eq

// NotEq negates [Eq] key by key: IS NOT NULL for nil, <> ALL($n) for a slice, so an
// empty or nil slice excludes nothing and both match every row.
type NotEq = sqlw.NotEq

// Lt is a condition "key < value" for each key.
type Lt = sqlw.Lt

// Lte is a condition "key <= value" for each key.
type Lte = sqlw.Lte

// Gt is a condition "key > value" for each key.
type Gt = sqlw.Gt

// Gte is a condition "key >= value" for each key.
type Gte = sqlw.Gte

// Or is true when any of its conditions is: orm.Or{orm.Eq{"role": "admin"},
// orm.Gt{"karma": 100}}. Its parts are conditions of this list or any squirrel Sqlizer;
// each is put in parentheses. An empty Or is an error.
type Or = sqlw.Or

// And is true when all of its conditions are; see [Or].
type And = sqlw.And

// Has is the condition "a related row exists", for filtering parents through a
// relation of any kind — belongs-to, has-one, has-many, or many-to-many through its
// join table — with conditions on the related model's columns (checked against it):
//
//	orm.Query[Film](db).Where(orm.Has("Categories", orm.Eq{"name": "Action"}))
//
// renders EXISTS (SELECT 1 FROM the link table JOIN the related table WHERE …). Has
// conditions nest (Has("Posts", Has("Comments", …))) and work wherever a condition
// does: queries, Count, pages, UpdateAll and DeleteAll. An unknown relation is a
// [RelationError] listing the model's relations.
func Has(relation string, conds ...sq.Sqlizer) sq.Sqlizer { return sqlw.Has(relation, conds...) }

// IsNull is the condition "name IS NULL", name a field or column of the model.
func IsNull(name string) sq.Sqlizer { return sqlw.IsNull(name) }

// Not negates a condition: NOT (c).
func Not(c sq.Sqlizer) sq.Sqlizer { return sqlw.Not(c) }

// Expr is a condition (or a [Set] value) written as SQL with '?' placeholders and its
// args: orm.Expr("age > ? OR age IS NULL", 30); '??' is a literal '?'. Names inside it
// are the caller's and are not checked; args are bound parameters, and args that are
// squirrel builders render as subqueries in place.
func Expr(sql string, args ...any) sq.Sqlizer { return sqlw.Expr(sql, args...) }

// AllRows is the explicit "every row" condition of [Select.UpdateAll] and
// [Select.DeleteAll], which refuse a query without Where.
var AllRows sq.Sqlizer = sqlw.AllRows
