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
