package orm_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

const userCols = `"users"."id", "users"."name", "users"."email", "users"."age", "users"."created_at"`

func TestSelect_ToSQL(t *testing.T) {
	base := orm.Query[User](nil)
	tests := map[string]struct {
		q        interface{ ToSQL() (string, []any, error) }
		wantSQL  string
		wantArgs []any
	}{
		"all columns, never star": {
			q:       base,
			wantSQL: `SELECT ` + userCols + ` FROM "users"`,
		},
		"order with NULLS placement": {
			q:       base.OrderBy("-age nulls last", "name NULLS FIRST", "email desc nulls first"),
			wantSQL: `SELECT ` + userCols + ` FROM "users" ORDER BY "users"."age" DESC NULLS LAST, "users"."name" NULLS FIRST, "users"."email" DESC`,
		},
		"eq by field and column name": {
			q:        base.Where(orm.Eq{"Name": "ann", "age": 3}),
			wantSQL:  `SELECT ` + userCols + ` FROM "users" WHERE "users"."name" = $1 AND "users"."age" = $2`,
			wantArgs: []any{"ann", 3},
		},
		"eq nil is IS NULL, list is ANY": {
			q:        base.Where(orm.Eq{"email": nil}).Where(orm.Eq{"id": []int64{1, 2}}),
			wantSQL:  `SELECT ` + userCols + ` FROM "users" WHERE ("users"."email" IS NULL) AND ("users"."id" = ANY($1))`,
			wantArgs: []any{[]int64{1, 2}},
		},
		"not eq and comparisons": {
			q:        base.Where(orm.NotEq{"email": nil}).Where(orm.Gt{"age": 18}).Where(orm.Lte{"id": 9}),
			wantSQL:  `SELECT ` + userCols + ` FROM "users" WHERE ("users"."email" IS NOT NULL) AND ("users"."age" > $1) AND ("users"."id" <= $2)`,
			wantArgs: []any{18, 9},
		},
		"raw fragment with question marks becomes dollars": {
			q:        base.Where("age > ? AND name <> ?", 30, "x"),
			wantSQL:  `SELECT ` + userCols + ` FROM "users" WHERE age > $1 AND name <> $2`,
			wantArgs: []any{30, "x"},
		},
		"raw OR fragments are parenthesised before AND": {
			q:        base.Where("name = ? OR name = ?", "a", "b").Where("age > ?", 3),
			wantSQL:  `SELECT ` + userCols + ` FROM "users" WHERE (name = $1 OR name = $2) AND (age > $3)`,
			wantArgs: []any{"a", "b", 3},
		},
		"squirrel sqlizer": {
			q:        base.Where(sq.Or{sq.Expr("age < ?", 10), sq.Expr("age > ?", 90)}),
			wantSQL:  `SELECT ` + userCols + ` FROM "users" WHERE (age < $1 OR age > $2)`,
			wantArgs: []any{10, 90},
		},
		"order limit offset": {
			q:        base.OrderBy("-created_at", "name ASC", "ID desc").Limit(10).Offset(20),
			wantSQL:  `SELECT ` + userCols + ` FROM "users" ORDER BY "users"."created_at" DESC, "users"."name", "users"."id" DESC LIMIT $1 OFFSET $2`,
			wantArgs: []any{int64(10), int64(20)},
		},
		"partial columns": {
			q:       base.Columns("id", "Name"),
			wantSQL: `SELECT "users"."id", "users"."name" FROM "users"`,
		},
		"composite key model": {
			q:        orm.Query[Membership](nil).Where(orm.Eq{"group_id": 1}),
			wantSQL:  `SELECT "memberships"."group_id", "memberships"."user_id", "memberships"."role" FROM "memberships" WHERE "memberships"."group_id" = $1`,
			wantArgs: []any{1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sql, args, err := tc.q.ToSQL()
			if err != nil {
				t.Fatal(err)
			}
			if sql != tc.wantSQL {
				t.Errorf("sql\n got: %s\nwant: %s", sql, tc.wantSQL)
			}
			if len(args) != 0 || len(tc.wantArgs) != 0 {
				if !reflect.DeepEqual(args, tc.wantArgs) {
					t.Errorf("args got %#v want %#v", args, tc.wantArgs)
				}
			}
		})
	}
}

