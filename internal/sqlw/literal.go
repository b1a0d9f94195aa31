package sqlw

import "strings"

// QuoteLiteral renders s as a string constant for statement text that cannot bind
// parameters (DDL such as a partial index's WHERE), as PostgreSQL's quote_literal
// does: quotes doubled, and when s holds a backslash the E” form with backslashes
// doubled, so the constant reads the same whatever standard_conforming_strings is.
// ok is false for text holding a NUL byte, which no constant can carry.
func QuoteLiteral(s string) (lit string, ok bool) {
	if strings.IndexByte(s, 0) >= 0 {
		return "", false
	}
	q := "'" + strings.ReplaceAll(s, "'", "''") + "'"
	if strings.IndexByte(s, '\\') >= 0 {
		q = "E'" + strings.ReplaceAll(strings.ReplaceAll(s, "\\", "\\\\"), "'", "''") + "'"
	}
	return q, true
}
