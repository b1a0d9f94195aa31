package orm_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// mustAgedUsers inserts n users (user001…, emails u1@x…, ages 20, 21, …; ids 1..n in
// a fresh database) and returns them in id order.
func mustAgedUsers(t *testing.T, ctx context.Context, db *orm.DB, n int) []User {
	t.Helper()
	mustExec(t, db, `INSERT INTO users (name, email, age)
		SELECT 'user' || lpad(g::text, 3, '0'), 'u' || g || '@x', 19 + g FROM generate_series(1, $1) AS g`, n)
	users, err := orm.Query[User](db).OrderBy("id").All(ctx)
	if err != nil || len(users) != n {
		t.Fatalf("seeded %d users: %v", len(users), err)
	}
	return users
}

// userLines renders users as "id:name:email:age" in id order, for comparing a table
// with the structs it should hold.
func userLines(users []User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		email, age := "-", "-"
		if u.Email != nil {
			email = *u.Email
		}
		if u.Age.Valid {
			age = fmt.Sprint(u.Age.Int32)
		}
		out[i] = fmt.Sprintf("%d:%s:%s:%s", u.ID, u.Name, email, age)
	}
	sort.Strings(out)
	return out
}

// checkUsersTable fails t unless the users table holds exactly want.
func checkUsersTable(t *testing.T, ctx context.Context, db *orm.DB, want []User) {
	t.Helper()
	got, err := orm.Query[User](db).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := strings.Join(userLines(got), " "), strings.Join(userLines(want), " "); g != w {
		t.Fatalf("table holds\n%s\nwant\n%s", g, w)
	}
}

// The statements UpdateAll and DeleteAll send, pinned: names checked and quoted,
// values bound, several conditions each in parentheses, RETURNING the model's columns.
func TestSelect_UpdateAll_SQL(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	const returning = ` RETURNING "users"."id", "users"."name", "users"."email", "users"."age", "users"."created_at"`
	users := orm.Query[User](db)
	cases := []struct {
		name string
		run  func(ctx context.Context) error
		sql  string
		args int
	}{
		{
			"eq list and value",
			func(ctx context.Context) error {
				_, err := users.Where(orm.Eq{"id": []int64{1, 2}, "email": "e"}).UpdateAll(ctx, orm.Set{"Age": 3, "name": "x"})
				return err
			},
			`UPDATE "users" SET "age" = $1, "name" = $2 WHERE "users"."email" = $3 AND "users"."id" = ANY($4)`, 4,
		},
		{
			"expression and raw condition, returning",
			func(ctx context.Context) error {
				_, err := users.Where("name LIKE ?", "a%").Where(orm.Eq{"email": nil}).
					UpdateAllReturning(ctx, orm.Set{"age": orm.Expr("age + ?", 1)})
				return err
			},
			`UPDATE "users" SET "age" = age + $1 WHERE (name LIKE $2) AND ("users"."email" IS NULL)` + returning, 2,
		},
		{
			"all rows",
			func(ctx context.Context) error {
				_, err := users.Where(orm.AllRows).UpdateAll(ctx, orm.Set{"age": nil})
				return err
			},
			`UPDATE "users" SET "age" = $1`, 1,
		},
		{
			"delete by ids",
			func(ctx context.Context) error {
				_, err := users.Where(orm.Eq{"ID": []int64{4}}).DeleteAll(ctx)
				return err
			},
			`DELETE FROM "users" WHERE "users"."id" = ANY($1)`, 1,
		},
		{
			"delete with a squirrel condition, returning",
			func(ctx context.Context) error {
				_, err := users.Where(sq.Gt{"age": 60}).DeleteAllReturning(ctx)
				return err
			},
			`DELETE FROM "users" WHERE age > $1` + returning, 1,
		},
		{
			"delete all rows",
			func(ctx context.Context) error { _, err := users.Where(orm.AllRows).DeleteAll(ctx); return err },
			`DELETE FROM "users"`, 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
				if err := tc.run(ctx); err != nil {
					t.Fatal(err)
				}
			})
			if e := log.Entries()[0]; e.SQL != tc.sql || e.Args != tc.args {
				t.Fatalf("sent (%d args)\n%s\nwant (%d args)\n%s", e.Args, e.SQL, tc.args, tc.sql)
			}
		})
	}
}

func TestSelect_UpdateAll_byIDs(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	users := mustAgedUsers(t, ctx, db, 100)
	var ids []int64
	for i := 0; i < len(users); i += 2 {
		ids = append(ids, users[i].ID)
		users[i].Age.Int32, users[i].Name = 77, "renamed"
	}
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		n, err := orm.Query[User](db).Where(orm.Eq{"id": ids}).UpdateAll(ctx, orm.Set{"age": 77, "Name": "renamed"})
		if err != nil || n != 50 {
			t.Fatalf("updated %d rows: %v", n, err)
		}
	})
	checkUsersTable(t, ctx, db, users)
}

