// Package otelorm traces batchorm with OpenTelemetry: a span per batchorm call (a
// query, a page, a preload and each of its relation edges, a bulk write, a
// transaction), parent of a span per statement the call sends.
//
// It is a module of its own (github.com/batchorm/batchorm/orm/otelorm), so programs
// that do not import it do not depend on OpenTelemetry.
//
// # Installing
//
// A [Tracer] is one of the pool's tracers. Put it in [pool.Config.Tracers]:
//
//	tr := otelorm.New(otelorm.WithTracerProvider(tp)) // default: the global provider
//	db, err := orm.Open(ctx, pool.Config{ConnString: url, Tracers: []pgx.QueryTracer{tr}})
//
// or, on a pgxpool config built by hand, set it as ConnConfig.Tracer (or a member of a
// pgx multitracer) before calling [pool.Instrument]. Statement spans then come from
// pgx's tracer interfaces, so raw pgx calls on the pool are traced too; call spans
// come from [pool.OpObserver], which the pool finds on the same value.
//
// # Spans
//
// Call spans (kind internal) are named by the call and its table: "Select.All users",
// "Select.Paginate posts", "Insert users", "Select.UpdateAll posts", "bulk.Create
// posts", "Tx"; a preload is "Preload users" with a child per relation edge,
// "Preload.edge Posts.Comments". They carry batchorm.operation, batchorm.model (the Go
// type), db.collection.name (the table), for preloads batchorm.preload.path and
// batchorm.preload.depth, and at the end batchorm.rows (rows returned or written; for
// an edge the related rows read) or the error.
//
// Statement spans (kind client) are named by the statement's operation (SELECT,
// INSERT, WITH, BEGIN, …; BATCH for a pipelined batch, whose statements are its
// children; COPY and the table; connect) and carry db.system.name "postgresql",
// db.operation.name, db.query.text (leave it out with [WithoutQueryText]),
// db.response.returned_rows for a SELECT or batchorm.rows_affected for a write, and,
// on failure, the error, an error status and db.response.status_code (the SQLSTATE).
//
// A tree for a query with a two-level preload:
//
//	Select.All users
//	  SELECT
//	  Preload users
//	    Preload.edge Posts
//	      SELECT
//	    Preload.edge Posts.Comments
//	      SELECT
//
// Edges of one depth go to the server in one batch: with several, their edge spans are
// siblings of the BATCH span that carries their statements.
//
// # What is not recorded
//
// Argument values are not recorded: batchorm binds every value as a parameter, so a
// statement's text holds only $1, $2, …, and no attribute carries the arguments. A
// failed statement's span records the error text and the SQLSTATE; PostgreSQL's DETAIL
// line (where a unique violation quotes the key) is never part of it. A message of a
// class that may quote the input (22, data exceptions: invalid input syntax for type
// integer: "abc"; P0, raised by PL/pgSQL; any class not known to name only
// identifiers) is replaced by "(message withheld)"; [WithErrorText] records it as is.
//
// A call ended by a panic (in the function given to [orm.DB.Tx], an Iter loop's body,
// a column type's Scan) ends its span with an error status "panic" before the panic
// goes on: no span is left open.
//
// # Transactions
//
// A transaction's span covers BEGIN to COMMIT or ROLLBACK and its retries. The
// function given to [orm.DB.Tx] does not receive the span's context (batchorm keeps no
// context in a handle), so the calls it makes with the caller's context are siblings
// of the Tx span, not its children. To group them, start a span of your own around the
// transaction and use its context inside the function; the Tx span and the calls are
// then its children:
//
//	ctx, span := tracer.Start(ctx, "transfer")
//	defer span.End()
//	err := db.Tx(ctx, func(tx *orm.DB) error {
//		return orm.Insert(ctx, tx, &entry) // a child of "transfer", beside "Tx"
//	})
//
// # With the statement logger
//
// [pool.Config.Logger] and a Tracer compose: both see every statement, and each log
// record's context carries the statement's span, so a slog handler that reads trace
// and span ids from the context (an OpenTelemetry slog bridge) ties the two together.
//
// # Cost
//
// Without a [pool.OpObserver] installed, batchorm's call hook is a nil check and allocates
// nothing (bulk and loader calls on a bare pool add one atomic load). With one,
// BenchmarkQueryAll in this package compares a one-row query with and without it.
package otelorm
