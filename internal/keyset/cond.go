package keyset

import "github.com/batchorm/batchorm/internal/sqlw"

// cond is the keyset condition of one page: "the row comes after vals in keys" (at or
// after, when included). It is written through a sqlw.Writer, which binds every value.
//
// When every key is NOT NULL and all directions agree it is a row-value comparison,
// (a, b) > ($1, $2), which PostgreSQL answers with one index range scan. Otherwise it
// is expanded, with a leading bound on the first key for the index and NULLs placed
// where each key puts them:
//
//	a >= $1 AND (a > $2 OR (a = $3 AND b < $4) OR ...)
//
// When the NULLs of the first key sort after a non-NULL cursor value, the bound would
// exclude them: they come back as a second branch, "a IS NULL" ([cond.split]), and the
// page is sent as a UNION ALL of the two index ranges.
type cond struct {
	keys     []Key
	vals     []any
	included bool // the cursor's own row is in the page
}

// split reports whether the condition is two branches: the non-NULL values from the
// cursor on, and the NULLs of the first key, which sort after them.
func (c *cond) split() bool {
	k := c.keys[0]
	return k.Nullable && !k.NullsFirst && c.vals[0] != nil
}

// rowValue reports whether the row-value form is exact: no key is nullable and all
// directions agree.
func (c *cond) rowValue() bool {
	for _, k := range c.keys {
		if k.Nullable || k.Desc != c.keys[0].Desc {
			return false
		}
	}
	return true
}

// write writes the condition, or its first branch when it is split.
func (c *cond) write(w *sqlw.Writer) error {
	if c.rowValue() {
		c.writeRowValue(w)
		return nil
	}
	c.writeExpanded(w)
	return nil
}

// writeNulls writes the second branch: the NULLs of the first key.
func (c *cond) writeNulls(w *sqlw.Writer) error {
	w.SQL(c.keys[0].SQL())
	w.SQL(" IS NULL")
	return nil
}

// writeRowValue writes "col op $n" for one key, "(a, b) op ($1, $2)" for several.
func (c *cond) writeRowValue(w *sqlw.Writer) {
	op := " > "
	if c.keys[0].Desc {
		op = " < "
	}
	if c.included {
		op = op[:2] + "= "
	}
	if len(c.keys) == 1 {
		w.SQL(c.keys[0].SQL())
		w.SQL(op)
		w.Arg(c.vals[0])
		return
	}
	w.Byte('(')
	w.List(len(c.keys), func(i int) { w.SQL(c.keys[i].SQL()) })
	w.Byte(')')
	w.SQL(op)
	w.Byte('(')
	w.List(len(c.vals), func(i int) { w.Arg(c.vals[i]) })
	w.Byte(')')
}

// terms returns the number of OR terms of the expanded form: one per key that some
// row can sort after (a NULL that sorts last has none after it), and the cursor's own
// row when included.
func (c *cond) terms() int {
	n := 0
	for i, k := range c.keys {
		if c.vals[i] != nil || k.NullsFirst {
			n++
		}
	}
	if c.included {
		n++
	}
	return n
}

// writeExpanded writes the leading bound (when the first value bounds an index range)
// and the OR of the terms.
func (c *cond) writeExpanded(w *sqlw.Writer) {
	if c.terms() == 0 { // unreachable with a total order (the primary key is NOT NULL)
		w.SQL("FALSE")
		return
	}
	c.writeBound(w)
	w.Byte('(')
	n, split := 0, c.split()
	for i, k := range c.keys {
		if c.vals[i] == nil && !k.NullsFirst { // NULLs sort last: nothing comes after a NULL
			continue
		}
		if n++; n > 1 {
			w.SQL(" OR ")
		}
		c.writeTerm(w, i, split && i == 0)
	}
	if c.included { // the cursor's row itself: every key equal (the order is total)
		if n > 0 {
			w.SQL(" OR ")
		}
		w.Byte('(')
		c.writeEqual(w, len(c.keys), " AND ")
		w.Byte(')')
	}
	w.Byte(')')
}

// writeBound writes "a >= $1 AND " (or "<=" descending) when the first value bounds an
// index range: it is not NULL, and the first key's NULLs sort before it or are read by
// the second branch.
func (c *cond) writeBound(w *sqlw.Writer) {
	first := c.keys[0]
	if c.vals[0] == nil || (first.Nullable && !first.NullsFirst && !c.split()) {
		return
	}
	w.SQL(first.SQL())
	if first.Desc {
		w.SQL(" <= ")
	} else {
		w.SQL(" >= ")
	}
	w.Arg(c.vals[0])
	w.SQL(" AND ")
}

// writeTerm writes "the keys before i are equal and key i sorts after its value",
// parenthesised from the second key on.
func (c *cond) writeTerm(w *sqlw.Writer, i int, nonNull bool) {
	if i > 0 {
		w.Byte('(')
		c.writeEqual(w, i, " AND ")
		w.SQL(" AND ")
	}
	c.writeAfter(w, i, nonNull)
	if i > 0 {
		w.Byte(')')
	}
}

// writeEqual writes "key = value" (or "key IS NULL") for the first n keys, joined by
// sep.
func (c *cond) writeEqual(w *sqlw.Writer, n int, sep string) {
	for j := range n {
		if j > 0 {
			w.SQL(sep)
		}
		w.SQL(c.keys[j].SQL())
		if c.vals[j] == nil {
			w.SQL(" IS NULL")
		} else {
			w.SQL(" = ")
			w.Arg(c.vals[j])
		}
	}
}

// writeAfter writes "key i sorts strictly after its value"; the value must not be a
// NULL sorting last (nothing is after it). nonNull leaves out the NULLs that sort
// after a value (the second branch reads them).
func (c *cond) writeAfter(w *sqlw.Writer, i int, nonNull bool) {
	k, v := c.keys[i], c.vals[i]
	col := k.SQL()
	if v == nil { // NULLs sort first: every non-NULL value is after
		w.SQL(col)
		w.SQL(" IS NOT NULL")
		return
	}
	op := " > "
	if k.Desc {
		op = " < "
	}
	if k.Nullable && !k.NullsFirst && !nonNull {
		w.Byte('(')
		w.SQL(col)
		w.SQL(op)
		w.Arg(v)
		w.SQL(" OR ")
		w.SQL(col)
		w.SQL(" IS NULL)")
		return
	}
	w.SQL(col)
	w.SQL(op)
	w.Arg(v)
}