func TestSelect_UpdateAllReturning_expr(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	users := mustAgedUsers(t, ctx, db, 10) // ages 20..29
	var got []User
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		var err error
		got, err = orm.Query[User](db).Where("age < ?", 25).UpdateAllReturning(ctx, orm.Set{"age": orm.Expr("age + ?", 100)})
		if err != nil {
			t.Fatal(err)
		}
	})
	for i := range 5 {
		users[i].Age.Int32 += 100
	}
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	if g, w := strings.Join(userLines(got), " "), strings.Join(userLines(users[:5]), " "); g != w {
		t.Fatalf("returned\n%s\nwant\n%s", g, w)
	}
	for i := range got {
		if !got[i].CreatedAt.Equal(users[i].CreatedAt) {
			t.Fatalf("row %d: created_at %v, want %v", i, got[i].CreatedAt, users[i].CreatedAt)
		}
	}
	checkUsersTable(t, ctx, db, users)

	back, err := orm.Query[User](db).Where(orm.Eq{"id": users[9].ID}).UpdateAllReturning(ctx, orm.Set{"email": nil})
	if err != nil || len(back) != 1 || back[0].ID != users[9].ID || back[0].Email != nil {
		t.Fatalf("returned %+v: %v", back, err)
	}
	n, err := orm.Query[User](db).Where(orm.AllRows).UpdateAll(ctx, orm.Set{"age": 1})
	if err != nil || n != 10 {
		t.Fatalf("updated %d rows: %v", n, err)
	}
}

// stampedUser maps the users table with created_at read-only.
type stampedUser struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at" orm:"readonly"`
}

func (stampedUser) TableName() string { return "users" }

// Bad input is refused before any statement is sent.
func TestSelect_UpdateAll_badInput(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	users := mustAgedUsers(t, ctx, db, 3)
	base := orm.Query[User](db)
	set := orm.Set{"age": 1}
	refused := func(name string, want error, run func(ctx context.Context) error) {
		t.Run(name, func(t *testing.T) {
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				err := run(ctx)
				if err == nil || want != nil && !errors.Is(err, want) {
					t.Fatalf("want %v, got %v", want, err)
				}
			})
		})
	}
	for name, q := range map[string]orm.Select[User]{
		"no where":                 base,
		"empty squirrel condition": base.Where(sq.Eq{}),
		"empty squirrel And":       base.Where(sq.And{}),
	} {
		refused(name+": update", orm.ErrMissingWhere, func(ctx context.Context) error { _, err := q.UpdateAll(ctx, set); return err })
		refused(name+": delete", orm.ErrMissingWhere, func(ctx context.Context) error { _, err := q.DeleteAll(ctx); return err })
	}
	refused("empty Eq", nil, func(ctx context.Context) error { _, err := base.Where(orm.Eq{}).DeleteAll(ctx); return err })
	refused("nil set", orm.ErrNothingToUpdate, func(ctx context.Context) error {
		_, err := base.Where(orm.AllRows).UpdateAll(ctx, nil)
		return err
	})
	refused("empty set", orm.ErrNothingToUpdate, func(ctx context.Context) error {
		_, err := base.Where(orm.AllRows).UpdateAll(ctx, orm.Set{})
		return err
	})
	refused("read-only column", nil, func(ctx context.Context) error {
		_, err := orm.Query[stampedUser](db).Where(orm.AllRows).UpdateAll(ctx, orm.Set{"created_at": time.Now()})
		return err
	})
	refused("two names of one column", nil, func(ctx context.Context) error {
		_, err := base.Where(orm.AllRows).UpdateAll(ctx, orm.Set{"age": 1, "Age": 2})
		return err
	})
	refused("nil condition", nil, func(ctx context.Context) error { _, err := base.Where(nil).UpdateAll(ctx, set); return err })
	var ce *orm.ColumnError
	for name, run := range map[string]func(ctx context.Context) error{
		"unknown set column": func(ctx context.Context) error {
			_, err := base.Where(orm.AllRows).UpdateAll(ctx, orm.Set{"agee": 1})
			return err
		},
		"unknown where column": func(ctx context.Context) error {
			_, err := base.Where(orm.Eq{"nmae": "x"}).UpdateAll(ctx, set)
			return err
		},
		"unknown where column delete": func(ctx context.Context) error { _, err := base.Where(orm.Eq{"nmae": "x"}).DeleteAll(ctx); return err },
	} {
		refused(name, errFound, func(ctx context.Context) error {
			if err := run(ctx); !errors.As(err, &ce) {
				return fmt.Errorf("want a ColumnError, got %w", err)
			}
			return errFound
		})
	}
	if _, _, err := (orm.Eq{"id": 1}).ToSql(); err == nil {
		t.Fatal("Eq rendered outside a query")
	}
	checkUsersTable(t, ctx, db, users)
}

