package sqlb

import (
	"fmt"
	"slices"
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
	// Branches, when set, splits the statement into one SELECT per branch, each with
	// Where and the branch's conditions, OrderBy and Limit, joined by UNION ALL and
	// sorted again by BranchOrderBy (output column positions, such as "4 DESC") under
	// the same Limit. It serves a condition that is an index range in each branch but
	// not as a whole. Offset must be zero.
	Branches      [][]sq.Sqlizer
	BranchOrderBy []string
}

// ToSQL renders the statement with $n placeholders, and its args.
func (s *Select) ToSQL() (string, []any, error) {
	w := writer{b: make([]byte, 0, len(s.Prefix)+len(s.Columns)+len(s.From)+len(s.Suffix)+128)}
	if s.Prefix != "" {
		w.b = append(append(w.b, s.Prefix...), ' ')
	}
	if len(s.Branches) == 0 {
		if err := w.selectPart(s, s.Where); err != nil {
			return "", nil, err
		}
		w.tail(s.OrderBy, s.Limit, s.Offset)
	} else {
		if s.Offset != 0 {
			return "", nil, fmt.Errorf("sqlb: OFFSET with branches")
		}
		for i, br := range s.Branches {
			if i > 0 {
				w.b = append(w.b, " UNION ALL "...)
			}
			w.b = append(w.b, '(')
			if err := w.selectPart(s, append(slices.Clip(s.Where), br...)); err != nil {
				return "", nil, err
			}
			w.tail(s.OrderBy, s.Limit, 0)
			w.b = append(w.b, ')')
		}
		w.tail(s.BranchOrderBy, s.Limit, 0)
	}
	if s.Suffix != "" {
		w.b = append(append(w.b, ' '), s.Suffix...)
	}
	return string(w.b), w.args, nil
}

// AndBranches adds a condition given as branches with '?' placeholders: none adds
// nothing, one is ANDed to Where, more become Branches, sorted again by order().
func (s *Select) AndBranches(conds []string, args [][]any, order func() []string) {
	switch len(conds) {
	case 0:
	case 1:
		s.Where = append(slices.Clip(s.Where), Expr{SQL: conds[0], Args: args[0]})
	default:
		for i := range conds {
			s.Branches = append(s.Branches, []sq.Sqlizer{Expr{SQL: conds[i], Args: args[i]}})
		}
		s.BranchOrderBy = order()
	}
}

// writer accumulates a statement, its args and its placeholder count.
type writer struct {
	b    []byte
	ph   int
	args []any
}

// selectPart writes SELECT ... FROM ... WHERE where.
func (w *writer) selectPart(s *Select, where []sq.Sqlizer) error {
	conds, wrapped, args, err := renderConds(where)
	if err != nil {
		return err
	}
	w.b = append(append(append(append(w.b, "SELECT "...), s.Columns...), " FROM "...), s.From...)
	ph := w.ph
	for i, c := range conds {
		if i == 0 {
			w.b = append(w.b, " WHERE "...)
		} else {
			w.b = append(w.b, " AND "...)
		}
		wrap := len(conds) > 1 && !wrapped[i]
		if wrap {
			w.b = append(w.b, '(')
		}
		if w.b, w.ph, err = appendDollar(w.b, c, w.ph); err != nil {
			return err
		}
		if wrap {
			w.b = append(w.b, ')')
		}
	}
	if w.ph-ph != len(args) {
		return fmt.Errorf("sqlb: the conditions have %d '?' placeholders for %d args (write a literal '?' as '??')", w.ph-ph, len(args))
	}
	w.args = append(w.args, args...)
	return nil
}

// tail writes ORDER BY, LIMIT and OFFSET.
func (w *writer) tail(order []string, limit, offset int64) {
	for i, o := range order {
		if i == 0 {
			w.b = append(w.b, " ORDER BY "...)
		} else {
			w.b = append(w.b, ", "...)
		}
		w.b = append(w.b, o...)
	}
	if limit >= 0 {
		w.b = strconv.AppendInt(append(w.b, " LIMIT "...), limit, 10)
	}
	if offset > 0 {
		w.b = strconv.AppendInt(append(w.b, " OFFSET "...), offset, 10)
	}
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
