// Package keyset is the machinery of batchorm's pages; package paginate holds the
// vocabulary users write (Request, Page, Order, Codec) and package orm runs the pages.
//
// It holds:
//
//   - [Order]: a validated total order over a model's columns (the primary key appended
//     as tie-breaker), built by [OrderBy] from code or [ParseSort] from a user's ?sort=
//     against an allowlist, with the fingerprint that binds cursors to it; a key may
//     be a joined to-one column ("Author.name"), bound to a query's joins by
//     [Order.Bind] (joined.go);
//   - the value kinds a cursor carries and their range checks;
//   - [Codec]: the cursor token layout, its HMAC and its decoding, which refuses every
//     malformed, forged or foreign token with a [*CursorError];
//   - [Plan]: a page request checked and its cursor decoded, which writes the keyset
//     condition through the SQL writer ([Plan.Apply]: a row-value comparison, the
//     expanded form with explicit NULL placement, or two UNION ALL branches) and cuts
//     the fetched rows into a page with its cursors ([Cut]);
//   - [OffsetPlan] for numbered pages, and [Walk] for batch iteration.
//
// Errors carry no package prefix: paginate and orm put theirs in front, and convert
// [CursorError] and [SortError] to paginate's types of the same fields.
package keyset
