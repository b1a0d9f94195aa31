package orm_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// A tenant scope: set once per request, obeyed by every statement; a request without
// a tenant is refused before anything is sent.
func ExampleWithScope() {
	type Invoice struct {
		ID       int64
		TenantID int64 `orm:"scope:tenant"`
		Amount   int64
	}
	err := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, drop, err := ormtest.Open(ctx, ormtest.Schema(`
			CREATE TABLE invoices (id bigserial PRIMARY KEY, tenant_id bigint NOT NULL, amount bigint NOT NULL);
			INSERT INTO invoices (tenant_id, amount) VALUES (1, 100), (2, 999), (1, 250);`))
		if err != nil {
			return err
		}
		defer drop()
		acme := orm.WithScope(ctx, "tenant", int64(1)) // in a middleware, from the session
		invoices, err := orm.Query[Invoice](db).OrderBy("id").All(acme)
		if err != nil {
			return err
		}
		for _, inv := range invoices {
			fmt.Printf("invoice %d: %d\n", inv.ID, inv.Amount)
		}
		added := Invoice{Amount: 42} // TenantID left zero: the context's is written
		if err := orm.Insert(acme, db, &added); err != nil {
			return err
		}
		fmt.Printf("added invoice %d for tenant %d\n", added.ID, added.TenantID)
		var missing *orm.ScopeError
		_, err = orm.Query[Invoice](db).Count(ctx) // no tenant in ctx
		fmt.Println("without a tenant:", errors.As(err, &missing))
		return nil
	}()
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// invoice 1: 100
	// invoice 3: 250
	// added invoice 4 for tenant 1
	// without a tenant: true
}
