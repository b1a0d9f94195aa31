// Package paginate is the vocabulary of keyset ("seek") pagination with opaque
// cursors: the [Request] a handler builds from a client's query string, the [Page] it
// gets back, the [Order] to page in, and the [Codec] that makes and checks cursor
// tokens. A page deep in a table costs what the first page costs.
//
// Package orm runs the pages: [Request] goes to orm's Select.Paginate, [OffsetRequest]
// to Select.PaginateOffset, and Select.Batches and Select.Each walk a whole table. They
// run on whatever the orm.DB runs on: its pool, or a transaction begun with pgx and
// handed over with db.WithTx(tx) (or the one inside db.Tx). Pages are of orm queries:
// write a query that needs more than the model's own conditions with Where and '?'
// placeholders or squirrel conditions, Join and Preload.
//
//	order, err := paginate.ParseSort[Post](r.URL.Query().Get("sort"), "created_at", "title")
//	if err != nil { ... } // 400: errors.Is(err, paginate.ErrInvalidSort)
//	page, err := orm.Query[Post](db).Where(orm.Eq{"author_id": 7}).Preload("Tags").
//		Paginate(ctx, paginate.Request{Order: order, Limit: 20, After: r.URL.Query().Get("after"), Codec: cursors})
//	if err != nil { ... } // 400 when errors.Is(err, paginate.ErrInvalidCursor)
//	// page.Items, page.HasNext, page.Next (for ?after=), page.Prev (for ?before=)
//
// A bad cursor or sort is refused before any statement is sent.
//
// # Orders
//
// An [Order] is a list of a model's columns, each ascending or descending, that always
// ends with the primary key: [OrderBy] and [ParseSort] append it as tie-breaker
// (in the direction of the last key) when the keys do not include it, so every row has
// exactly one position and no row is skipped or repeated between pages. Sort keys
// from code go through [OrderBy] ("-created_at", "title ASC") or orm's Select.OrderBy;
// sort keys from users go through [ParseSort], which accepts only the names of an
// allowlist and refuses anything else with a [*SortError] before any SQL is built.
//
// A key may be a column of a to-one relation, named by its path: posts listed by
// their author's name are ordered by "Author.name" (allowed in [ParseSort] as
// "Author.name"), and the query joins the relation (orm's Select.Join("Author")). A
// LEFT JOIN makes such a key NULL for a post without an author, so it is paged as a
// nullable key; with InnerJoin only the column's own NULLs remain.
//
// # The keyset condition
//
// A page after a row with sort values (v1, v2, ...) asks for the rows that sort after
// it. When all directions agree and no key is nullable that is a row-value comparison,
// which PostgreSQL answers with one index range scan:
//
//	WHERE ("posts"."created_at", "posts"."id") > ($1, $2) ORDER BY "posts"."created_at", "posts"."id" LIMIT $3
//
// With mixed directions a row value would be wrong, so the condition is expanded,
// keeping a bound on the first key for the index:
//
//	"created_at" <= $1 AND ("created_at" < $2 OR ("created_at" = $3 AND "title" > $4) OR ...)
//
// Nullable sort columns (pointers, sql.Null*, pgtype types) are supported: NULLs sort
// where PostgreSQL puts them by default, last ascending and first descending, or where
// a key's NULLS FIRST / NULLS LAST says, and the condition places them explicitly
// (IS NULL / IS NOT NULL terms), so rows with NULL keys are reached like any other.
// Where the NULLs of the first key follow a non-NULL cursor value, the rows after it
// are two ranges of the index (the values, then the NULLs), so the page is sent as one
// SELECT per range joined by UNION ALL, each an index range scan from the cursor; deep
// pages stay as cheap as the first. Nullability comes from the Go type, so give NOT
// NULL columns non-pointer types: the row-value form needs NOT NULL keys.
//
// Values are always bound parameters, and so is LIMIT: pages of any size share one
// statement text. The page fetches Limit+1 rows to learn whether another page
// follows; there is no COUNT unless [Request.Count] asks for one (sent in the page's
// round trip). Paging backward ([Request.Before]) reverses the comparison and the
// ORDER BY, then the items are put back in order. A page that comes back empty after a
// cursor (its rows deleted meanwhile, or one page too far) still carries a cursor back
// to its own position, included: [Page.Prev] after an After, [Page.Next] after a
// Before.
//
// # Cursors
//
// A [Codec] makes the tokens of [Page.Next] and [Page.Prev]: base64url without padding,
// versioned, carrying the sort values with their types (integers, floats, text in any
// Unicode, bytes, timestamps to the nanosecond with their zone offset, uuids, numerics
// exactly) and a fingerprint of the order and model they were made for. A token used
// with another order or model, or malformed, truncated, oversized or forged, is a
// [*CursorError]: errors.Is(err, [ErrInvalidCursor]) holds, and nothing panics.
// Tokens are signed by default: a Codec needs a Key (HMAC-SHA256, checked before the
// token is parsed), or must say Unsigned to hand out tokens clients can edit; a
// request without one is [ErrNoKey], before anything is sent. A token is bound to its
// order and model, not to the query's conditions. Tokens stay valid across releases:
// a change that must invalidate them gets a new token version. [CursorFor] makes the cursor of a row in hand, for links into the
// middle of a list.
//
// # Offset pages
//
// [OffsetRequest] numbers pages, for small tables and admin screens that jump to page
// N. Offset pages are slow for deep pages (PostgreSQL reads and discards every skipped
// row) and unstable under concurrent writes; see [OffsetRequest].
//
// # Batches
//
// orm's Select.Batches and Select.Each walk a whole table in keyset batches, one
// statement per batch (plus the preloads), with no transaction or server-side cursor
// held between batches and one batch in memory.
package paginate
