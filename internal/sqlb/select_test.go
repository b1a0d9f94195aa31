package sqlb_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/sqlb"
)

func TestSelect_ToSQL(t *testing.T) {
	sub := sq.Select("user_id").From("posts").Where("score > ?", 7)
	dollarSub := sqlb.Builder.Select("bool_and(ok)").From("checks").Where("n > ?", 7) // renders $1 on its own
	tests := map[string]struct {
		s        sqlb.Select
		wantSQL  string
		wantArgs []any
	}{
		"bare": {
			s:       sqlb.Select{Columns: "a, b", From: "t", Limit: -1},
			wantSQL: "SELECT a, b FROM t",
		},
		"one condition is not wrapped": {
			s:        sqlb.Select{Columns: "a", From: "t", Where: []sq.Sqlizer{sqlb.Expr{SQL: "a = ? OR b = ?", Args: []any{1, 2}}}, Limit: -1},
			wantSQL:  "SELECT a FROM t WHERE a = $1 OR b = $2",
			wantArgs: []any{1, 2},
		},
		"each of several conditions is wrapped": {
			s: sqlb.Select{Columns: "a", From: "t", Where: []sq.Sqlizer{
				sq.Expr("a = ? OR b = ?", 1, 2), sqlb.Expr{SQL: "c = ?", Args: []any{3}},
			}, Limit: -1},
			wantSQL:  "SELECT a FROM t WHERE (a = $1 OR b = $2) AND (c = $3)",
			wantArgs: []any{1, 2, 3},
		},
		"self-parenthesised conditions keep one pair": {
			s: sqlb.Select{Columns: "a", From: "t", Where: []sq.Sqlizer{
				sq.Or{sq.Eq{"a": 1}, sq.Eq{"b": 2}}, sqlb.Expr{SQL: "(x) OR (y)"},
			}, Limit: -1},
			wantSQL:  "SELECT a FROM t WHERE (a = $1 OR b = $2) AND ((x) OR (y))",
			wantArgs: []any{1, 2},
		},
		"row value comparison is wrapped": {
			s: sqlb.Select{Columns: "a", From: "t", Where: []sq.Sqlizer{
				sqlb.Expr{SQL: "k = ?", Args: []any{0}}, sqlb.Expr{SQL: "(a, b) > (?, ?)", Args: []any{1, 2}},
			}, Limit: -1},
			wantSQL:  "SELECT a FROM t WHERE (k = $1) AND ((a, b) > ($2, $3))",
			wantArgs: []any{0, 1, 2},
		},
		"empty conditions are left out": {
			s: sqlb.Select{Columns: "a", From: "t", Where: []sq.Sqlizer{
				sq.Expr(""), sqlb.Expr{}, sqlb.Expr{SQL: "a = ? OR a = ?", Args: []any{1, 2}},
			}, Limit: -1},
			wantSQL:  "SELECT a FROM t WHERE a = $1 OR a = $2",
			wantArgs: []any{1, 2},
		},
		"double question mark is a literal": {
			s:        sqlb.Select{Columns: "a", From: "t", Where: []sq.Sqlizer{sqlb.Expr{SQL: "doc ?? ? AND '??' = ?", Args: []any{"k", "?"}}}, Limit: -1},
			wantSQL:  "SELECT a FROM t WHERE doc ? $1 AND '?' = $2",
			wantArgs: []any{"k", "?"},
		},
		"nested dollar builder is renumbered": {
			s: sqlb.Select{Columns: "id", From: "users", Where: []sq.Sqlizer{
				sqlb.Expr{SQL: "age > ?", Args: []any{30}}, sq.Expr("id IN (?)", sub),
			}, Limit: -1},
			wantSQL:  "SELECT id FROM users WHERE (age > $1) AND (id IN (SELECT user_id FROM posts WHERE score > $2))",
			wantArgs: []any{30, 7},
		},
		"dollar builder as a condition is renumbered": {
			s: sqlb.Select{Columns: "id", From: "users", Where: []sq.Sqlizer{
				sqlb.Expr{SQL: "age > ?", Args: []any{30}}, dollarSub,
			}, Limit: -1},
			wantSQL:  "SELECT id FROM users WHERE (age > $1) AND (SELECT bool_and(ok) FROM checks WHERE n > $2)",
			wantArgs: []any{30, 7},
		},
		"branches: one SELECT each, joined by UNION ALL and sorted again": {
			s: sqlb.Select{Columns: "a, b", From: "t", Where: []sq.Sqlizer{sqlb.Expr{SQL: "c = ?", Args: []any{1}}},
				OrderBy: []string{"a", "b"}, Limit: 3, BranchOrderBy: []string{"1", "2"},
				Branches: [][]sq.Sqlizer{{sqlb.Expr{SQL: "a >= ?", Args: []any{2}}}, {sqlb.Expr{SQL: "a IS NULL"}}}},
			wantSQL: "(SELECT a, b FROM t WHERE (c = $1) AND (a >= $2) ORDER BY a, b LIMIT 3)" +
				" UNION ALL (SELECT a, b FROM t WHERE (c = $3) AND (a IS NULL) ORDER BY a, b LIMIT 3) ORDER BY 1, 2 LIMIT 3",
			wantArgs: []any{1, 2, 1},
		},
		"order, limit, offset, prefix and suffix": {
			s: sqlb.Select{Prefix: "SELECT EXISTS (", Columns: "1", From: "t", OrderBy: []string{"a DESC", "b"},
				Limit: 0, Offset: 40, Suffix: ")"},
			wantSQL: "SELECT EXISTS ( SELECT 1 FROM t ORDER BY a DESC, b LIMIT 0 OFFSET 40 )",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sql, args, err := tc.s.ToSQL()
			if err != nil {
				t.Fatal(err)
			}
			if sql != tc.wantSQL {
				t.Errorf("sql\n got: %s\nwant: %s", sql, tc.wantSQL)
			}
			if len(args) != 0 || len(tc.wantArgs) != 0 {
				if !reflect.DeepEqual(args, tc.wantArgs) {
					t.Errorf("args %#v, want %#v", args, tc.wantArgs)
				}
			}
		})
	}
}