func TestSelect_ToSQL_badInput(t *testing.T) {
	base := orm.Query[User](nil)
	tests := map[string]struct {
		q    orm.Select[User]
		want string
	}{
		"unknown order column":   {base.OrderBy("nope"), `orm: OrderBy("nope"): unknown column "nope" on model orm_test.User`},
		"injection in order":     {base.OrderBy("name; DROP TABLE users"), `orm: OrderBy("name; DROP TABLE users"): malformed sort key`},
		"bad direction":          {base.OrderBy("name sideways"), `orm: OrderBy("name sideways"): direction must be ASC or DESC`},
		"unknown eq column":      {base.Where(orm.Eq{"nope": 1}), `orm: Where: unknown column "nope"`},
		"unjoined relation":      {base.Where(orm.Eq{"Posts.title": 1}), `names a relation that is not joined`},
		"empty where":            {base.Where("  "), "orm: Where: empty condition"},
		"unsupported where type": {base.Where(42), "orm: Where: unsupported condition type int"},
		"args with sqlizer":      {base.Where(sq.Expr("a = ?", 1), 2), "orm: Where: args given with a squirrel.expr condition"},
		"negative offset":        {base.Offset(-1), "orm: Offset: negative offset -1"},
		"unknown partial column": {base.Columns("id", "nope"), `orm: Columns: unknown column "nope"`},
		"no partial column":      {base.Columns(), "orm: Columns: no column named"},
		"lt null":                {base.Where(orm.Lt{"age": nil}), "age < NULL is never true"},
		"empty eq":               {base.Where(orm.Eq{}), "empty Eq: name at least one column"},
		"unescaped jsonb ?":      {base.Where("doc ? 'k'"), "write a literal '?' as '??'"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := tc.q.ToSQL()
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestSelect_immutable(t *testing.T) {
	base := orm.Query[User](nil).Where(orm.Eq{"name": "a"})
	// Fork the same base many times: no fork may see another's conditions.
	a := base.Where(orm.Gt{"age": 1})
	b := base.Where(orm.Lt{"age": 2})
	baseSQL, _, _ := base.ToSQL()
	aSQL, _, _ := a.ToSQL()
	bSQL, _, _ := b.ToSQL()
	want := `SELECT ` + userCols + ` FROM "users" WHERE "users"."name" = $1`
	if baseSQL != want {
		t.Errorf("base changed: %s", baseSQL)
	}
	if !contains(aSQL, `"users"."age" > $2`) || contains(aSQL, "<") {
		t.Errorf("a: %s", aSQL)
	}
	if !contains(bSQL, `"users"."age" < $2`) || contains(bSQL, ">") {
		t.Errorf("b: %s", bSQL)
	}
}

func TestQuery_badModel(t *testing.T) {
	type Bad struct {
		ID   int64  `db:"id"`
		Name string `orm:"pk,sideways"`
	}
	_, _, err := orm.Query[Bad](nil).ToSQL()
	var te *orm.TagError
	if !errors.As(err, &te) || te.Field != "Name" || !errors.Is(err, orm.ErrInvalidModel) {
		t.Fatalf("want TagError on field Name, got %v", err)
	}
	if !contains(err.Error(), `unknown option "sideways"`) {
		t.Errorf("message: %v", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// A pointer type is not a model: rows are returned as []T and scanned in place.
func TestQuery_pointerModelRefused(t *testing.T) {
	db := newDB(t)
	ctx := testCtx(t)
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		_, err := orm.Query[*User](db).All(ctx)
		if !errors.Is(err, orm.ErrInvalidModel) || !strings.Contains(err.Error(), "must be a struct type") {
			t.Fatalf("want ErrInvalidModel, got %v", err)
		}
		_, err = orm.Query[*User](db).Where(orm.AllRows).UpdateAllReturning(ctx, orm.Set{"age": 5})
		if !errors.Is(err, orm.ErrInvalidModel) {
			t.Fatalf("UpdateAllReturning: want ErrInvalidModel, got %v", err)
		}
	})
}
