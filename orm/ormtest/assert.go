package ormtest

import (
	"context"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/orm"
)

// Counts is what a block of code sent: data statements, the round trips that carried
// them, and transaction-control statements (BEGIN, COMMIT, ...), counted apart.
type Counts struct {
	Statements   int
	RoundTrips   int
	TxStatements int
}

// Record runs fn with a context that records the statements it sends and returns the
// log.
func Record(ctx context.Context, fn func(ctx context.Context)) *orm.QueryLog {
	ctx, log := orm.WithQueryLog(ctx)
	fn(ctx)
	return log
}

// AssertStatements runs fn and fails t, listing every statement sent, unless fn sent
// exactly want data statements (transaction control not counted). It returns the log
// for further checks.
func AssertStatements(t testing.TB, ctx context.Context, want int, fn func(ctx context.Context)) *orm.QueryLog {
	t.Helper()
	log := Record(ctx, fn)
	if got := log.Statements(); got != want {
		t.Errorf("ormtest: want %d statements, got %s", want, log)
	}
	return log
}

// AssertCounts runs fn and fails t unless it sent exactly want: data statements, round
// trips and transaction-control statements all compared. The failure lists every
// statement sent.
func AssertCounts(t testing.TB, ctx context.Context, want Counts, fn func(ctx context.Context)) *orm.QueryLog {
	t.Helper()
	log := Record(ctx, fn)
	got := Counts{Statements: log.Statements(), RoundTrips: log.RoundTrips(), TxStatements: log.TxStatements()}
	if got != want {
		t.Errorf("ormtest: want %+v, got %+v: %s", want, got, log)
	}
	return log
}

// Explainer is a query that can explain its statement; orm.Select[T] is one.
type Explainer interface {
	Explain(ctx context.Context, opts ...orm.ExplainOption) (*orm.Plan, error)
}

// AssertIndexed fails t unless an index can serve every table q's statement reads: q
// is explained with [orm.PreferIndexes], as if the tables were too large to scan, and
// a Seq Scan left in the plan means no index fits its conditions or order. Small test
// tables do not hide a missing index this way. Preloads are separate statements
// (indexed = ANY lookups when the foreign key has an index) and are not checked. It
// returns the plan.
func AssertIndexed(t testing.TB, ctx context.Context, q Explainer) *orm.Plan {
	t.Helper()
	plan, err := q.Explain(ctx, orm.PreferIndexes())
	if err != nil {
		t.Errorf("ormtest: explain: %v", err)
		return nil
	}
	if scans := plan.SeqScans(); len(scans) > 0 {
		t.Errorf("ormtest: no index serves the query on %s:\n%s", strings.Join(scans, ", "), plan)
	}
	return plan
}
