package sqlw_test

import (
	"context"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/sqlw"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// QuoteLiteral renders what PostgreSQL's quote_literal renders, and the server reads
// the rendering back as the same string under both settings of
// standard_conforming_strings.
func TestQuoteLiteral(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, s string }{
		{"plain", "active"},
		{"empty", ""},
		{"quote", "it's"},
		{"quotes only", "''"},
		{"backslash", `a\b`},
		{"backslash quote", `a\'b`},
		{"trailing backslash", `a\`},
		{"dollar quotes", "a$$b$tag$c"},
		{"E prefix text", "E'x"},
		{"line comment", "x -- y"},
		{"block comment", "/* x */ y */"},
		{"semicolon", "'; DROP TABLE t; --"},
		{"newline and tab", "a\nb\tc\r"},
		{"unicode", "çà 中文 🙂"},
		{"unicode escape", `U&'\0041'`},
	}
	if _, ok := sqlw.QuoteLiteral("a\x00b"); ok {
		t.Error("QuoteLiteral accepted a NUL byte, which no constant can carry")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := ormtest.New(t)
	for _, scs := range []string{"on", "off"} {
		conn, err := db.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, "SET standard_conforming_strings = "+scs); err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			lit, ok := sqlw.QuoteLiteral(tt.s)
			if !ok {
				t.Errorf("%s: QuoteLiteral(%q) refused", tt.name, tt.s)
				continue
			}
			var pgLit, back string
			if err := conn.QueryRow(ctx, "SELECT quote_literal($1::text), "+lit+"::text", tt.s).Scan(&pgLit, &back); err != nil {
				t.Errorf("standard_conforming_strings %s, %s: %s: %v", scs, tt.name, lit, err)
				continue
			}
			if pgLit != lit {
				t.Errorf("%s: QuoteLiteral(%q) = %s, quote_literal gives %s", tt.name, tt.s, lit, pgLit)
			}
			if back != tt.s {
				t.Errorf("standard_conforming_strings %s, %s: %s reads back as %q, want %q", scs, tt.name, lit, back, tt.s)
			}
		}
		if _, err := conn.Exec(ctx, "RESET standard_conforming_strings"); err != nil {
			t.Fatal(err)
		}
		conn.Release()
	}
}
