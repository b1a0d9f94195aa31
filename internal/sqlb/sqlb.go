// Package sqlb renders SQL: [Select] writes SELECT statements in one pass (orm and
// paginate), and it is the one place where squirrel's builder is configured, with $n
// placeholders, for the statements bulk writes. A '?' never reaches PostgreSQL.
package sqlb

import (
	sq "github.com/Masterminds/squirrel"
)

// Builder is squirrel's statement builder with PostgreSQL's $n placeholders.
var Builder = sq.StatementBuilder.PlaceholderFormat(sq.Dollar)

// Dollar rewrites the '?' placeholders of a finished statement as $1, $2, ...
func Dollar(sql string) (string, error) {
	return sq.Dollar.ReplacePlaceholders(sql)
}
