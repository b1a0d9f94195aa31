package orm_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

const bulkSchema = `CREATE TABLE bulk_accounts (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  team integer NOT NULL,
  active boolean NOT NULL DEFAULT true
)`

// BulkAccount is the model of the bulk wrapper tests.
type BulkAccount struct {
	ID     int64
	Email  string
	Team   int
	Active bool `orm:"default"`
}

func (BulkAccount) TableName() string { return "bulk_accounts" }

func bulkCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// mustBulkAccounts creates n accounts in teams 0, 1, 2 and returns them, ids read back.
func mustBulkAccounts(t *testing.T, ctx context.Context, db *orm.DB, n int) []BulkAccount {
	t.Helper()
	rows := make([]BulkAccount, n)
	for i := range rows {
		rows[i] = BulkAccount{Email: fmt.Sprintf("a%d@x", i), Team: i % 3}
	}
	if err := bulk.Create(ctx, db, rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// bulkTable reads the table as "id:email:team:active" lines ordered by id.
func bulkTable(t *testing.T, ctx context.Context, db *orm.DB) []string {
	t.Helper()
	got, err := orm.Raw[string](ctx, db, "SELECT id || ':' || email || ':' || team || ':' || active FROM bulk_accounts ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func bulkLines(rows []BulkAccount) []string {
	rows = append([]BulkAccount(nil), rows...)
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = fmt.Sprintf("%d:%s:%d:%v", r.ID, r.Email, r.Team, r.Active)
	}
	return out
}

func TestBulkCreate_writesIDsBack(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(bulkSchema))
	ctx := bulkCtx(t)
	var rows []BulkAccount
	// One INSERT: the obvious count holds on a handle's first bulk call too, whose
	// catalog read is counted apart.
	log := ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		rows = mustBulkAccounts(t, ctx, db, 500)
	})
	if log.CatalogStatements() != 1 || log.RoundTrips() != 1 {
		t.Fatalf("want one catalog read apart: %s", log)
	}
	if got, want := bulkTable(t, ctx, db), bulkLines(rows); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("table %v\nstructs %v", got, want)
	}
	if err := bulk.Create[BulkAccount](ctx, db, nil); !errors.Is(err, bulk.ErrEmpty) {
		t.Fatalf("want bulk.ErrEmpty, got %v", err)
	}
	if err := bulk.Create(ctx, nil, rows); err == nil {
		t.Fatal("nil DB accepted")
	}
}

func TestSelect_UpdateAll(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(bulkSchema))
	ctx := bulkCtx(t)
	rows := mustBulkAccounts(t, ctx, db, 30)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		n, err := orm.Query[BulkAccount](db).Where(orm.Eq{"team": 1}).Where("id > ?", 0).UpdateAll(ctx, orm.Set{"active": false})
		if err != nil || n != 10 {
			t.Fatalf("updated %d: %v", n, err)
		}
	})
	for i := range rows {
		rows[i].Active = rows[i].Team != 1
	}
	if got, want := bulkTable(t, ctx, db), bulkLines(rows); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("table %v\nwant %v", got, want)
	}
	back, err := orm.Query[BulkAccount](db).Where(orm.Eq{"team": 2}).UpdateAllReturning(ctx, orm.Set{"team": orm.Expr("team + ?", 10)})
	if err != nil || len(back) != 10 || back[0].Team != 12 {
		t.Fatalf("returned %+v: %v", back, err)
	}
	n, err := orm.Query[BulkAccount](db).Where(orm.AllRows).UpdateAll(ctx, orm.Set{"active": true})
	if err != nil || n != 30 {
		t.Fatalf("updated %d: %v", n, err)
	}
}

