package sqlw_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

type User struct {
	ID    int64
	Name  string
	Age   *int
	Email string
}

func users(t *testing.T) sqlw.Resolver {
	t.Helper()
	m, err := model.Of[User]()
	if err != nil {
		t.Fatal(err)
	}
	return sqlw.Table{M: m}
}

func TestSelect_ToSQL(t *testing.T) {
	sub := sq.Select("user_id").From("posts").Where("score > ?", 7)
	dollarSub := sq.StatementBuilder.PlaceholderFormat(sq.Dollar).Select("bool_and(ok)").From("checks").Where("n > ?", 7)
	tests := map[string]struct {
		s        sqlw.Select
		wantSQL  string
		wantArgs []any
	}{
		"bare": {
			s:       sqlw.Select{Columns: "a, b", From: "t", Limit: -1, Offset: -1},
			wantSQL: "SELECT a, b FROM t",
		},
		"one condition is not wrapped": {
			s:        sqlw.Select{Columns: "a", From: "t", Where: []sqlw.Cond{sqlw.Expr("a = ? OR b = ?", 1, 2)}, Limit: -1, Offset: -1},
			wantSQL:  "SELECT a FROM t WHERE a = $1 OR b = $2",
			wantArgs: []any{1, 2},
		},
		"each of several conditions is wrapped": {
			s: sqlw.Select{Columns: "a", From: "t", Where: []sqlw.Cond{
				mustFrom(t, sq.Expr("a = ? OR b = ?", 1, 2)), sqlw.Expr("c = ?", 3),
			}, Limit: -1, Offset: -1},
			wantSQL:  "SELECT a FROM t WHERE (a = $1 OR b = $2) AND (c = $3)",
			wantArgs: []any{1, 2, 3},
		},
		"self-parenthesised conditions keep one pair": {
			s: sqlw.Select{Columns: "a", From: "t", Where: []sqlw.Cond{
				mustFrom(t, sq.Or{sq.Eq{"a": 1}, sq.Eq{"b": 2}}), sqlw.Expr("(x) OR (y)"),
			}, Limit: -1, Offset: -1},
			wantSQL:  "SELECT a FROM t WHERE (a = $1 OR b = $2) AND ((x) OR (y))",
			wantArgs: []any{1, 2},
		},
		"empty conditions are left out": {
			s: sqlw.Select{Columns: "a", From: "t", Where: []sqlw.Cond{
				mustFrom(t, sq.Expr("")), sqlw.AllRows, sqlw.Expr("a = ? OR a = ?", 1, 2),
			}, Limit: -1, Offset: -1},
			wantSQL:  "SELECT a FROM t WHERE a = $1 OR a = $2",
			wantArgs: []any{1, 2},
		},
		"double question mark is a literal": {
			s:        sqlw.Select{Columns: "a", From: "t", Where: []sqlw.Cond{sqlw.Expr("doc ?? ? AND '??' = ?", "k", "?")}, Limit: -1, Offset: -1},
			wantSQL:  "SELECT a FROM t WHERE doc ? $1 AND '?' = $2",
			wantArgs: []any{"k", "?"},
		},
		"nested builder is renumbered": {
			s: sqlw.Select{Columns: "id", From: "users", Where: []sqlw.Cond{
				sqlw.Expr("age > ?", 30), sqlw.Expr("id IN (?)", sub),
			}, Limit: -1, Offset: -1},
			wantSQL:  "SELECT id FROM users WHERE (age > $1) AND (id IN (SELECT user_id FROM posts WHERE score > $2))",
			wantArgs: []any{30, 7},
		},
		"dollar builder as a condition is renumbered": {
			s: sqlw.Select{Columns: "id", From: "users", Where: []sqlw.Cond{
				sqlw.Expr("age > ?", 30), mustFrom(t, dollarSub),
			}, Limit: -1, Offset: -1},
			wantSQL:  "SELECT id FROM users WHERE (age > $1) AND (SELECT bool_and(ok) FROM checks WHERE n > $2)",
			wantArgs: []any{30, 7},
		},
		"branches share one LIMIT parameter": {
			s: sqlw.Select{Columns: "a, b", From: "t", Where: []sqlw.Cond{sqlw.Expr("c = ?", 1)},
				OrderBy: []string{"a", "b"}, Limit: 3, Offset: -1, BranchOrderBy: []string{"1", "2"},
				Branches: [][]sqlw.Cond{{sqlw.Expr("a >= ?", 2)}, {sqlw.Expr("a IS NULL")}}},
			wantSQL: "(SELECT a, b FROM t WHERE (c = $1) AND (a >= $2) ORDER BY a, b LIMIT $3)" +
				" UNION ALL (SELECT a, b FROM t WHERE (c = $4) AND (a IS NULL) ORDER BY a, b LIMIT $3) ORDER BY 1, 2 LIMIT $3",
			wantArgs: []any{1, 2, int64(3), 1},
		},
		"limit and offset are parameters; offset zero is sent": {
			s: sqlw.Select{Prefix: "SELECT EXISTS (", Columns: "1", From: "t", OrderBy: []string{"a DESC", "b"},
				Limit: 0, Offset: 0, Suffix: ")"},
			wantSQL:  "SELECT EXISTS ( SELECT 1 FROM t ORDER BY a DESC, b LIMIT $1 OFFSET $2 )",
			wantArgs: []any{int64(0), int64(0)},
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

func mustFrom(t *testing.T, s sq.Sqlizer) sqlw.Cond {
	t.Helper()
	c, err := sqlw.From(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSelect_sameTextForAnyLimitAndOffset(t *testing.T) {
	render := func(limit, offset int64) string {
		s := sqlw.Select{Columns: "a", From: "t", Limit: limit, Offset: offset}
		sql, _, err := s.ToSQL()
		if err != nil {
			t.Fatal(err)
		}
		return sql
	}
	if a, b := render(10, 0), render(500, 4000); a != b {
		t.Fatalf("texts differ:\n%s\n%s", a, b)
	}
}

func TestConditions(t *testing.T) {
	r := users(t)
	age := 3
	tests := map[string]struct {
		c        sqlw.Cond
		wantSQL  string
		wantArgs []any
	}{
		"eq, keys sorted":   {sqlw.Eq{"name": "a", "ID": 1}, `"users"."id" = $1 AND "users"."name" = $2`, []any{1, "a"}},
		"eq nil":            {sqlw.Eq{"age": nil}, `"users"."age" IS NULL`, nil},
		"eq nil pointer":    {sqlw.Eq{"age": (*int)(nil)}, `"users"."age" IS NULL`, nil},
		"eq pointer":        {sqlw.Eq{"age": &age}, `"users"."age" = $1`, []any{&age}},
		"eq list":           {sqlw.Eq{"id": []int64{1, 2}}, `"users"."id" = ANY($1)`, []any{[]int64{1, 2}}},
		"eq nil list":       {sqlw.Eq{"id": []int64(nil)}, `"users"."id" = ANY($1)`, []any{[]int64{}}},
		"not eq nil":        {sqlw.NotEq{"age": nil}, `"users"."age" IS NOT NULL`, nil},
		"not eq nil list":   {sqlw.NotEq{"id": []int64(nil)}, `"users"."id" <> ALL($1)`, []any{[]int64{}}},
		"bytes are a value": {sqlw.Eq{"name": []byte("x")}, `"users"."name" = $1`, []any{[]byte("x")}},
		"gt, lte":           {sqlw.And{sqlw.Gt{"age": 1}, sqlw.Lte{"age": 9}}, `(("users"."age" > $1) AND ("users"."age" <= $2))`, []any{1, 9}},
		"is null":           {sqlw.IsNull("Email"), `"users"."email" IS NULL`, nil},
		"or with squirrel": {sqlw.Or{sqlw.Eq{"id": 1}, sq.Expr("name LIKE ?", "a%"), sqlw.Or{sqlw.Lt{"id": 0}, sqlw.IsNull("age")}},
			`(("users"."id" = $1) OR (name LIKE $2) OR (("users"."id" < $3) OR ("users"."age" IS NULL)))`, []any{1, "a%", 0}},
		"not": {sqlw.Not(sqlw.Eq{"id": 1, "name": "x"}), `NOT ("users"."id" = $1 AND "users"."name" = $2)`, []any{1, "x"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var w sqlw.Writer
			if err := w.Cond(tc.c, r); err != nil {
				t.Fatal(err)
			}
			if w.String() != tc.wantSQL {
				t.Errorf("sql\n got: %s\nwant: %s", w.String(), tc.wantSQL)
			}
			if len(w.Args()) != 0 || len(tc.wantArgs) != 0 {
				if !reflect.DeepEqual(w.Args(), tc.wantArgs) {
					t.Errorf("args %#v, want %#v", w.Args(), tc.wantArgs)
				}
			}
		})
	}
}

func TestConditions_errors(t *testing.T) {
	r := users(t)
	var ce *model.ColumnError
	for name, tc := range map[string]struct {
		c    sqlw.Cond
		want string
	}{
		"unknown column":       {sqlw.Eq{"nope": 1}, `unknown column "nope"`},
		"unknown in or":        {sqlw.Or{sqlw.Eq{"id": 1}, sqlw.Gt{"nope": 1}}, `unknown column "nope"`},
		"null with lt":         {sqlw.Lt{"age": nil}, "NULL is never true"},
		"list with gt":         {sqlw.Gt{"id": []int{1}}, "use a single value"},
		"empty map":            {sqlw.Eq{}, "empty Eq: name at least one column"},
		"empty or":             {sqlw.Or{}, "empty OR"},
		"too few args":         {sqlw.Expr("a = ? AND b = ?", 1), "2 '?' placeholders or more for 1 args"},
		"jsonb unescaped":      {sqlw.Expr("doc ? 'k'"), "write a literal '?' as '??'"},
		"or part renders none": {sqlw.Or{sqlw.AllRows}, "renders no condition"},
	} {
		t.Run(name, func(t *testing.T) {
			var w sqlw.Writer
			err := w.Where([]sqlw.Cond{sqlw.Expr("x"), tc.c}, r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if strings.Contains(tc.want, "unknown column") && !errors.As(err, &ce) {
				t.Fatalf("want a *model.ColumnError in %v", err)
			}
		})
	}
	// Conditions that name columns refuse to render outside a query.
	for _, c := range []sq.Sqlizer{sqlw.Eq{"id": 1}, sqlw.Or{sqlw.Eq{"id": 1}}, sqlw.IsNull("id"), sqlw.Not(sqlw.Eq{"id": 1})} {
		if _, _, err := c.ToSql(); !errors.Is(err, sqlw.ErrUnresolved) {
			t.Errorf("%T.ToSql: %v, want ErrUnresolved", c, err)
		}
	}
	if _, err := sqlw.From(42); err == nil {
		t.Error("From accepted an int")
	}
	if _, err := sqlw.From(" "); err == nil {
		t.Error("From accepted an empty string")
	}
}

// The writer and squirrel's builder agree on every condition shape they share.
func TestSelect_matchesSquirrel(t *testing.T) {
	conds := []sq.Sqlizer{
		sq.Eq{"a": []int{1, 2}}, sq.Expr("b = ? OR c = ?", 1, 2), sq.Or{sq.Lt{"d": 1}, sq.Gt{"d": 9}},
		sq.Like{"e": "x%"}, sq.Expr("f IN (?)", sq.Select("g").From("h").Where("i = ?", 5)),
	}
	want, wantArgs, err := sq.StatementBuilder.PlaceholderFormat(sq.Dollar).Select("a").From("t").Where(sq.And(conds)).OrderBy("a").ToSql()
	if err != nil {
		t.Fatal(err)
	}
	s := sqlw.Select{Columns: "a", From: "t", OrderBy: []string{"a"}, Limit: -1, Offset: -1}
	for _, c := range conds {
		s.Where = append(s.Where, mustFrom(t, c))
	}
	got, args, err := s.ToSQL()
	if err != nil {
		t.Fatal(err)
	}
	strip := func(s string) string { return strings.NewReplacer("(", "", ")", "").Replace(s) }
	if strip(got) != strip(want) || !reflect.DeepEqual(args, wantArgs) {
		t.Fatalf("got  %s %v\nwant %s %v", got, args, want, wantArgs)
	}
}
