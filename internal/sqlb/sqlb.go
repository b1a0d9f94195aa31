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

// Parens renders a condition in parentheses. squirrel joins WHERE parts with AND as
// they are, so without them Expr("a = ? OR b = ?") followed by another condition would
// read "a = $1 OR (b = $2 AND ...)". Conditions squirrel already parenthesises (Or,
// And) and empty ones are returned unchanged.
func Parens(s sq.Sqlizer) sq.Sqlizer {
	switch s.(type) {
	case sq.Or, sq.And, parens:
		return s
	}
	return parens{s}
}

type parens struct{ sq.Sqlizer }

// ToSql implements squirrel's Sqlizer.
func (p parens) ToSql() (string, []any, error) {
	sql, args, err := p.Sqlizer.ToSql()
	if err != nil || sql == "" {
		return sql, args, err
	}
	return "(" + sql + ")", args, nil
}
