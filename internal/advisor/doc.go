// Package advisor judges whether indexes serve a statement and proposes and proves the
// ones that would. orm's AdviseIndexes and Select.CheckIndexes, and ormtest's
// AssertIndexed, are its doors.
//
// # Judge
//
// The statement's generic plan (prepared, EXPLAIN EXECUTE under plan_cache_mode =
// force_generic_plan, so parameters still read $n and can be told from constants) is
// made with sequential scans off, EXPLAIN (VERBOSE) so every column is qualified by its
// alias. For each table read, the columns compared with a parameter or another table's
// column for equality (=, = ANY) or a range (<, <=, >, >=, row comparisons) are
// wanted; the Index Cond of the index used (of each Bitmap Index Scan below a Bitmap
// Heap Scan) serves the index's key columns from the first on, up to the first key it
// does not match. A wanted column left over is a [Finding], unless another index of
// the table (from pg_index and pg_attribute) is led by all the wanted columns: on a
// small table the planner may rightly walk a different one. Only a valid b-tree
// index without a predicate stands in so: a partial index counts only when the plan
// uses it (the planner alone proves the statement implies its predicate), and an
// expression key is never taken for a column. A Seq Scan left is a
// finding too. Hash and merge join keys of a table that no parameter filters need an
// index led by them. Expressions, ORs and inequalities are not judged.
//
// # Propose
//
// From the plan made with index scans off: the first Sort's keys, the constant
// predicates of the table, the columns it returns. Keys are the equality columns, then
// the range columns (merged into the order when they lead it), then the ORDER BY
// columns in their directions, flipped when the first is DESC (an index read
// backwards serves the reverse). Constant predicates make it partial; up to three
// returned columns not in the keys go to INCLUDE when the table has more. Constants
// are written again from their parsed value ([sqlw.QuoteLiteral]), numbers and cast
// type names checked against patterns; a conjunct that does not fit stays out.
//
// # Prove
//
// The statement's text is sent through the extended protocol, which refuses a text
// of several statements (a COMMIT among them would end the transaction that must be
// rolled back), and the statement prepared for the generic plan is deallocated on its
// connection also when the EXPLAIN fails (that EXPLAIN runs under a savepoint).
//
// Inside a transaction that is rolled back: EXPLAIN (ANALYZE, BUFFERS) of the
// statement, CREATE INDEX (not CONCURRENTLY, which cannot run in a transaction; it
// holds a SHARE lock on the table until the rollback), the same EXPLAIN again. An index
// built in a transaction is not used by that transaction when the table has broken
// HOT chains (pg_index.indcheckxmin): the proof then says "not used".
package advisor
