package advisor

import (
	"strings"
)

// This file reads the expressions EXPLAIN (VERBOSE) prints ("Index Cond", "Filter",
// "Recheck Cond", "Hash Cond", "Sort Key", "Output"). PostgreSQL deparses them in a
// regular form: every column qualified by its range-table alias (quoted when it needs
// quoting), conjuncts parenthesised and joined by AND, casts as "::type", constants as
// quoted literals with a cast. Only the shapes an index can serve are recognised; the
// rest is ignored, never guessed at.

// tokKind is the kind of one token of an expression.
type tokKind int

const (
	tIdent  tokKind = iota // bare identifier or keyword (lower case kept as printed)
	tQIdent                // "quoted identifier", unquoted
	tParam                 // $n
	tString                // 'literal', unescaped
	tNumber                // 42, 1.5, -3 is an operator then a number
	tOp                    // = < > <= >= <> != ~~ || ...
	tLParen
	tRParen
	tComma
	tDot
	tCast // ::
	tLBracket
	tRBracket
	tOther
)

type token struct {
	kind tokKind
	text string
}

// tokenize splits an expression into tokens. It never fails: an unknown byte becomes a
// tOther token, which no pattern accepts.
func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"':
			j, text := i+1, []byte(nil)
			for j < len(s) {
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						text = append(text, '"')
						j += 2
						continue
					}
					break
				}
				text = append(text, s[j])
				j++
			}
			out = append(out, token{tQIdent, string(text)})
			i = j + 1
		case c == '\'':
			j, text := i+1, []byte(nil)
			for j < len(s) {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						text = append(text, '\'')
						j += 2
						continue
					}
					break
				}
				text = append(text, s[j])
				j++
			}
			out = append(out, token{tString, string(text)})
			i = j + 1
		case c == '$':
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			out = append(out, token{tParam, s[i:j]})
			i = j
		case isDigit(c):
			j := i
			for j < len(s) && (isDigit(s[j]) || s[j] == '.' || s[j] == 'e' || s[j] == 'E') {
				j++
			}
			out = append(out, token{tNumber, s[i:j]})
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && (isIdentStart(s[j]) || isDigit(s[j]) || s[j] == '$') {
				j++
			}
			out = append(out, token{tIdent, s[i:j]})
			i = j
		case c == ':' && i+1 < len(s) && s[i+1] == ':':
			out = append(out, token{tCast, "::"})
			i += 2
		case strings.IndexByte("=<>!~+-*/%^|&#@?", c) >= 0:
			j := i
			for j < len(s) && strings.IndexByte("=<>!~+-*/%^|&#@?", s[j]) >= 0 {
				j++
			}
			out = append(out, token{tOp, s[i:j]})
			i = j
		default:
			k := map[byte]tokKind{'(': tLParen, ')': tRParen, ',': tComma, '.': tDot, '[': tLBracket, ']': tRBracket}
			kind, ok := k[c]
			if !ok {
				kind = tOther
			}
			out = append(out, token{kind, string(c)})
			i++
		}
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// keyword reports whether t is the bare keyword kw (case-insensitive).
func (t token) keyword(kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

// conjuncts splits an expression into its top-level AND parts, each without its
// enclosing parentheses.
func conjuncts(toks []token) [][]token {
	toks = stripParens(toks)
	var out [][]token
	depth, start := 0, 0
	split := false
	for i, t := range toks {
		switch {
		case t.kind == tLParen || t.kind == tLBracket:
			depth++
		case t.kind == tRParen || t.kind == tRBracket:
			depth--
		case depth == 0 && t.keyword("AND") && !betweenAnd(toks[start:i]):
			out = append(out, conjuncts(toks[start:i])...)
			start, split = i+1, true
		}
	}
	if !split {
		return [][]token{toks}
	}
	return append(out, conjuncts(toks[start:])...)
}

// betweenAnd reports whether the AND following part belongs to a BETWEEN.
func betweenAnd(part []token) bool {
	for _, t := range part {
		if t.keyword("BETWEEN") {
			return true
		}
	}
	return false
}

// stripParens removes parentheses that enclose the whole of toks.
func stripParens(toks []token) []token {
	for len(toks) >= 2 && toks[0].kind == tLParen && closing(toks, 0) == len(toks)-1 {
		toks = toks[1 : len(toks)-1]
	}
	return toks
}

// closing returns the index of the parenthesis closing the one at i, or -1.
func closing(toks []token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch toks[j].kind {
		case tLParen:
			depth++
		case tRParen:
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// splitTop splits toks at top-level commas.
func splitTop(toks []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range toks {
		switch t.kind {
		case tLParen, tLBracket:
			depth++
		case tRParen, tRBracket:
			depth--
		case tComma:
			if depth == 0 {
				out = append(out, toks[start:i])
				start = i + 1
			}
		}
	}
	return append(out, toks[start:])
}
