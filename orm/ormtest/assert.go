package ormtest

import (
	"context"
	"fmt"
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

// IndexChecker is an [Explainer] that can also judge its statements' indexes;
// orm.Select[T] is one (see orm.Select.CheckIndexes).
type IndexChecker interface {
	Explainer
	CheckIndexes(ctx context.Context) ([]orm.IndexReport, error)
}

// AssertIndexed fails t unless an index serves every table each statement of q
// reads, its preloads included, and returns the statements' plans (made with
// [orm.PreferIndexes], as if the tables were too large to scan).
//
// For an [IndexChecker] such as orm.Select[T], served means what
// orm.AdviseIndexes says: every column a statement compares with a parameter or a
// join key (a preload's "fk" = ANY($1), a keyset page's bounds) is matched by the
// Index Cond on the LEADING columns of the index used. An index on (a, fk) does not
// serve a preload by fk (PostgreSQL would walk all of it), nor does a composite
// primary key (x, fk). The failure names the statement, the table and the columns not
// served, the plan, and the index proposed, proven in a rolled-back transaction
// (which locks the table while the index builds: fine in a test). Conditions on
// expressions are not judged. For other Explainers, a Seq Scan left in a plan fails.
func AssertIndexed(t testing.TB, ctx context.Context, q Explainer) []orm.StatementPlan {
	t.Helper()
	plans, err := q.ExplainAll(ctx, orm.PreferIndexes())
	if err != nil {
		t.Errorf("ormtest: explain: %v", err)
		return nil
	}
	if c, ok := q.(IndexChecker); ok {
		reports, err := c.CheckIndexes(ctx)
		if err != nil {
			t.Errorf("ormtest: check indexes: %v", err)
			return plans
		}
		for i, r := range reports {
			if r.Served() {
				continue
			}
			var tables []string
			for _, f := range r.Findings {
				tables = append(tables, f.Name)
			}
			var plan fmt.Stringer = &orm.Plan{}
			if i < len(plans) && plans[i].SQL == r.SQL {
				plan = plans[i].Plan
			}
			t.Errorf("ormtest: no index serves %s on %s:\n%s\n%s\n%s", what(r.Path), strings.Join(tables, ", "), r.SQL, plan, &r)
		}
		return plans
	}
	for _, p := range plans {
		if scans := p.Plan.SeqScans(); len(scans) > 0 {
			t.Errorf("ormtest: no index serves %s on %s:\n%s\n%s", what(p.Path), strings.Join(scans, ", "), p.SQL, p.Plan)
		}
	}
	return plans
}

// what names a statement of a query.
func what(path string) string {
	if path == "" {
		return "the query"
	}
	return "preload " + path
}
