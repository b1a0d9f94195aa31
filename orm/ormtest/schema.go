package ormtest

import (
	"context"
	"testing"

	"github.com/batchorm/batchorm/orm/schema"
)

// AssertSchema fails t unless the live schema q reaches matches the models as
// schema.Drift sees it (tables, columns, indexes, constraints), listing every
// difference. Use it to check a hand-written or migrated schema against its models.
func AssertSchema(t testing.TB, ctx context.Context, q schema.Querier, models ...any) *schema.Report {
	t.Helper()
	rep, err := schema.Drift(ctx, q, models...)
	if err != nil {
		t.Fatalf("ormtest: AssertSchema: %v", err)
	}
	if err := rep.Err(); err != nil {
		t.Errorf("ormtest: AssertSchema: %v", err)
	}
	return rep
}

// AuditIndexes fails t unless schema.Audit finds nothing: every index the models
// declare exists with its declared shape, and every foreign key of their relations
// has an index led by it (an index with the key second does not count).
func AuditIndexes(t testing.TB, ctx context.Context, q schema.Querier, models ...any) *schema.Report {
	t.Helper()
	rep, err := schema.Audit(ctx, q, models...)
	if err != nil {
		t.Fatalf("ormtest: AuditIndexes: %v", err)
	}
	if err := rep.Err(); err != nil {
		t.Errorf("ormtest: AuditIndexes: %v", err)
	}
	return rep
}
