package bulk

import (
	"strconv"
	"strings"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
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
	param   int  // 1-based position among the columns that travel as parameters; 0 for preEval
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
	conflict   string     // ON CONFLICT clause (Upsert), rendered
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

// countParam reports whether the statement takes the row count as its last parameter,
// and returns that parameter's number for n rows.
func (s *insertShape) countParam(st Strategy, n int) (bool, int) {
	np := s.params()
	if np > 0 && s.mode != modeArrays {
		return false, 0
	}
	if st == Values {
		return true, np*n + 1
	}
	return true, np + 1
}

// vExpr renders the value written into sent column i, read from the row source u.
func (s *insertShape) vExpr(i int) string {
	sc := s.sent[i]
	def := ""
	switch {
	case sc.arr > 0:
		def = "k.d" + strconv.Itoa(sc.arr) + "[u.ord]"
	case sc.cp.pg.Default != nil:
		def = *sc.cp.pg.Default
	}
	if sc.preEval {
		return def
	}
	e := "u.c" + strconv.Itoa(i+1)
	if sc.cp.cast != "" {
		e = "CAST(" + e + " AS " + sc.cp.cast + ")"
	}
	if sc.mixed && def != "" {
		e = "COALESCE(" + e + ", " + def + ")"
	}
	return e
}

// source renders the row source of n rows as the relation u(c1, …, ord).
func (s *insertShape) source(st Strategy, n int, withOrd bool) string {
	var cols []string
	for i, sc := range s.sent {
		if !sc.preEval {
			cols = append(cols, "c"+strconv.Itoa(i+1))
		}
	}
	if len(cols) == 0 {
		_, k := s.countParam(st, n)
		return "generate_series(1, $" + strconv.Itoa(k) + "::bigint) AS u(ord)"
	}
	if withOrd {
		cols = append(cols, "ord")
	}
	alias := " AS u(" + strings.Join(cols, ", ") + ")"
	if st == Values {
		return s.valuesSource(n, withOrd) + alias
	}
	var b strings.Builder
	b.WriteString("unnest(")
	for _, sc := range s.sent {
		if sc.preEval {
			continue
		}
		if sc.param > 1 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(sc.param) + "::" + sc.cp.elemType + "[]")
	}
	b.WriteByte(')')
	if withOrd {
		b.WriteString(" WITH ORDINALITY")
	}
	b.WriteString(alias)
	return b.String()
}