func TestSelect_UpdateAll_refused(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(bulkSchema))
	ctx := bulkCtx(t)
	base := orm.Query[BulkAccount](db)
	set := orm.Set{"active": false}
	cases := []struct {
		name string
		run  func(ctx context.Context) error
		want error
	}{
		{"no where", func(ctx context.Context) error { _, err := base.UpdateAll(ctx, set); return err }, orm.ErrMissingWhere},
		{"delete without where", func(ctx context.Context) error { _, err := base.DeleteAll(ctx); return err }, orm.ErrMissingWhere},
		{"empty set", func(ctx context.Context) error { _, err := base.Where(orm.AllRows).UpdateAll(ctx, nil); return err }, orm.ErrNothingToUpdate},
		{"unknown set column", func(ctx context.Context) error {
			_, err := base.Where(orm.AllRows).UpdateAll(ctx, orm.Set{"actve": true})
			var ce *orm.ColumnError
			if errors.As(err, &ce) {
				return errFound
			}
			return err
		}, errFound},
		{"unknown where column", func(ctx context.Context) error {
			_, err := base.Where(orm.Eq{"taem": 1}).UpdateAll(ctx, set)
			var ce *orm.ColumnError
			if errors.As(err, &ce) {
				return errFound
			}
			return err
		}, errFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
				if err := tc.run(ctx); !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
			})
		})
	}
	for name, q := range map[string]orm.Select[BulkAccount]{
		"OrderBy": base.Where(orm.AllRows).OrderBy("id"),
		"Limit":   base.Where(orm.AllRows).Limit(3),
		"Offset":  base.Where(orm.AllRows).Offset(3),
		"Columns": base.Where(orm.AllRows).Columns("id"),
	} {
		if _, err := q.UpdateAll(ctx, set); err == nil {
			t.Errorf("UpdateAll accepted %s", name)
		}
		if _, err := q.DeleteAll(ctx); err == nil {
			t.Errorf("DeleteAll accepted %s", name)
		}
	}
	if _, err := orm.Query[BulkAccount](nil).Where(orm.AllRows).DeleteAll(ctx); err == nil {
		t.Error("query without DB accepted")
	}
}

var errFound = errors.New("found")

func TestSelect_DeleteAll(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(bulkSchema))
	ctx := bulkCtx(t)
	rows := mustBulkAccounts(t, ctx, db, 9)
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := orm.Query[BulkAccount](db).Where(orm.Eq{"team": []int{0, 2}}).DeleteAll(ctx)
		if err != nil || n != 6 {
			t.Fatalf("deleted %d: %v", n, err)
		}
	})
	gone, err := orm.Query[BulkAccount](db).Where(orm.Eq{"id": rows[1].ID}).DeleteAllReturning(ctx)
	if err != nil || len(gone) != 1 || gone[0] != rows[1] {
		t.Fatalf("deleted %+v: %v", gone, err)
	}
	if got, want := bulkTable(t, ctx, db), bulkLines([]BulkAccount{rows[4], rows[7]}); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("table %v, want %v", got, want)
	}
}

func TestBulkUpdateUpsertDelete(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(bulkSchema))
	ctx := bulkCtx(t)
	rows := mustBulkAccounts(t, ctx, db, 6)
	for i := range rows {
		rows[i].Team = 100 + i
	}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := bulk.Update(ctx, db, rows, []string{"team"})
		if err != nil || n != 6 {
			t.Fatalf("updated %d: %v", n, err)
		}
	})
	up := []BulkAccount{{Email: "a0@x", Team: 7, Active: true}, {Email: "new@x", Team: 8, Active: true}}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		res, err := bulk.Upsert(ctx, db, up, bulk.OnConflict("email").DoUpdate("team"))
		if err != nil || res.Written != 2 || up[0].ID != rows[0].ID || up[1].ID == 0 {
			t.Fatalf("result %+v, rows %+v: %v", res, up, err)
		}
	})
	rows[0].Team = 7
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		n, err := bulk.Delete(ctx, db, rows[3:])
		if err != nil || n != 3 {
			t.Fatalf("deleted %d: %v", n, err)
		}
	})
	if got, want := bulkTable(t, ctx, db), bulkLines(append(rows[:3:3], up[1])); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("table %v, want %v", got, want)
	}
	if _, err := bulk.Update(ctx, db, rows, nil); !errors.Is(err, bulk.ErrNothingToUpdate) {
		t.Fatalf("want ErrNothingToUpdate, got %v", err)
	}
	if _, err := bulk.Upsert(ctx, nil, up, bulk.OnConflict("email").DoNothing()); err == nil {
		t.Fatal("nil DB accepted")
	}
	if _, err := bulk.Delete(ctx, nil, rows); err == nil {
		t.Fatal("nil DB accepted")
	}
	if _, err := bulk.Update(ctx, nil, rows, []string{"team"}); err == nil {
		t.Fatal("nil DB accepted")
	}
}
