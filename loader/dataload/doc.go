// Package dataload batches the loads that concurrent goroutines of one request make
// one key at a time (GraphQL resolvers, fan-out handlers) into one statement per model
// and relation, and the statements of loaders ready together into one round trip.
//
// # Loaders and requests
//
// A loader is a description, made once and shared: [Key] loads rows of a model by
// primary key, [Relation] loads the related rows of parents through one of their
// relations, by the parent's key. Both are checked against the model's metadata when
// made (an unknown relation is a [*RelationError], a key type that does not match the
// key column a [*KeyError]), so nothing stringly-typed fails later:
//
//	var (
//		users    = must(dataload.Key[User, int64]())
//		comments = must(dataload.Relation[Post, Comment, int64]("Comments"))
//	)
//
// The state, the keys waiting and the cache, lives in a request scope carried by the
// context: [NewRequest] makes one, [Middleware] makes one per HTTP request. Each
// request has its own loaders, cache and statements, so one user's loads are never
// answered from, or sent with, another's:
//
//	ctx, err := dataload.NewRequest(ctx, db) // db: *orm.DB, *pgxpool.Pool, pgx.Tx, ...
//	...
//	u, err := users.Load(ctx, 42)             // in one goroutine
//	cs, err := comments.Load(ctx, post.ID)    // in another
//
// # What is sent
//
// Keys asked for within the request's wait ([WithWait], default 1 ms after the first)
// go out in one statement per loader, with an array parameter, never an expanded IN
// list:
//
//	SELECT "users"."id", "users"."name" FROM "users" WHERE "users"."id" = ANY($1)
//
// at most [WithMaxBatch] keys a statement (default 1000). A relation loader sends the
// statement [loader.Preload] sends for that relation (many-to-many through its link
// table, [loader.OrderBy], [loader.Limit] per parent and [loader.Where] honoured).
// Soft-deleted rows are left out, as everywhere in batchorm. Each key is sent once
// however many goroutines ask for it, and a key loaded earlier in the request is
// answered from the request's cache without a statement.
//
// Loaders of the request whose statements are ready at about the same time share one
// round trip, a pgx batch: a statement that is ready waits for the other loaders of
// the request that have keys pending, at most one more wait. Two models loaded
// together cost one round trip of two statements, where two independent loaders cost
// two.
//
// # Results and errors
//
// Load returns the row of its key or, for a relation, its related rows (an empty
// slice when there are none); LoadMany returns them in key order. A key without a row
// is [ErrNotFound], which matches pgx.ErrNoRows and sql.ErrNoRows with errors.Is, as
// orm.ErrNotFound does; it concerns that key only. Rows are matched to keys as
// PostgreSQL compares them: a time.Time key is an instant at microsecond precision,
// whatever its location or monotonic reading (keys equal that way share one cache
// entry); strings are compared exactly, so "a" and "A" are two keys. A failed statement fails the keys
// it carried, and only those: a batch in which one statement failed is sent again, one
// statement at a time. Errors are not cached, not-found results are.
//
// # Contexts
//
// The statements run under the request's context (the one given to [NewRequest]):
// its deadline, cancellation and query log (orm.WithQueryLog counts a request's
// statements), never the context of whichever goroutine asked first. A Load whose own
// context is done returns its error at once; the batch goes on for the others.
//
// # Coalescing
//
// The keys are collected by github.com/vikstrous/dataloadgen (the loader gqlgen
// documents), one per loader and request; batchorm supplies its fetch functions,
// keeps the cache (so that it knows which loads are still waiting) and puts the
// fetches ready together into one pgx batch, which dataloadgen cannot do on its own.
package dataload
