package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

func seedUsers(t testing.TB, db *orm.DB, n int) {
	t.Helper()
	mustExec(t, db, `INSERT INTO users (name, age) SELECT 'user' || lpad(g::text, 5, '0'), CASE WHEN g % 2 = 0 THEN g END FROM generate_series(1, $1) g`, n)
}

func TestSelect_All(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 25)
	users := mustAll(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1},
		orm.Query[User](db).Where(orm.Gt{"id": 5}).OrderBy("-id").Limit(10).All)
	if len(users) != 10 {
		t.Fatalf("got %d users", len(users))
	}
	for i, u := range users {
		wantID := int64(25 - i)
		if u.ID != wantID || u.Name != fmt.Sprintf("user%05d", wantID) {
			t.Errorf("row %d: %+v", i, u)
		}
		wantAge := sql.NullInt32{}
		if wantID%2 == 0 {
			wantAge = sql.NullInt32{Int32: int32(wantID), Valid: true}
		}
		if u.Age != wantAge {
			t.Errorf("row %d age %+v want %+v", i, u.Age, wantAge)
		}
		if u.CreatedAt.IsZero() || u.Posts != nil {
			t.Errorf("row %d: created_at %v posts %v", i, u.CreatedAt, u.Posts)
		}
	}
}

func TestSelect_All_empty(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	users, err := orm.Query[User](db).All(testCtx(t))
	if err != nil || users == nil || len(users) != 0 {
		t.Fatalf("want empty non-nil slice, got %#v, %v", users, err)
	}
}

func TestSelect_Columns_partial(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	seedUsers(t, db, 3)
	users, err := orm.Query[User](db).Columns("name").OrderBy("name").All(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 3 || users[0].Name != "user00001" || users[0].ID != 0 || !users[0].CreatedAt.IsZero() {
		t.Fatalf("partial select: %+v", users)
	}
}

func TestSelect_One(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 3)
	u, err := orm.Query[User](db).Where(orm.Eq{"name": "user00002"}).One(ctx)
	if err != nil || u.ID != 2 {
		t.Fatalf("One: %+v %v", u, err)
	}
	_, err = orm.Query[User](db).Where(orm.Eq{"name": "nobody"}).One(ctx)
	if !errors.Is(err, orm.ErrNotFound) || !errors.Is(err, pgx.ErrNoRows) || !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("want ErrNotFound matching pgx.ErrNoRows and sql.ErrNoRows, got %v", err)
	}
	_, err = orm.Query[User](db).One(ctx)
	if !errors.Is(err, orm.ErrMultipleRows) {
		t.Fatalf("want ErrMultipleRows, got %v", err)
	}
}

func TestSelect_First(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 3)
	u, err := orm.Query[User](db).First(ctx)
	if err != nil || u.ID != 1 {
		t.Fatalf("First by pk: %+v %v", u, err)
	}
	u, err = orm.Query[User](db).OrderBy("-name").First(ctx)
	if err != nil || u.ID != 3 {
		t.Fatalf("First by -name: %+v %v", u, err)
	}
	if _, err = orm.Query[User](db).Where(orm.Gt{"id": 99}).First(ctx); !errors.Is(err, orm.ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}

func TestSelect_CountExists(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 10)
	q := orm.Query[User](db)
	tests := map[string]struct {
		q      orm.Select[User]
		count  int64
		exists bool
	}{
		"all":           {q, 10, true},
		"where":         {q.Where(orm.NotEq{"age": nil}), 5, true},
		"none":          {q.Where(orm.Gt{"id": 100}), 0, false},
		"limit":         {q.Limit(3), 3, true},
		"offset":        {q.Offset(8), 2, true},
		"order ignored": {q.OrderBy("-name").Limit(4), 4, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
				n, err := tc.q.Count(ctx)
				if err != nil || n != tc.count {
					t.Errorf("Count = %d, %v; want %d", n, err, tc.count)
				}
				ok, err := tc.q.Exists(ctx)
				if err != nil || ok != tc.exists {
					t.Errorf("Exists = %v, %v; want %v", ok, err, tc.exists)
				}
			})
		})
	}
}

