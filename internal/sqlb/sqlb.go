// Package sqlb is the one place where squirrel is configured: every builder made here
// renders $n placeholders, so a '?' never reaches PostgreSQL.
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