func TestSelect_DeleteAll_rows(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	users := mustAgedUsers(t, ctx, db, 20) // ages 20..39
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := orm.Query[User](db).Where(orm.Eq{"id": []int64{users[0].ID, users[1].ID, -1}}).DeleteAll(ctx)
		if err != nil || n != 2 {
			t.Fatalf("deleted %d: %v", n, err)
		}
	})
	var gone []User
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		var err error
		gone, err = orm.Query[User](db).Where("age >= ?", 35).DeleteAllReturning(ctx)
		if err != nil || len(gone) != 5 {
			t.Fatalf("deleted %+v: %v", gone, err)
		}
	})
	if g, w := strings.Join(userLines(gone), " "), strings.Join(userLines(users[15:]), " "); g != w {
		t.Fatalf("returned\n%s\nwant\n%s", g, w)
	}
	checkUsersTable(t, ctx, db, users[2:15])
	n, err := orm.Query[User](db).Where(orm.AllRows).DeleteAll(ctx)
	if err != nil || n != 13 {
		t.Fatalf("deleted %d: %v", n, err)
	}
	checkUsersTable(t, ctx, db, nil)
}

// An OR condition given with another one keeps its meaning: (a OR b) AND c, never
// a OR (b AND c), which would touch a row the caller did not ask to touch.
func TestSelect_DeleteAll_orConditionKeepsItsDepth(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	users := mustAgedUsers(t, ctx, db, 3) // ages 20, 21, 22
	or := orm.Expr("name = ? OR name = ?", users[0].Name, users[1].Name)
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := orm.Query[User](db).Where(or).Where(orm.Eq{"age": 21}).DeleteAll(ctx)
		if err != nil || n != 1 {
			t.Fatalf("deleted %d rows: %v", n, err)
		}
	})
	checkUsersTable(t, ctx, db, []User{users[0], users[2]})
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := orm.Query[User](db).Where(or).Where(sq.Gt{"age": 20}).UpdateAll(ctx, orm.Set{"age": 99})
		if err != nil || n != 0 {
			t.Fatalf("updated %d rows, want 0 (user 0 is 20, user 1 is gone): %v", n, err)
		}
	})
	n, err := orm.Query[User](db).Where(orm.Or{or, orm.Eq{"age": 22}}).Where(orm.Gt{"age": 20}).UpdateAll(ctx, orm.Set{"age": 98})
	if err != nil || n != 1 {
		t.Fatalf("updated %d rows, want 1 (user 2): %v", n, err)
	}
	users[2].Age.Int32 = 98
	checkUsersTable(t, ctx, db, []User{users[0], users[2]})
}

// A nil slice is the empty list, as in Go: NotEq with either excludes nothing (every
// row matches), Eq with either matches no row; for SELECT, UpdateAll and DeleteAll.
func TestWhere_nilListIsEmptyList(t *testing.T) {
	t.Parallel()
	const total = 5
	cases := []struct {
		name string
		cond any
		want int // rows matched
	}{
		{"NotEq nil slice", orm.NotEq{"id": []int64(nil)}, total},
		{"NotEq empty slice", orm.NotEq{"id": []int64{}}, total},
		{"Eq nil slice", orm.Eq{"id": []int64(nil)}, 0},
		{"Eq empty slice", orm.Eq{"id": []int64{}}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t)
			ctx := testCtx(t)
			mustAgedUsers(t, ctx, db, total)
			q := orm.Query[User](db).Where(tc.cond)
			ormtest.AssertStatements(t, ctx, 3, func(ctx context.Context) {
				rows, err := q.All(ctx)
				if err != nil || len(rows) != tc.want {
					t.Fatalf("SELECT: %d rows, want %d: %v", len(rows), tc.want, err)
				}
				n, err := q.UpdateAll(ctx, orm.Set{"age": 99})
				if err != nil || n != int64(tc.want) {
					t.Fatalf("UpdateAll: %d rows, want %d: %v", n, tc.want, err)
				}
				n, err = q.DeleteAll(ctx)
				if err != nil || n != int64(tc.want) {
					t.Fatalf("DeleteAll: %d rows, want %d: %v", n, tc.want, err)
				}
			})
			left, err := orm.Query[User](db).Count(ctx)
			if err != nil || left != int64(total-tc.want) {
				t.Fatalf("%d rows left, want %d: %v", left, total-tc.want, err)
			}
		})
	}
}
