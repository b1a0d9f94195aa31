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

// Explainer is a query that can explain the statements it sends; orm.Select[T] is one.
type Explainer interface {
	ExplainAll(ctx context.Context, opts ...orm.ExplainOption) ([]orm.StatementPlan, error)
}

// AssertIndexed fails t unless an index can serve every table each statement of q
// reads, its preloads included: the statements are explained with
// [orm.PreferIndexes], as if the tables were too large to scan, and a Seq Scan left in
// a plan means no index fits its conditions, join or order (for a preload, usually a
// foreign key without an index). Small test tables do not hide a missing index this
// way. An index that serves some of the conditions passes, the others filtering its
// rows: look at the returned plans (PlanNode.Filter) when that matters.
func AssertIndexed(t testing.TB, ctx context.Context, q Explainer) []orm.StatementPlan {
	t.Helper()
	plans, err := q.ExplainAll(ctx, orm.PreferIndexes())
	if err != nil {
		t.Errorf("ormtest: explain: %v", err)
		return nil
	}
	for _, p := range plans {
		if scans := p.Plan.SeqScans(); len(scans) > 0 {
			what := "the query"
			if p.Path != "" {
				what = "preload " + p.Path
			}
			t.Errorf("ormtest: no index serves %s on %s:\n%s\n%s", what, strings.Join(scans, ", "), p.SQL, p.Plan)
		}
	}
	return plans
}