// valuesSource renders the VALUES list of n rows, one $k per value, cast to the type
// it travels as, and the row's number when withOrd is set.
func (s *insertShape) valuesSource(n int, withOrd bool) string {
	var b strings.Builder
	b.WriteString("(VALUES ")
	k := 0
	for r := 0; r < n; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		first := true
		for _, sc := range s.sent {
			if sc.preEval {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			k++
			b.WriteString("$" + strconv.Itoa(k) + "::" + sc.cp.elemType)
		}
		if withOrd {
			b.WriteString(", " + strconv.Itoa(r+1))
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return b.String()
}

// head renders "INSERT INTO t [AS t] (cols) [OVERRIDING SYSTEM VALUE] SELECT exprs".
func (s *insertShape) head(alias bool, fromV bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(s.p.m.QTable)
	if alias {
		b.WriteString(" AS t")
	}
	if len(s.sent) > 0 {
		b.WriteString(" (")
		for i, sc := range s.sent {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sc.cp.col.Quoted)
		}
		b.WriteString(")")
	}
	if s.overriding {
		b.WriteString(" OVERRIDING SYSTEM VALUE")
	}
	b.WriteString(" SELECT ")
	for i := range s.sent {
		if i > 0 {
			b.WriteString(", ")
		}
		if fromV {
			b.WriteString("c" + strconv.Itoa(i+1))
		} else {
			b.WriteString(s.vExpr(i))
		}
	}
	return b.String()
}

// render returns the statement inserting n rows with strategy st (Unnest or Values).
// Nothing depends on the order in which RETURNING emits rows.
func (s *insertShape) render(st Strategy, n int) string {
	switch s.mode {
	case modeArrays:
		return s.renderArrays(st, n)
	case modeJoin, modeFromV:
		return s.renderNumbered(st, n)
	}
	return s.head(s.conflict != "", false) + " FROM " + s.source(st, n, false) + s.conflict
}

// renderArrays renders modeArrays:
//
//	WITH k AS MATERIALIZED (SELECT array_agg(<default>) AS d1, … FROM generate_series(1, $n)),
//	ins AS (INSERT INTO t (…) SELECT …, k.d1[u.ord], … FROM k, <source> AS u(…, ord))
//	SELECT k.d1, … FROM k
func (s *insertShape) renderArrays(st Strategy, n int) string {
	var b strings.Builder
	b.WriteString("WITH k AS MATERIALIZED (SELECT ")
	var list []string
	for _, sc := range s.sent {
		if sc.arr > 0 {
			d := "d" + strconv.Itoa(sc.arr)
			b.WriteString(strings.Repeat(", ", min(1, len(list))) + "array_agg(" + *sc.cp.pg.Default + ") AS " + d)
			list = append(list, "k."+d+scanCastArray(sc.cp))
		}
	}
	_, k := s.countParam(st, n)
	b.WriteString(" FROM generate_series(1, $" + strconv.Itoa(k) + "::bigint)), ins AS (")
	b.WriteString(s.head(true, false))
	b.WriteString(" FROM k, " + s.source(st, n, true) + s.conflict + ") SELECT " + strings.Join(list, ", ") + " FROM k")
	return b.String()
}

// renderNumbered renders modeJoin and modeFromV:
//
//	WITH v AS MATERIALIZED (SELECT <exprs> AS c1, …, u.ord FROM <source>),
//	ins AS (INSERT INTO t AS t (…) SELECT c1, … FROM v [ON CONFLICT …] RETURNING t.k, t.r…)
//	SELECT v.ord, ins.r… FROM ins JOIN v ON ins.k = v.ck       -- modeJoin
//	SELECT v.ord, v.cr… FROM v                                  -- modeFromV
func (s *insertShape) renderNumbered(st Strategy, n int) string {
	var b strings.Builder
	b.WriteString("WITH v AS MATERIALIZED (SELECT ")
	for i := range s.sent {
		b.WriteString(s.vExpr(i) + " AS c" + strconv.Itoa(i+1) + ", ")
	}
	b.WriteString("u.ord FROM " + s.source(st, n, true) + "), ins AS (")
	b.WriteString(s.head(true, true))
	b.WriteString(" FROM v" + s.conflict)
	if s.mode == modeFromV {
		b.WriteString(") SELECT v.ord")
		for _, cp := range s.returned {
			b.WriteString(", v.c" + strconv.Itoa(s.sentIndex(cp)+1) + scanCast(cp))
		}
		b.WriteString(" FROM v")
		return b.String()
	}
	b.WriteString(" RETURNING " + s.returningList() + ") SELECT v.ord")
	for _, cp := range s.returned {
		b.WriteString(", ins." + cp.col.Quoted + scanCast(cp))
	}
	b.WriteString(" FROM ins JOIN v ON ")
	for i, cp := range s.match {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString("ins." + cp.col.Quoted + " = v.c" + strconv.Itoa(s.sentIndex(cp)+1))
	}
	return b.String()
}

func (s *insertShape) returningList() string {
	seen := map[*colPlan]bool{}
	var parts []string
	for _, list := range [][]*colPlan{s.match, s.returned} {
		for _, cp := range list {
			if !seen[cp] {
				seen[cp] = true
				parts = append(parts, "t."+cp.col.Quoted)
			}
		}
	}
	return strings.Join(parts, ", ")
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
