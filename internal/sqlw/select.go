package sqlw

import (
	"errors"
	"slices"
)

// Select is one SELECT statement. LIMIT and OFFSET are bound parameters, so
// statements that differ only in them share their text.
type Select struct {
	Prefix  string // before SELECT, e.g. "SELECT EXISTS (" (a space is added)
	Columns string // the rendered column list
	From    string // the rendered FROM item: a table, or a table with its JOINs
	// FromItem, when set, writes the FROM item instead of From (a FROM clause whose
	// JOINs bind values: a value scope in an ON clause).
	FromItem FromWriter
	// Scopes are the values the statement's value scopes bind (see WriteScope); a
	// statement written into another's Writer binds that Writer's.
	Scopes ScopeValues
	Where  []Cond
	// Resolver resolves the names in Where; nil refuses conditions that name columns.
	Resolver Resolver
	OrderBy  []string // rendered sort keys
	Limit    int64    // negative: no LIMIT
	Offset   int64    // negative: no OFFSET; zero is sent, so page 1 shares page 2's text
	Suffix   string   // after everything, e.g. ")" (a space is added)
	// Lock is a row-locking clause written after LIMIT and OFFSET, e.g.
	// "FOR UPDATE SKIP LOCKED" (a space is added). It cannot go with Branches.
	Lock string
	// Distinct is written after SELECT: "DISTINCT" or "DISTINCT ON (...)".
	Distinct string
	// GroupBy are rendered grouping terms; Having conditions on the groups, resolved by
	// HavingResolver.
	GroupBy        []string
	Having         []Cond
	HavingResolver Resolver
	// Branches, when set, splits the statement into one SELECT per branch, each with
	// Where and the branch's conditions, OrderBy and Limit, joined by UNION ALL and
	// sorted again by BranchOrderBy (output column positions, such as "4 DESC") under
	// the same Limit. It serves a condition that is an index range in each branch but
	// not as a whole (a keyset page on a nullable key). Offset must be negative.
	Branches      [][]Cond
	BranchOrderBy []string
}

// FromWriter writes a FROM item.
type FromWriter interface {
	WriteFrom(w *Writer) error
}

// ToSQL renders the statement and its args.
func (s *Select) ToSQL() (string, []any, error) {
	w := NewWriter(len(s.Prefix) + len(s.Columns) + len(s.From) + len(s.Suffix) + 128)
	w.scopes = s.Scopes
	if err := s.Write(w); err != nil {
		return "", nil, err
	}
	return w.String(), w.Args(), nil
}

// Write writes the statement to w.
func (s *Select) Write(w *Writer) error {
	if s.Prefix != "" {
		w.SQL(s.Prefix)
		w.Byte(' ')
	}
	if len(s.Branches) == 0 {
		if err := s.body(w, s.Where); err != nil {
			return err
		}
		s.tail(w, s.OrderBy, s.Offset, nil)
		if s.Lock != "" {
			w.Byte(' ')
			w.SQL(s.Lock)
		}
	} else {
		if s.Offset >= 0 {
			return errors.New("sqlw: OFFSET with branches")
		}
		if s.Lock != "" {
			return errors.New("row locks do not apply to a UNION of branches")
		}
		var limit *Param
		for i, br := range s.Branches {
			if i > 0 {
				w.SQL(" UNION ALL ")
			}
			w.Byte('(')
			if err := s.body(w, append(slices.Clip(s.Where), br...)); err != nil {
				return err
			}
			limit = s.tail(w, s.OrderBy, -1, limit)
			w.Byte(')')
		}
		s.tail(w, s.BranchOrderBy, -1, limit)
	}
	if s.Suffix != "" {
		w.Byte(' ')
		w.SQL(s.Suffix)
	}
	return nil
}

// body writes SELECT ... FROM ... WHERE where.
func (s *Select) body(w *Writer, where []Cond) error {
	w.SQL("SELECT ")
	if s.Distinct != "" {
		w.SQL(s.Distinct)
		w.Byte(' ')
	}
	w.SQL(s.Columns)
	w.SQL(" FROM ")
	if s.FromItem != nil {
		if err := s.FromItem.WriteFrom(w); err != nil {
			return err
		}
	} else {
		w.SQL(s.From)
	}
	if err := w.Where(where, s.Resolver); err != nil {
		return err
	}
	for i, g := range s.GroupBy {
		if i == 0 {
			w.SQL(" GROUP BY ")
		} else {
			w.SQL(", ")
		}
		w.SQL(g)
	}
	if len(s.Having) > 0 {
		if len(s.GroupBy) == 0 {
			return errors.New("HAVING without GROUP BY")
		}
		return w.and(" HAVING ", s.Having, s.HavingResolver)
	}
	return nil
}

// tail writes ORDER BY, LIMIT and OFFSET, LIMIT reusing the parameter limit when it is
// set; it returns the LIMIT parameter.
func (s *Select) tail(w *Writer, order []string, offset int64, limit *Param) *Param {
	for i, o := range order {
		if i == 0 {
			w.SQL(" ORDER BY ")
		} else {
			w.SQL(", ")
		}
		w.SQL(o)
	}
	if s.Limit >= 0 {
		w.SQL(" LIMIT ")
		if limit == nil {
			p := w.Arg(s.Limit)
			limit = &p
		} else {
			w.Ref(*limit)
		}
	}
	if offset >= 0 {
		w.SQL(" OFFSET ")
		w.Arg(offset)
	}
	return limit
}
