package sqlw_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// A Func condition binds its values through the writer: numbered with the others,
// parenthesised when ANDed, repeated per UNION ALL branch.
func TestFunc(t *testing.T) {
	after := sqlw.Func(func(w *sqlw.Writer) error {
		w.SQL(`("t"."a", "t"."id") > (`)
		w.Arg(7)
		w.SQL(", ")
		w.Arg(int64(9))
		w.Byte(')')
		return nil
	})
	nulls := sqlw.Func(func(w *sqlw.Writer) error { w.SQL(`"t"."a" IS NULL`); return nil })
	s := sqlw.Select{Columns: "a", From: "t", Where: []sqlw.Cond{sqlw.Expr("b = ?", "x")}, OrderBy: []string{"a"}, Limit: 5, Offset: -1,
		Branches: [][]sqlw.Cond{{after}, {nulls}}, BranchOrderBy: []string{"1"}}
	sql, args, err := s.ToSQL()
	if err != nil {
		t.Fatal(err)
	}
	want := `(SELECT a FROM t WHERE (b = $1) AND (("t"."a", "t"."id") > ($2, $3)) ORDER BY a LIMIT $4)` +
		` UNION ALL (SELECT a FROM t WHERE (b = $5) AND ("t"."a" IS NULL) ORDER BY a LIMIT $4) ORDER BY 1 LIMIT $4`
	if sql != want || !reflect.DeepEqual(args, []any{"x", 7, int64(9), int64(5), "x"}) {
		t.Fatalf("got  %s %#v\nwant %s", sql, args, want)
	}
	boom := errors.New("boom")
	var w sqlw.Writer
	if err := w.Where([]sqlw.Cond{sqlw.Func(func(*sqlw.Writer) error { return boom })}, nil); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the function's error", err)
	}
	if _, _, err := after.ToSql(); err == nil {
		t.Fatal("ToSql of a Func rendered outside a statement")
	}
}
