package sqlw_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// FuzzExpr: a condition with '?' placeholders renders with exactly one $n per arg,
// numbered in order, or is refused; it never panics, and no lone '?' reaches the text.
func FuzzExpr(f *testing.F) {
	for _, s := range []string{"a = ?", "a = ? OR b = ?", "doc ?? 'k'", "??", "?", "", "'?'", "a ?? ? ??? ?"} {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, sql string, n uint8) {
		args := make([]any, n%8)
		for i := range args {
			args[i] = i
		}
		var w sqlw.Writer
		w.SQL("x")
		if err := w.Cond(sqlw.Expr(sql, args...), nil); err != nil {
			return
		}
		out := w.String()[1:]
		if len(w.Args()) != len(args) {
			t.Fatalf("%q: %d args for %d", sql, len(w.Args()), len(args))
		}
		// Every '?' of the input is either one of a '??' pair or became $k.
		want := strings.Count(strings.ReplaceAll(sql, "??", ""), "?")
		if want != len(args) {
			t.Fatalf("%q rendered %q with %d placeholders for %d args", sql, out, want, len(args))
		}
		for i := range args {
			if !strings.Contains(out, "$"+strconv.Itoa(i+1)) {
				t.Fatalf("%q rendered %q without $%d", sql, out, i+1)
			}
		}
	})
}
