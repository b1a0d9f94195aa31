package advisor

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestProposalText_hostile feeds the proposal hostile plan text (odd column and table
// names, constants holding quotes, backslashes, dollar quotes, comments and
// semicolons, casts that are not type names) and checks the exact CREATE INDEX text:
// every name quoted, every constant re-quoted, anything that cannot be rendered so
// left out of the predicate.
func TestProposalText_hostile(t *testing.T) {
	const pre = `CREATE INDEX CONCURRENTLY IF NOT EXISTS `
	tests := []struct {
		name   string
		filter string // the bare plan's Filter on alias t: the constant predicates
		want   string // the WHERE of the proposal, "" for none
	}{
		{"quote in constant", `(t.s = 'it''s'::text)`, `"s" = 'it''s'::text`},
		{"backslash", `(t.s = 'a\'::text)`, `"s" = E'a\\'::text`},
		{"backslash before quote", `(t.s = 'a\''b'::text)`, `"s" = E'a\\''b'::text`},
		{"dollar quotes", `(t.s = '$$; DROP TABLE t; $$'::text)`, `"s" = '$$; DROP TABLE t; $$'::text`},
		{"line comment", `(t.s = '--'::text)`, `"s" = '--'::text`},
		{"block comment", `(t.s = '/* x'::text)`, `"s" = '/* x'::text`},
		{"semicolon", `(t.s = ''';COMMIT;DROP TABLE t;--'::text)`, `"s" = ''';COMMIT;DROP TABLE t;--'::text`},
		{"unterminated constant", `(t.s = 'abc`, ``},
		{"quoted column", `(t."we""ird col" = 1)`, `"we""ird col" = 1`},
		{"unicode column", `(t."çolonne" IS NULL)`, `"çolonne" IS NULL`},
		{"column with parens", `(t."a) OR (true" = 2)`, `"a) OR (true" = 2`},
		{"E string from a server without standard strings", `(t.s = E'a\\b'::text)`, ``},
		{"cast followed by OR", `(t.s = 'x'::text or true)`, ``},
		{"cast with COLLATE", `(t.s = ('x'::text COLLATE ucs_basic))`, ``},
		{"quoted type", `(t.s = 'x'::"My Type")`, ``},
		{"schema-qualified type", `(t.s = 'x'::public.mood)`, ``},
		{"type with a semicolon", `(t.s = 'x'::text; DROP TABLE t)`, ``},
		{"multi-word type", `(t.s > '2024-01-01'::timestamp with time zone)`, `"s" > '2024-01-01'::timestamp with time zone`},
		{"array", `(t.s = ANY ('{a,"b''c"}'::text[]))`, `"s" = ANY ('{a,"b''c"}'::text[])`},
		{"exponent number", `(t.n = 1e5)`, ``},
		{"number then words", `(t.n = 5 OR true)`, ``},
		{"negative number", `(t.n = -5)`, `"n" = -5`},
		{"NUL byte", "(t.s = 'a\x00b'::text)", ``},
		{"two conjuncts, one unsafe", `((t.s = 'x'::text or true) AND (t.d IS NULL))`, `"d" IS NULL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := facts{table: `"we""ird tab"`, name: `we"ird tab`}
			for _, pr := range preds(tt.filter) {
				if pr.Alias == "t" && pr.Source == FromConst && pr.Const != "" {
					fc.consts = append(fc.consts, pr)
				}
			}
			p, ok := propose(Finding{alias: "t", wanted: []Pred{{Alias: "t", Col: `k"ey`, Op: "=", Source: FromParam}}}, fc, 10)
			if !ok {
				t.Fatal("no proposal")
			}
			want := pre + `"` + strings.ReplaceAll(p.Name, `"`, `""`) + `" ON "we""ird tab" ("k""ey")`
			if tt.want != "" {
				want += " WHERE " + tt.want
			}
			if want += ";"; p.SQL != want {
				t.Errorf("filter %s\n got %s\nwant %s", tt.filter, p.SQL, want)
			}
			if p.ddl(false) != strings.TrimSuffix(strings.Replace(want, "CONCURRENTLY IF NOT EXISTS ", "", 1), ";") {
				t.Errorf("proof text %s", p.ddl(false))
			}
		})
	}
}

// A name cut to PostgreSQL's 63 bytes stays valid UTF-8: the server refuses an
// identifier holding half a character.
func TestIndexName_unicode(t *testing.T) {
	for n := 0; n < 4; n++ {
		col := strings.Repeat("x", n) + strings.Repeat("é", 40)
		name := indexName("t", []key{{col: col}}, nil, "")
		if len(name) > maxName || !utf8.ValidString(name) {
			t.Errorf("indexName with %d ASCII bytes first = %q (%d bytes, valid UTF-8 %v)", n, name, len(name), utf8.ValidString(name))
		}
	}
}
