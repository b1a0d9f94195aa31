package sqlb

import (
	"fmt"
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"
)

// Expr is a condition with '?' placeholders and its args ('??' is a literal '?'). It
// renders as it is, without the work squirrel's Expr does looking for nested Sqlizers
// among the args: use it only when no arg is a Sqlizer.
type Expr struct {
	SQL  string
	Args []any
}

// ToSql implements squirrel's Sqlizer.
func (e Expr) ToSql() (string, []any, error) { return e.SQL, e.Args, nil }

// NewExpr returns a condition for sql and args: an [Expr] when no arg is a Sqlizer
// (the common case, rendered without squirrel), else squirrel's Expr, which renders
// nested Sqlizer args (subqueries) in place.
func NewExpr(sql string, args ...any) sq.Sqlizer {
	for _, a := range args {
		if _, ok := a.(sq.Sqlizer); ok {
			return sq.Expr(sql, args...)
		}
	}
	return Expr{SQL: sql, Args: args}
}

// Select is a SELECT statement rendered in one pass, without squirrel's builder (whose
// persistent-map chaining costs about 80 allocations a statement, the largest cost of
// a small query after the round trip). Conditions are any Sqlizers; when there is more
// than one, each is put in parentheses (squirrel's And and Or bring their own), so
// "a OR b" ANDed with "c" cannot read as "a OR (b AND c)". A condition that renders
// nothing is left out. Placeholders become $n.
type Select struct {
	Prefix  string // before SELECT, e.g. "SELECT EXISTS (" (a space is added)
	Columns string // the rendered column list
	From    string // the rendered FROM item (a table, or a table with its JOINs)
	Where   []sq.Sqlizer
	OrderBy []string // rendered sort keys
	Limit   int64    // negative: no LIMIT
	Offset  int64    // zero: no OFFSET
	Suffix  string   // after everything, e.g. ")" (a space is added)
}

// ToSQL renders the statement with $n placeholders, and its args.
func (s *Select) ToSQL() (string, []any, error) {
	conds, wrapped, args, err := renderConds(s.Where)
	if err != nil {
		return "", nil, err
	}
	n := len(s.Prefix) + len(s.Columns) + len(s.From) + len(s.Suffix) + 64
	for _, c := range conds {
		n += len(c) + 8
	}
	for _, o := range s.OrderBy {
		n += len(o) + 2
	}
	b := make([]byte, 0, n)
	if s.Prefix != "" {
		b = append(append(b, s.Prefix...), ' ')
	}
	b = append(append(append(append(b, "SELECT "...), s.Columns...), " FROM "...), s.From...)
	ph := 0
	for i, c := range conds {
		if i == 0 {
			b = append(b, " WHERE "...)
		} else {
			b = append(b, " AND "...)
		}
		wrap := len(conds) > 1 && !wrapped[i]
		if wrap {
			b = append(b, '(')
		}
		if b, ph, err = appendDollar(b, c, ph); err != nil {
			return "", nil, err
		}
		if wrap {
			b = append(b, ')')
		}
	}
	if ph != len(args) {
		return "", nil, fmt.Errorf("sqlb: the conditions have %d '?' placeholders for %d args (write a literal '?' as '??')", ph, len(args))
	}
	for i, o := range s.OrderBy {
		if i == 0 {
			b = append(b, " ORDER BY "...)
		} else {
			b = append(b, ", "...)
		}
		b = append(b, o...)
	}
	if s.Limit >= 0 {
		b = strconv.AppendInt(append(b, " LIMIT "...), s.Limit, 10)
	}
	if s.Offset > 0 {
		b = strconv.AppendInt(append(b, " OFFSET "...), s.Offset, 10)
	}
	if s.Suffix != "" {
		b = append(append(b, ' '), s.Suffix...)
	}
	return string(b), args, nil
}

// renderConds renders each condition ('?' placeholders), dropping the empty ones, and
// reports which are rendered in parentheses already (squirrel's And and Or).
func renderConds(where []sq.Sqlizer) (conds []string, wrapped []bool, args []any, err error) {
	if len(where) == 0 {
		return nil, nil, nil, nil
	}
	conds = make([]string, 0, len(where))
	wrapped = make([]bool, 0, len(where))
	for i, w := range where {
		var sql string
		var a []any
		paren := false
		switch c := w.(type) {
		case Expr:
			sql, a = c.SQL, c.Args
		case sq.And, sq.Or: // they render their parts nested, in parentheses
			sql, a, err = c.ToSql()
			paren = true
		default:
			// sq.And renders nested statement builders in their raw '?' form, which
			// calling their ToSql would not; its parentheses are taken off again.
			sql, a, err = sq.And{w}.ToSql()
			if len(sql) >= 2 {
				sql = sql[1 : len(sql)-1]
			}
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("sqlb: condition %d (%T): %w", i, w, err)
		}
		if sql == "" {
			continue
		}
		conds = append(conds, sql)
		wrapped = append(wrapped, paren)
		args = append(args, a...)
	}
	return conds, wrapped, args, nil
}

// appendDollar appends sql to b with each '?' placeholder written as $n (numbered on
// from ph) and each '??' as a literal '?', and returns the new placeholder count.
func appendDollar(b []byte, sql string, ph int) ([]byte, int, error) {
	for {
		i := strings.IndexByte(sql, '?')
		if i < 0 {
			return append(b, sql...), ph, nil
		}
		b = append(b, sql[:i]...)
		if i+1 < len(sql) && sql[i+1] == '?' {
			b = append(b, '?')
			sql = sql[i+2:]
			continue
		}
		ph++
		b = strconv.AppendInt(append(b, '$'), int64(ph), 10)
		sql = sql[i+1:]
	}
}
