package ormtest

import (
	"context"
	"testing"

	"github.com/batchorm/batchorm/orm"
)

// NoNPlusOne returns a context whose statements are watched for N+1 queries (see
// orm.WithGuard; opts adjust the guard): t fails at its end, naming each N+1 sent with
// the context — the statement, how often, the line of the loop and the Preload that
// replaces it.
func NoNPlusOne(t testing.TB, ctx context.Context, opts ...orm.GuardOption) context.Context {
	t.Helper()
	opts = append(opts, orm.ReportTo(func(context.Context, orm.NPlusOne) {}))
	ctx, guard := orm.WithGuard(ctx, opts...)
	t.Cleanup(func() {
		for _, r := range guard.Reports() {
			t.Errorf("ormtest: %s", r)
		}
	})
	return ctx
}
