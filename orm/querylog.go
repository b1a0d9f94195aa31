package orm

import (
	"context"

	"github.com/batchorm/batchorm/internal/querylog"
)

// QueryLog records the statements sent with one context; see [WithQueryLog]. Its
// methods are safe for concurrent use.
type QueryLog = querylog.Log

// QueryLogEntry is one recorded statement.
type QueryLogEntry = querylog.Entry

// WithQueryLog returns a context that records every statement sent with it (or with a
// context derived from it) through a batchorm-instrumented pool, and the log:
//
//	ctx, log := orm.WithQueryLog(ctx)
//	users, err := orm.Query[User](db).Preload("Posts").All(ctx)
//	fmt.Println(log.Statements(), log.RoundTrips()) // 2 2
//
// Counting follows fixed rules: a Query, QueryRow or Exec is 1 statement and 1 round
// trip, a CopyFrom 1 and 1, a batch of k statements k and 1. BEGIN, COMMIT, ROLLBACK
// and savepoints are recorded and counted apart ([QueryLog.TxStatements]). Prepares and
// pings are not counted. Logs nest: an outer log also records what an inner one does.
// Without a log in the context the tracer costs a context lookup and two atomic adds.
func WithQueryLog(ctx context.Context) (context.Context, *QueryLog) {
	return querylog.With(ctx)
}
