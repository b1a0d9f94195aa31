package advisor

import (
	"regexp"
	"strings"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// Source says what a column is compared with.
type Source int

// The sources of a [Pred].
const (
	FromParam Source = iota + 1 // a bound parameter ($n, = ANY ($n))
	FromOuter                   // a column of another table: a join key
	FromConst                   // a constant written in the statement
)

// Pred is one conjunct of a plan expression that an index can serve: a column of one
// table compared for equality or a range with a parameter, another table's column or a
// constant.
type Pred struct {
	Alias, Col string // the column, by the alias of its table in the plan
	Op         string // =, <, <=, >, >=, <>, IS NULL, IS NOT NULL
	Source     Source
	// Const is the conjunct rendered for an index predicate (WHERE of a partial
	// index): the column quoted, the constant re-quoted from its parsed value, the cast
	// checked against a type-name pattern. "" when the conjunct cannot be rendered so.
	Const string
}

// Eq reports whether p is an equality (= or = ANY) an index key can serve.
func (p Pred) Eq() bool { return p.Op == "=" }

// Range reports whether p is a range an index key can serve.
func (p Pred) Range() bool {
	switch p.Op {
	case "<", "<=", ">", ">=":
		return true
	}
	return false
}

type opKind int

const (
	oOther opKind = iota
	oCol
	oParam
	oConst
	oRow
	oAny
)

// operand is one side of a comparison.
type operand struct {
	kind       opKind
	alias, col string
	lit        string // oConst: safe rendering, "" if it has none
	items      []operand
}

// preds returns the predicates of expr an index can serve.
func preds(expr string) []Pred {
	if expr == "" {
		return nil
	}
	var out []Pred
	for _, c := range conjuncts(tokenize(expr)) {
		out = append(out, predsOf(c)...)
	}
	return out
}

// predsOf reads one conjunct.
func predsOf(c []token) []Pred {
	c = stripParens(c)
	n := len(c)
	if n >= 3 && c[n-1].keyword("NULL") && c[n-2].keyword("IS") {
		return isNull(parseOperand(c[:n-2]), "IS NULL")
	}
	if n >= 4 && c[n-1].keyword("NULL") && c[n-2].keyword("NOT") && c[n-3].keyword("IS") {
		return isNull(parseOperand(c[:n-3]), "IS NOT NULL")
	}
	depth := 0
	for i, t := range c {
		switch t.kind {
		case tLParen, tLBracket:
			depth++
		case tRParen, tRBracket:
			depth--
		case tOp:
			if depth == 0 && isCompare(t.text) {
				return compare(parseOperand(c[:i]), t.text, parseOperand(c[i+1:]))
			}
		}
	}
	return nil
}

func isCompare(op string) bool {
	switch op {
	case "=", "<", "<=", ">", ">=", "<>":
		return true
	}
	return false
}

func isNull(l operand, op string) []Pred {
	if l.kind != oCol {
		return nil
	}
	return []Pred{{Alias: l.alias, Col: l.col, Op: op, Source: FromConst, Const: sqlw.QuoteIdent(l.col) + " " + op}}
}

var flip = map[string]string{"=": "=", "<>": "<>", "<": ">", ">": "<", "<=": ">=", ">=": "<="}

// compare reads "l op r", with the column on either side.
func compare(l operand, op string, r operand) []Pred {
	if l.kind == oRow && r.kind == oRow && len(l.items) == len(r.items) {
		var out []Pred
		for i := range l.items {
			out = append(out, compare(l.items[i], op, r.items[i])...)
		}
		if len(out) != len(l.items) {
			return nil
		}
		if op != "=" && op != "<>" { // a row comparison is a range over all its columns
			for i := range out {
				out[i].Const = ""
			}
		}
		return out
	}
	if l.kind != oCol && r.kind == oCol {
		l, r, op = r, l, flip[op]
	}
	if l.kind != oCol {
		return nil
	}
	p := Pred{Alias: l.alias, Col: l.col, Op: op}
	rhs := r
	if r.kind == oAny {
		if op != "=" {
			return nil
		}
		rhs = r.items[0]
	}
	switch {
	case rhs.kind == oParam:
		p.Source = FromParam
	case rhs.kind == oCol && rhs.alias != l.alias:
		p.Source = FromOuter
	case rhs.kind == oConst:
		p.Source = FromConst
		if rhs.lit != "" && op != "<>" {
			if r.kind == oAny {
				p.Const = sqlw.QuoteIdent(l.col) + " = ANY (" + rhs.lit + ")"
			} else {
				p.Const = sqlw.QuoteIdent(l.col) + " " + op + " " + rhs.lit
			}
		}
	default:
		return nil
	}
	if op == "<>" {
		return nil // no index key serves an inequality
	}
	return []Pred{p}
}

// typeName is the shape of a cast's type name that a rendering may carry: one word,
// or one of the names of several words format_type prints; then [] for an array. Any
// run of words would let "'x'::text or true" through, which changes the meaning of
// the predicate it is joined to by AND.
var typeName = regexp.MustCompile(`^([a-z_][a-z0-9_]*|(timestamp|time) with(out)? time zone|character varying|bit varying|double precision)(\[\])?$`)

// number is the shape of a numeric constant a rendering may carry.
var number = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// parseOperand reads one operand; anything it does not recognise is oOther.
func parseOperand(toks []token) operand {
	toks = stripParens(toks)
	if len(toks) == 0 {
		return operand{}
	}
	if i := topLevel(toks, tCast); i > 0 {
		base := parseOperand(toks[:i])
		typ, ok := castType(toks[i+1:])
		switch {
		case base.kind == oCol && ok && textType(typ):
			return base // a column's cast to text (from varchar) leaves it indexable
		case base.kind == oCol:
			return operand{} // (ts)::date is an expression: a plain index on ts cannot serve it
		case base.kind == oConst && ok && base.lit != "":
			base.lit += "::" + typ
			return base
		case base.kind == oConst || base.kind == oParam:
			base.lit = ""
			return base
		}
		return operand{}
	}
	t := toks[0]
	switch {
	case (t.keyword("ROW") || t.keyword("ANY")) && len(toks) > 2 && toks[1].kind == tLParen && closing(toks, 1) == len(toks)-1:
		kind := oRow
		if t.keyword("ANY") {
			kind = oAny
		}
		o := operand{kind: kind}
		for _, part := range splitTop(toks[2 : len(toks)-1]) {
			o.items = append(o.items, parseOperand(part))
		}
		if kind == oAny && len(o.items) != 1 {
			return operand{}
		}
		return o
	case len(toks) == 3 && isName(toks[0]) && toks[1].kind == tDot && isName(toks[2]):
		return operand{kind: oCol, alias: toks[0].text, col: toks[2].text}
	case len(toks) == 1 && isName(t) && !isConstWord(t):
		return operand{kind: oCol, col: t.text}
	case len(toks) == 1 && t.kind == tParam:
		return operand{kind: oParam}
	case len(toks) == 1 && t.kind == tString:
		lit, _ := sqlw.QuoteLiteral(t.text)
		return operand{kind: oConst, lit: lit}
	case len(toks) == 1 && t.kind == tNumber && number.MatchString(t.text):
		return operand{kind: oConst, lit: t.text}
	case len(toks) == 2 && t.kind == tOp && t.text == "-" && toks[1].kind == tNumber && number.MatchString(toks[1].text):
		return operand{kind: oConst, lit: "-" + toks[1].text}
	case len(toks) == 1 && isConstWord(t):
		return operand{kind: oConst, lit: strings.ToUpper(t.text)}
	}
	return operand{}
}

func isName(t token) bool { return t.kind == tIdent || t.kind == tQIdent }

func isConstWord(t token) bool { return t.keyword("TRUE") || t.keyword("FALSE") }

// topLevel returns the index of the first token of kind k outside parentheses, or -1.
func topLevel(toks []token, k tokKind) int {
	depth := 0
	for i, t := range toks {
		switch t.kind {
		case tLParen, tLBracket:
			depth++
		case tRParen, tRBracket:
			depth--
		case k:
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// textType reports whether a column cast to typ still reads its index: the
// binary-coercible casts PostgreSQL prints for varchar columns compared with text.
func textType(typ string) bool {
	switch typ {
	case "text", "character varying", "varchar":
		return true
	}
	return false
}

// castType reads the type name of a cast: words, then [] if an array.
func castType(toks []token) (string, bool) {
	var words []string
	i := 0
	for ; i < len(toks) && toks[i].kind == tIdent; i++ {
		words = append(words, strings.ToLower(toks[i].text))
	}
	typ := strings.Join(words, " ")
	if i+1 < len(toks) && toks[i].kind == tLBracket && toks[i+1].kind == tRBracket {
		typ += "[]"
		i += 2
	}
	return typ, i == len(toks) && typeName.MatchString(typ)
}

// sortKey is one key of a Sort node: a column and its direction.
type sortKey struct {
	alias, col string
	desc       bool
	nullsFirst bool // as printed or by default (DESC puts NULLs first)
}

// parseSortKey reads "alias.col [DESC] [NULLS FIRST|LAST]"; ok is false for an
// expression.
func parseSortKey(s string) (sortKey, bool) {
	toks := tokenize(s)
	var k sortKey
	end := len(toks)
	nulls := "" // as printed; "" for the default of the direction
	if end >= 2 && toks[end-2].keyword("NULLS") {
		nulls = strings.ToUpper(toks[end-1].text)
		end -= 2
	}
	if end >= 1 && toks[end-1].keyword("DESC") {
		k.desc = true
		end--
	} else if end >= 1 && toks[end-1].keyword("ASC") {
		end--
	}
	k.nullsFirst = k.desc
	if nulls != "" {
		k.nullsFirst = nulls == "FIRST"
	}
	o := parseOperand(toks[:end])
	if o.kind != oCol {
		return sortKey{}, false
	}
	k.alias, k.col = o.alias, o.col
	return k, true
}
