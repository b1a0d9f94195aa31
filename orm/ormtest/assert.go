package ormtest

import (
	"context"
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
