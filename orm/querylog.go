package orm

import (
	"context"
	"time"

	"github.com/batchorm/batchorm/internal/querylog"
)

// QueryLog records the statements sent with one context; see [WithQueryLog]. Its
// methods are safe for concurrent use: statements sent by several goroutines with the
// same context are all recorded.
type QueryLog struct{ l *querylog.Log }

// StatementKind says how a statement reached the server.
type StatementKind = querylog.Kind

// The kinds of [QueryLogEntry.Kind].
const (
	KindQuery = querylog.KindQuery // a Query, QueryRow or Exec call
	KindBatch = querylog.KindBatch // one statement of a pipelined batch (SendBatch)
	KindCopy  = querylog.KindCopy  // a COPY FROM STDIN (CopyFrom)
	KindTx    = querylog.KindTx    // transaction control: BEGIN, COMMIT, ROLLBACK, savepoints
	// KindCatalog is a catalog read batchorm makes for itself: bulk's read of a
	// table's column types, once per handle and model (see bulk.Prepare).
	KindCatalog = querylog.KindCatalog
)

// QueryLogEntry is one recorded statement.
type QueryLogEntry struct {
	// SQL is the statement text as sent. For a COPY it reads "COPY table (cols) FROM STDIN".
	SQL string
	// Args is the number of bound arguments (for a COPY, the number of rows copied).
	Args int
	// Values are the bound arguments as the caller passed them (held, not copied), so
	// that the statement can be explained again, as the index advisor does
	// (orm.AdviseIndexes). Nil for a COPY.
	Values []any
	// Rows is the number of rows the command tag reports for this statement (selected,
	// inserted, updated...). For a statement whose last part is a SELECT, such as
	// bulk's INSERT ... RETURNING inside a WITH, that is the SELECT's row count.
	Rows int64
	// Duration is the time from the start of the call to its end. For a batch
	// statement it is the time of the whole batch.
	Duration time.Duration
	// Kind says how the statement was sent.
	Kind StatementKind
	// RoundTrip numbers the round trip that carried the statement, from 1 within the
	// log; the statements of one batch share a number. Transaction control has 0.
	RoundTrip int
	// Err is the error the statement returned, if any.
	Err error
}

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
	ctx, l := querylog.With(ctx)
	return ctx, &QueryLog{l: l}
}

// Statements returns the number of data statements recorded: everything but
// transaction control and batchorm's catalog reads.
func (q *QueryLog) Statements() int { return q.l.Statements() }

// RoundTrips returns the number of round trips that carried data statements.
func (q *QueryLog) RoundTrips() int { return q.l.RoundTrips() }

// TxStatements returns the number of transaction-control statements recorded (BEGIN,
// COMMIT, ROLLBACK, savepoints).
func (q *QueryLog) TxStatements() int { return q.l.TxStatements() }

// CatalogStatements returns the number of catalog reads batchorm made for itself
// (bulk's column types, the first time a handle writes a model), which
// [QueryLog.Statements] leaves out: a test's statement count does not depend on
// whether an earlier call already read the catalog.
func (q *QueryLog) CatalogStatements() int { return q.l.CatalogStatements() }

// Entries returns a copy of every statement recorded, transaction control included, in
// the order they ended.
func (q *QueryLog) Entries() []QueryLogEntry {
	es := q.l.Entries()
	out := make([]QueryLogEntry, len(es))
	for i, e := range es {
		out[i] = QueryLogEntry(e)
	}
	return out
}

// SQL returns the text of each data statement recorded, in order.
func (q *QueryLog) SQL() []string { return q.l.SQL() }

// Reset forgets everything recorded so far.
func (q *QueryLog) Reset() { q.l.Reset() }

// String lists the statements recorded, one a line, numbered by round trip, for test
// failure messages.
func (q *QueryLog) String() string { return q.l.String() }
