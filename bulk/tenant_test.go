package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// TNote is scoped by tenant.
type TNote struct {
	ID       int64  `db:"id"`
	TenantID int64  `db:"tenant_id" orm:"scope:tenant"`
	Body     string `db:"body"`
}

func (TNote) TableName() string { return "t_notes" }

const noteDDL = `CREATE TABLE t_notes (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, body text NOT NULL);
INSERT INTO t_notes VALUES (1, 1, 'one'), (2, 2, 'theirs'), (3, 1, 'three');`

// notes returns every row as "id:tenant:body", read without the scope.
func notes(t *testing.T, ctx context.Context, db *orm.DB) string {
	t.Helper()
	rows, err := orm.Query[TNote](db).Unscoped().OrderBy("id").All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	for _, r := range rows {
		s += fmt.Sprintf("%d:%d:%s ", r.ID, r.TenantID, r.Body)
	}
	return s
}

// Bulk writes by rows obey value scopes: Create and Upsert write the context's tenant
// into zero columns and refuse rows of another tenant; Update, Delete and an Upsert's
// DO UPDATE never reach another tenant's row; a missing tenant sends nothing.
func TestBulk_tenantScope(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(noteDDL))
	ctx := orm.WithScope(testCtx(t), "tenant", int64(1))

	created := []TNote{{ID: 10, Body: "new"}, {ID: 11, TenantID: 1, Body: "new too"}}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		if err := bulk.Create(ctx, db, created); err != nil {
			t.Fatal(err)
		}
	})
	if created[0].TenantID != 1 {
		t.Errorf("Create did not write the context's tenant: %+v", created[0])
	}

	refused := ormtest.Record(ctx, func(ctx context.Context) {
		err := bulk.Create(ctx, db, []TNote{{ID: 20, Body: "ok"}, {ID: 21, TenantID: 2, Body: "planted"}})
		var re *bulk.RowError
		if !errors.As(err, &re) || re.Index != 1 {
			t.Errorf("Create of another tenant's row: got %v, want a RowError for row 1", err)
		}
		if _, err := bulk.Update(ctx, db, []TNote{{ID: 2, TenantID: 1}}, []string{"tenant_id"}); !errors.Is(err, bulk.ErrInvalidOption) {
			t.Errorf("Update moving a row to another tenant: %v", err)
		}
		for name, call := range map[string]func(context.Context) error{
			"Create": func(ctx context.Context) error { return bulk.Create(ctx, db, []TNote{{ID: 30}}) },
			"Update": func(ctx context.Context) error {
				_, err := bulk.Update(ctx, db, []TNote{{ID: 1, Body: "x"}}, []string{"body"})
				return err
			},
			"Delete": func(ctx context.Context) error { _, err := bulk.Delete(ctx, db, []TNote{{ID: 1}}); return err },
			"Upsert": func(ctx context.Context) error {
				_, err := bulk.Upsert(ctx, db, []TNote{{ID: 1}}, bulk.OnConflict("id").DoNothing())
				return err
			},
		} {
			var se *orm.ScopeError
			if err := call(orm.WithScope(ctx, "tenant", nil)); !errors.As(err, &se) {
				t.Errorf("%s without a tenant: got %v, want a ScopeError", name, err)
			}
		}
	})
	if refused.Statements() != 0 {
		t.Errorf("refused bulk writes sent %d statements:\n%s", refused.Statements(), refused)
	}

	n, err := bulk.Update(ctx, db, []TNote{{ID: 1, Body: "edited"}, {ID: 2, Body: "hijacked"}}, []string{"body"})
	if err != nil || n != 1 {
		t.Errorf("Update across tenants: %d rows, %v; want 1 (its own)", n, err)
	}
	res, err := bulk.Upsert(ctx, db, []TNote{{ID: 2, Body: "overwritten"}, {ID: 12, Body: "upserted"}},
		bulk.OnConflict("id").DoUpdate("body"))
	if err != nil || res.Written != 1 || fmt.Sprint(res.Skipped) != "[0]" {
		t.Errorf("Upsert colliding with another tenant's row: %+v, %v; want row 0 skipped", res, err)
	}
	n, err = bulk.Delete(ctx, db, []TNote{{ID: 3}, {ID: 2}})
	if err != nil || n != 1 {
		t.Errorf("Delete across tenants: %d rows, %v; want 1 (its own)", n, err)
	}
	want := "1:1:edited 2:2:theirs 10:1:new 11:1:new too 12:1:upserted "
	if got := notes(t, ctx, db); got != want {
		t.Errorf("rows:\n got %s\nwant %s", got, want)
	}
}