// Count and Exists refuse a bad query before sending anything, as All does.
func TestSelect_CountExists_badQuery(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	for want, q := range map[string]orm.Select[User]{
		`unknown column "nope"`:   orm.Query[User](db).Columns("nope"),
		`Join`:                    orm.Query[User](db).Join("Posts"), // to-many: Preload it
		`unknown column "height"`: orm.Query[User](db).Where(orm.Gt{"height": 1}),
	} {
		ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
			if _, err := q.Count(ctx); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Count: %v, want an error containing %q", err, want)
			}
			if _, err := q.Exists(ctx); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Exists: %v, want an error containing %q", err, want)
			}
		})
	}
}

func TestSelect_Iter(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 50)
	var n int64
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		for u, err := range orm.Query[User](db).OrderBy("id").Iter(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if u.ID != n {
				t.Fatalf("row %d has id %d", n, u.ID)
			}
		}
	})
	if n != 50 {
		t.Fatalf("iterated %d rows", n)
	}
	// Breaking out early releases the connection (checked by ormtest at cleanup).
	for u, err := range orm.Query[User](db).Iter(ctx) {
		if err != nil || u.ID == 0 {
			t.Fatal(err)
		}
		break
	}
	// A build error is yielded, not panicked.
	for _, err := range orm.Query[User](db).OrderBy("nope").Iter(ctx) {
		if err == nil {
			t.Fatal("want error")
		}
	}
}

func TestSelect_noDB(t *testing.T) {
	_, err := orm.Query[User](nil).All(context.Background())
	if err == nil || !contains(err.Error(), "query has no DB") {
		t.Fatalf("got %v", err)
	}
}

func TestSelect_errorBeforeAnyStatement(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ormtest.AssertStatements(t, testCtx(t), 0, func(ctx context.Context) {
		if _, err := orm.Query[User](db).OrderBy("nope").All(ctx); err == nil {
			t.Error("want error")
		}
		if _, err := orm.Query[User](db).Where(orm.Eq{"nope": 1}).Count(ctx); err == nil {
			t.Error("want error")
		}
	})
}

func TestSelect_contextCancelledMidQuery(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	seedUsers(t, db, 1)
	ctx, cancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := orm.Query[User](db).Where("pg_sleep(5) IS NOT NULL").All(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
	if time.Since(start) > 4*time.Second {
		t.Fatalf("cancel took %v", time.Since(start))
	}
	// The connection went back to the pool (ormtest also checks at cleanup) and the
	// DB still works.
	if n, err := orm.Query[User](db).Count(testCtx(t)); err != nil || n != 1 {
		t.Fatalf("after cancel: %d %v", n, err)
	}
}

func TestSelect_sharedByGoroutines(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 20)
	base := orm.Query[User](db).Where(orm.NotEq{"name": ""})
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			users, err := base.Where(orm.Lte{"id": i + 1}).All(ctx)
			if err == nil && len(users) != i+1 {
				err = fmt.Errorf("goroutine %d got %d rows", i, len(users))
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// A condition with OR keeps its meaning beside others, whichever way it is given:
// (a OR b) AND c, never a OR (b AND c).
func TestSelect_Where_orKeepsItsDepth(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 4) // user00002 and user00004 have an age
	names := []any{"user00001", "user00002"}
	for name, q := range map[string]orm.Select[User]{
		"string":        orm.Query[User](db).Where("name = ? OR name = ?", names...).Where(orm.Gt{"age": 0}),
		"squirrel expr": orm.Query[User](db).Where(sq.Expr("name = ? OR name = ?", names...)).Where("age > 0"),
		"squirrel or":   orm.Query[User](db).Where(sq.Or{sq.Eq{"name": names[0]}, sq.Eq{"name": names[1]}}).Where(orm.Gt{"age": 0}),
	} {
		t.Run(name, func(t *testing.T) {
			users, err := q.All(ctx)
			if err != nil || len(users) != 1 || users[0].Name != "user00002" {
				t.Fatalf("got %+v, %v; want only user00002", users, err)
			}
			if n, err := q.Count(ctx); err != nil || n != 1 {
				t.Fatalf("count %d, %v", n, err)
			}
			page, err := q.Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 5})
			if err != nil || len(page.Items) != 1 {
				t.Fatalf("page %+v, %v", page.Items, err)
			}
			n, err := q.UpdateAll(ctx, orm.Set{"age": 7})
			if err != nil || n != 1 {
				t.Fatalf("updated %d, %v", n, err)
			}
		})
	}
}
