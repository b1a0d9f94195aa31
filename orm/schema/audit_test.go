package schema_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
)

// Shop: an order belongs to a customer, has many lines (Line has no relation back,
// and is not given to Audit), and many products through order_products.
type Customer struct{ ID int64 }

type Order struct {
	ID         int64
	CustomerID int64
	Status     string
	Customer   *Customer `orm:"belongs-to"`
	Lines      []Line    `orm:"has-many"`
	Products   []Product `orm:"many-to-many,through:order_products"`
}

func (Order) Indexes() []schema.Index {
	return []schema.Index{{Name: "orders_open", Columns: []string{"customer_id"}, Where: "status = 'open'"}}
}

type Line struct {
	ID      int64
	OrderID int64
}

type Product struct{ ID int64 }

// TestAudit: the audit names each foreign key no index is led by, table and column,
// and each declared index missing; an index (other_col, fk) and a partial index led
// by the key do not count.
func TestAudit(t *testing.T) {
	t.Parallel()
	const base = `
CREATE TABLE customers (id bigserial PRIMARY KEY);
CREATE TABLE products (id bigserial PRIMARY KEY);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, status text NOT NULL);
CREATE TABLE lines (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders);
CREATE TABLE order_products (order_id bigint REFERENCES orders, product_id bigint REFERENCES products, PRIMARY KEY (order_id, product_id));
CREATE INDEX orders_open ON orders (customer_id) WHERE status = 'open';
`
	tests := map[string]struct {
		extra string
		want  []string
	}{
		"every key indexed": {
			`CREATE INDEX ON orders (customer_id, id); CREATE INDEX ON lines (order_id); CREATE INDEX ON order_products (product_id)`,
			nil,
		},
		"key second in an index": {
			`CREATE INDEX ON orders (status, customer_id); CREATE INDEX ON lines (order_id); CREATE INDEX ON order_products (product_id)`,
			[]string{`orders: foreign key without an index led by it (customer_id): want an index led by (customer_id), got none`},
		},
		"no index on the has-many key nor the link table's second key": {
			`CREATE INDEX ON orders (customer_id)`,
			// lines is not among the models: checked after them
			[]string{`order_products: foreign key without an index led by it (product_id): want an index led by (product_id), got none`,
				`lines: foreign key without an index led by it (order_id): want an index led by (order_id), got none`},
		},
		"declared index missing": {
			`DROP INDEX orders_open; CREATE INDEX ON orders (customer_id); CREATE INDEX ON lines (order_id); CREATE INDEX ON order_products (product_id)`,
			[]string{`orders: missing index orders_open: want (customer_id) WHERE status = 'open', got none`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := ormtest.New(t, ormtest.Schema(base+tc.extra))
			rep, err := schema.Audit(ctx, db, &Order{}, &Customer{}, &Product{})
			if err != nil {
				t.Fatal(err)
			}
			if got := lines(rep); !slices.Equal(got, tc.want) {
				t.Errorf("audit:\n got %q\nwant %q", got, tc.want)
			}
			// The helper fails exactly when the audit finds something.
			ft := &fakeT{TB: t}
			ormtest.AuditIndexes(ft, ctx, db, &Order{}, &Customer{}, &Product{})
			if ft.failed != (len(tc.want) > 0) || (ft.failed && !strings.Contains(ft.msg, tc.want[0])) {
				t.Errorf("AuditIndexes failed=%v (%s), want failed=%v", ft.failed, ft.msg, len(tc.want) > 0)
			}
		})
	}
}

// fakeT records a helper's failure instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, a ...any) {
	f.failed, f.msg = true, f.msg+fmt.Sprintf(format, a...)
}
func (f *fakeT) Fatalf(format string, a ...any) {
	f.Errorf(format, a...)
	f.TB.Fatalf("helper stopped: "+format, a...)
}
