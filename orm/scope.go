package orm

import (
	"context"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// WithScope returns a context carrying value for the scope name. A model restricts
// every statement on its table to the context's value by tagging the column
// `orm:"scope:NAME"`, a tenant id most often:
//
//	type Invoice struct {
//		ID       int64 `db:"id"`
//		TenantID int64 `db:"tenant_id" orm:"scope:tenant"`
//		...
//	}
//	ctx = orm.WithScope(ctx, "tenant", tenantID) // once per request, in a middleware
//
// Then queries, Count, pages, aggregates, Has and subqueries, the ON clause of every
// Join, every Preload edge (loader.Preload too), UpdateAll/DeleteAll and the
// single-row Update and Delete compare the column with value as a bound parameter;
// Insert writes value into a zero column and refuses a row of another value. A
// statement on a scoped model whose context carries no value for the scope is a
// [*ScopeError] before anything is sent: a missing tenant is an error, never "all
// tenants". [Select.Unscoped] lifts the scopes of one query. A nil value removes the
// name from the context.
func WithScope(ctx context.Context, name string, value any) context.Context {
	return sqlw.WithScope(ctx, name, value)
}

// ScopeError is returned, before anything is sent, for a statement on a model with an
// `orm:"scope:NAME"` column whose context carries no value for NAME (see
// [WithScope]). Its fields name the model, the scope and the column.
type ScopeError = sqlw.ScopeError

// scopeInsert writes the context's value of each of m's value scopes into a zero
// column of the row at base and refuses a row holding another value.
func scopeInsert(ctx context.Context, m *model.Model, base unsafe.Pointer) error {
	return sqlw.ScopeRows(m, []unsafe.Pointer{base}, sqlw.ScopesFrom(ctx))
}

// scopeColumn refuses a scope column among the columns a write sets: moving a row
// out of its scope is not an update batchorm makes.
func scopeColumn(m *model.Model, c *model.Column) error { return sqlw.ScopeColumnError(m, c) }
