package dataload_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

type Account struct {
	ID       int64   `db:"id"`
	TenantID int64   `db:"tenant_id" orm:"scope:tenant"`
	Name     string  `db:"name"`
	Notes    []*Note `orm:"has-many,fk:account_id"`
}

type Note struct {
	ID        int64  `db:"id"`
	TenantID  int64  `db:"tenant_id" orm:"scope:tenant"`
	AccountID int64  `db:"account_id"`
	Body      string `db:"body"`
}

const scopeDDL = `
CREATE TABLE accounts (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, name text NOT NULL);
CREATE TABLE notes (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, account_id bigint NOT NULL, body text NOT NULL);
INSERT INTO accounts VALUES (1, 1, 'mine'), (2, 2, 'theirs');
INSERT INTO notes VALUES (1, 1, 1, 'mine'), (2, 2, 1, 'planted'), (3, 2, 2, 'theirs');`

// Loaders bind the request's scope values: a tenant never loads another tenant's row
// or child, and a request without a tenant is refused before anything is sent.
func TestLoaders_tenantScope(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(scopeDDL))
	ctx := mustCtx(t)
	accounts, err := dataload.Key[Account, int64]()
	if err != nil {
		t.Fatal(err)
	}
	notes, err := dataload.Relation[Account, Note, int64]("Notes")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	log := ormtest.Record(ctx, func(ctx context.Context) {
		rctx := mustRequest(t, orm.WithScope(ctx, "tenant", int64(1)), db)
		a, err := accounts.Load(rctx, 1)
		got = append(got, fmt.Sprint(a != nil && a.Name == "mine", err))
		_, err = accounts.Load(rctx, 2)
		got = append(got, fmt.Sprint(errors.Is(err, dataload.ErrNotFound)))
		ns, err := notes.Load(rctx, 1)
		got = append(got, fmt.Sprint(len(ns), err))
	})
	if want := "[true <nil> true 1 <nil>]"; fmt.Sprint(got) != want {
		t.Errorf("tenant 1 loads: got %v, want %v", got, want)
	}
	if log.Statements() == 0 {
		t.Error("nothing was sent")
	}
	refused := ormtest.Record(ctx, func(ctx context.Context) {
		rctx := mustRequest(t, ctx, db)
		var se *orm.ScopeError
		if _, err := accounts.Load(rctx, 1); !errors.As(err, &se) {
			t.Errorf("Key load without a tenant: %v", err)
		}
		if _, err := notes.Load(rctx, 1); !errors.As(err, &se) {
			t.Errorf("Relation load without a tenant: %v", err)
		}
	})
	if refused.Statements() != 0 {
		t.Errorf("loads without a tenant sent %d statements", refused.Statements())
	}
}

// Two requests of different tenants loading the same keys at the same time, with
// every loader kind: each statement binds its own request's tenant (never the
// other's, never one a caller's context carries), each request gets its tenant's rows.
func TestLoaders_tenantPerRequest(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(scopeDDL))
	ctx := mustCtx(t)
	accounts, err := dataload.Key[Account, int64]()
	if err != nil {
		t.Fatal(err)
	}
	notes, err := dataload.Relation[Account, Note, int64]("Notes")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		rec   *recorder
		names []string
	}
	res := []*result{{rec: &recorder{q: db}}, {rec: &recorder{q: db}}}
	runAll(2, func(r int) {
		tenant := int64(r + 1)
		rctx := mustRequest(t, orm.WithScope(ctx, "tenant", tenant), res[r].rec, dataload.WithWait(roundWait))
		// A caller's context naming the other tenant: the request's tenant still binds.
		cctx := orm.WithScope(rctx, "tenant", 3-tenant)
		out := make([]string, 4)
		runAll(4, func(i int) {
			k := int64(i%2 + 1)
			if i < 2 {
				a, err := accounts.Load(cctx, k)
				out[i] = describe(err, func() string { return a.Name })
			} else {
				ns, err := notes.Load(cctx, k)
				out[i] = describe(err, func() string {
					var b []string
					for _, n := range ns {
						b = append(b, n.Body)
					}
					return fmt.Sprint(b)
				})
			}
		})
		res[r].names = out
	})
	want := [][]string{
		{"mine", "not found", "[mine]", "[]"},
		{"not found", "theirs", "[planted]", "[theirs]"},
	}
	for r, x := range res {
		tenant := int64(r + 1)
		if fmt.Sprint(x.names) != fmt.Sprint(want[r]) {
			t.Errorf("tenant %d: got %v, want %v", tenant, x.names, want[r])
		}
		if len(x.rec.args) != 2 {
			t.Errorf("tenant %d: %d statements, want 2 (one per loader)", tenant, len(x.rec.args))
		}
		for _, args := range x.rec.args {
			for _, a := range args[1:] {
				if a != tenant {
					t.Errorf("tenant %d's request sent a statement binding %v", tenant, a)
				}
			}
		}
	}
}