// The renderer and squirrel's builder agree on every condition shape they share.
func TestSelect_matchesSquirrel(t *testing.T) {
	conds := []sq.Sqlizer{
		sq.Eq{"a": []int{1, 2}}, sq.Expr("b = ? OR c = ?", 1, 2), sq.Or{sq.Lt{"d": 1}, sq.Gt{"d": 9}},
		sq.Like{"e": "x%"}, sq.Expr("f IN (?)", sq.Select("g").From("h").Where("i = ?", 5)),
	}
	want, wantArgs, err := sqlb.Builder.Select("a").From("t").Where(sq.And(conds)).OrderBy("a").Limit(3).ToSql()
	if err != nil {
		t.Fatal(err)
	}
	s := sqlb.Select{Columns: "a", From: "t", Where: conds, OrderBy: []string{"a"}, Limit: 3}
	got, args, err := s.ToSQL()
	if err != nil {
		t.Fatal(err)
	}
	strip := func(s string) string { return strings.NewReplacer("(", "", ")", "").Replace(s) }
	if strip(got) != strip(want) || !reflect.DeepEqual(args, wantArgs) {
		t.Fatalf("got  %s %v\nwant %s %v", got, args, want, wantArgs)
	}
}

func TestSelect_errors(t *testing.T) {
	for name, tc := range map[string]struct {
		where []sq.Sqlizer
		want  string
	}{
		"too few args":             {[]sq.Sqlizer{sqlb.Expr{SQL: "a = ? AND b = ?", Args: []any{1}}}, "2 '?' placeholders for 1 args"},
		"jsonb operator unescaped": {[]sq.Sqlizer{sqlb.Expr{SQL: "doc ? 'k'"}}, "write a literal '?' as '??'"},
		"condition fails":          {[]sq.Sqlizer{sqlb.Expr{SQL: "a"}, failing{}}, "condition 1 (sqlb_test.failing): no"},
	} {
		t.Run(name, func(t *testing.T) {
			s := sqlb.Select{Columns: "a", From: "t", Where: tc.where, Limit: -1}
			if _, _, err := s.ToSQL(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNewExpr(t *testing.T) {
	if _, ok := sqlb.NewExpr("a = ?", 1).(sqlb.Expr); !ok {
		t.Error("plain args should give the fast Expr")
	}
	e := sqlb.NewExpr("a IN (?)", sq.Select("b").From("c"))
	if _, ok := e.(sqlb.Expr); ok {
		t.Fatal("a Sqlizer arg needs squirrel's Expr")
	}
	if sql, _, err := e.ToSql(); err != nil || sql != "a IN (SELECT b FROM c)" {
		t.Fatalf("%s %v", sql, err)
	}
}

type failing struct{}

func (failing) ToSql() (string, []any, error) { return "", nil, errors.New("no") }
