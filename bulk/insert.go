package bulk

import (
	"strconv"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// insertMode is how an INSERT gets the values the database chose back to the client.
type insertMode uint8

const (
	// modePlain reads nothing back: INSERT … SELECT FROM the row source.
	modePlain insertMode = iota
	// modeArrays evaluates the DEFAULT of each column to read back once per row into an
	// array, in a one-row CTE k; row i is written with element i of each array, and the
	// arrays themselves come back. The match is by construction.
	modeArrays
	// modeJoin numbers the row source (CTE v), and joins the rows RETURNING gives back
	// to v on the match columns, so each returned row carries its input row's number.
	modeJoin
	// modeFromV is modeArrays for types whose arrays are slow to index (variable width):
	// DEFAULTs are evaluated in the numbered, materialized row source v and read from it.
	modeFromV
)

// sentCol is one column an INSERT writes.
type sentCol struct {
	cp      *colPlan
	mixed   bool // zero in some rows: a zero value travels as NULL and gets the DEFAULT
	preEval bool // zero in every row: the DEFAULT is evaluated by the statement, no parameter
	param   int  // 1-based position among the columns that travel as parameters; 0 for preEval (see chunkSQL.param)
	arr     int  // modeArrays: 1-based index of the array holding its DEFAULTs; 0 for none
}

// insertShape is what one INSERT writes and reads back, decided once per call from the
// model, the table and the rows.
type insertShape struct {
	p          *plan
	mode       insertMode
	sent       []sentCol
	returned   []*colPlan // columns written back into the structs
	match      []*colPlan // modeJoin: columns matching returned rows to input rows (all sent)
	overriding bool       // an identity ALWAYS column is written
	conflict   *Conflict  // Upsert's ON CONFLICT clause; nil for none
}

func countZero(c *model.Column, bases []unsafe.Pointer) int {
	n := 0
	for _, b := range bases {
		if c.IsZero(b) {
			n++
		}
	}
	return n
}

// addSent appends a sent column, numbering the ones that travel as parameters.
func (s *insertShape) addSent(sc sentCol) {
	if !sc.preEval {
		sc.param = s.params() + 1
	}
	if sc.cp.pg.Identity == "a" {
		s.overriding = true
	}
	s.sent = append(s.sent, sc)
}

func (s *insertShape) params() int {
	n := 0
	for _, sc := range s.sent {
		if !sc.preEval {
			n++
		}
	}
	return n
}

func (s *insertShape) sentIndex(cp *colPlan) int {
	for i, sc := range s.sent {
		if sc.cp == cp {
			return i
		}
	}
	return -1
}

// returning reports whether the statement reads values back.
func (s *insertShape) returning() bool { return s.mode != modePlain }

// vExpr writes the value written into sent column i, read from the row source u.
func (s *insertShape) vExpr(w *sqlw.Writer, i int) {
	sc := s.sent[i]
	def := ""
	switch {
	case sc.arr > 0:
		def = "k.d" + strconv.Itoa(sc.arr) + "[u.ord]"
	case sc.cp.pg.Default != nil:
		def = *sc.cp.pg.Default
	}
	if sc.preEval {
		w.SQL(def)
		return
	}
	coalesce := sc.mixed && def != ""
	if coalesce {
		w.SQL("COALESCE(")
	}
	if sc.cp.cast != "" {
		w.SQL("CAST(u.c" + strconv.Itoa(i+1) + " AS " + sc.cp.cast + ")")
	} else {
		w.SQL("u.c" + strconv.Itoa(i+1))
	}
	if coalesce {
		w.SQL(", " + def + ")")
	}
}

// source writes the chunk's row source as the relation u(c1, …[, ord]).
func (s *insertShape) source(c *chunkSQL, withOrd bool) {
	if c.np == 0 {
		c.SQL("generate_series(1, ")
		c.Cast(c.count, "bigint")
		c.SQL(") AS u(ord)")
		return
	}
	if c.st == Values {
		s.valuesSource(c, withOrd)
	} else {
		c.SQL("unnest(")
		s.eachParam(c, func(_ int, sc sentCol) { c.Cast(c.param(sc, 0), sc.cp.elemType+"[]") })
		c.Byte(')')
		if withOrd {
			c.SQL(" WITH ORDINALITY")
		}
	}
	c.SQL(" AS u(")
	s.eachParam(c, func(i int, _ sentCol) { c.SQL("c" + strconv.Itoa(i+1)) })
	if withOrd {
		c.SQL(", ord")
	}
	c.Byte(')')
}

// eachParam calls fn for each sent column that travels as a parameter, with its index
// in sent, writing ", " between them.
func (s *insertShape) eachParam(c *chunkSQL, fn func(i int, sc sentCol)) {
	first := true
	for i, sc := range s.sent {
		if sc.preEval {
			continue
		}
		if !first {
			c.SQL(", ")
		}
		first = false
		fn(i, sc)
	}
}

// valuesSource writes the VALUES list of the chunk's rows, one parameter per value,
// cast to the type it travels as, and the row's number when withOrd is set.
func (s *insertShape) valuesSource(c *chunkSQL, withOrd bool) {
	c.SQL("(VALUES ")
	for r := range c.n {
		if r > 0 {
			c.SQL(", ")
		}
		c.Byte('(')
		s.eachParam(c, func(_ int, sc sentCol) { c.Cast(c.param(sc, r), sc.cp.elemType) })
		if withOrd {
			c.SQL(", " + strconv.Itoa(r+1))
		}
		c.Byte(')')
	}
	c.Byte(')')
}

// head writes "INSERT INTO t [AS t] (cols) [OVERRIDING SYSTEM VALUE] SELECT exprs".
func (s *insertShape) head(w *sqlw.Writer, alias bool, fromV bool) {
	w.SQL("INSERT INTO ")
	w.SQL(s.p.m.QTable)
	if alias {
		w.SQL(" AS t")
	}
	if len(s.sent) > 0 {
		w.SQL(" (")
		w.List(len(s.sent), func(i int) { w.SQL(s.sent[i].cp.col.Quoted) })
		w.Byte(')')
	}
	if s.overriding {
		w.SQL(" OVERRIDING SYSTEM VALUE")
	}
	w.SQL(" SELECT ")
	w.List(len(s.sent), func(i int) {
		if fromV {
			w.SQL("c" + strconv.Itoa(i+1))
		} else {
			s.vExpr(w, i)
		}
	})
}

// conflictClause writes the ON CONFLICT clause of an upsert, if any.
func (s *insertShape) conflictClause(w *sqlw.Writer) {
	if s.conflict != nil {
		s.conflict.write(w, s.p)
	}
}

// render writes the statement inserting the chunk's rows (Unnest or Values).
// Nothing depends on the order in which RETURNING emits rows.
func (s *insertShape) render(c *chunkSQL) {
	switch s.mode {
	case modeArrays:
		s.renderArrays(c)
	case modeJoin, modeFromV:
		s.renderNumbered(c)
	default:
		s.head(c.Writer, s.conflict != nil, false)
		c.SQL(" FROM ")
		s.source(c, false)
		s.conflictClause(c.Writer)
	}
}

// renderArrays writes modeArrays:
//
//	WITH k AS MATERIALIZED (SELECT array_agg(<default>) AS d1, … FROM generate_series(1, $n)),
//	ins AS (INSERT INTO t (…) SELECT …, k.d1[u.ord], … FROM k, <source> AS u(…, ord))
//	SELECT k.d1, … FROM k
func (s *insertShape) renderArrays(c *chunkSQL) {
	var arrays []sentCol
	for _, sc := range s.sent {
		if sc.arr > 0 {
			arrays = append(arrays, sc)
		}
	}
	c.SQL("WITH k AS MATERIALIZED (SELECT ")
	c.List(len(arrays), func(i int) {
		c.SQL("array_agg(" + *arrays[i].cp.pg.Default + ") AS d" + strconv.Itoa(arrays[i].arr))
	})
	c.SQL(" FROM generate_series(1, ")
	c.Cast(c.count, "bigint")
	c.SQL(")), ins AS (")
	s.head(c.Writer, true, false)
	c.SQL(" FROM k, ")
	s.source(c, true)
	s.conflictClause(c.Writer)
	c.SQL(") SELECT ")
	c.List(len(arrays), func(i int) { c.SQL("k.d" + strconv.Itoa(arrays[i].arr) + scanCastArray(arrays[i].cp)) })
	c.SQL(" FROM k")
}

// renderNumbered writes modeJoin and modeFromV:
//
//	WITH v AS MATERIALIZED (SELECT <exprs> AS c1, …, u.ord FROM <source>),
//	ins AS (INSERT INTO t AS t (…) SELECT c1, … FROM v [ON CONFLICT …] RETURNING t.k, t.r…)
//	SELECT v.ord, ins.r… FROM ins JOIN v ON ins.k = v.ck       -- modeJoin
//	SELECT v.ord, v.cr… FROM v                                  -- modeFromV
func (s *insertShape) renderNumbered(c *chunkSQL) {
	c.SQL("WITH v AS MATERIALIZED (SELECT ")
	for i := range s.sent {
		s.vExpr(c.Writer, i)
		c.SQL(" AS c" + strconv.Itoa(i+1) + ", ")
	}
	c.SQL("u.ord FROM ")
	s.source(c, true)
	c.SQL("), ins AS (")
	s.head(c.Writer, true, true)
	c.SQL(" FROM v")
	s.conflictClause(c.Writer)
	if s.mode == modeFromV {
		c.SQL(") SELECT v.ord")
		for _, cp := range s.returned {
			c.SQL(", v.c" + strconv.Itoa(s.sentIndex(cp)+1) + scanCast(cp))
		}
		c.SQL(" FROM v")
		return
	}
	c.SQL(" RETURNING ")
	s.returningList(c.Writer)
	c.SQL(") SELECT v.ord")
	for _, cp := range s.returned {
		c.SQL(", ins." + cp.col.Quoted + scanCast(cp))
	}
	c.SQL(" FROM ins JOIN v ON ")
	for i, cp := range s.match {
		if i > 0 {
			c.SQL(" AND ")
		}
		c.SQL("ins." + cp.col.Quoted + " = v.c" + strconv.Itoa(s.sentIndex(cp)+1))
	}
}

// returningList writes t.col for the match columns, then the returned ones not
// already written.
func (s *insertShape) returningList(w *sqlw.Writer) {
	seen := map[*colPlan]bool{}
	for _, list := range [][]*colPlan{s.match, s.returned} {
		for _, cp := range list {
			if !seen[cp] {
				if len(seen) > 0 {
					w.SQL(", ")
				}
				seen[cp] = true
				w.SQL("t." + cp.col.Quoted)
			}
		}
	}
}

func scanCast(cp *colPlan) string {
	if cp.scanCast == "" {
		return ""
	}
	return "::" + cp.scanCast
}

// scanCastArray is scanCast for an array of the column's values.
func scanCastArray(cp *colPlan) string {
	if cp.textOID == cp.pg.OID {
		return ""
	}
	return "::text[]"
}
