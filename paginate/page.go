package paginate

// DefaultLimit is the page size used when [Request.Limit] or [OffsetRequest.Size] is 0.
const DefaultLimit = 20

// Request asks orm's Select.Paginate for one keyset page. Limit and the cursors
// usually come from the client; clamp Limit to what your API allows before building
// the Request.
type Request struct {
	// Order is the order to page in; the cursors are bound to it. Zero: the query's
	// OrderBy (plus the primary key), else the primary key.
	Order Order
	// Limit is the page size. Default (0): DefaultLimit. Negative, or more than 2^30,
	// is an error.
	Limit int
	// After asks for the page that follows the row this cursor points at (a
	// [Page.Next]). Empty, with Before empty too: the first page.
	After string
	// Before asks for the page that precedes the row this cursor points at (a
	// [Page.Prev]). After and Before cannot both be set.
	Before string
	// Codec decodes the request's cursor and encodes the page's. Required: nil is
	// [ErrNoKey] (a Codec with a Key, or one that says Unsigned).
	Codec *Codec
	// Count asks for the number of rows the query matches, on every page (its
	// conditions without the cursor's), in [Page.Total]. It costs one more statement,
	// pipelined with the page's in the same round trip, but a COUNT reads every
	// matching row however deep the page: leave it off for large tables, or ask only
	// on the first page. Default: false.
	Count bool
}

// Page is one page of a keyset walk.
type Page[T any] struct {
	// Items are the page's rows in the order's direction, also when paging backward.
	Items []T
	// HasNext reports that rows follow this page: fetched as Limit+1 when paging
	// forward, and true when the page was asked for with Before.
	HasNext bool
	// HasPrev reports that rows precede this page: true when the page was asked for
	// with After, fetched as Limit+1 when paging backward.
	HasPrev bool
	// Next is the cursor to pass as [Request.After] for the following page; set when
	// HasNext and the page has items, and on an empty page asked for with Before (then
	// it points at that cursor's own row, included). Loop on HasNext, not on Next: an
	// empty After asks for the first page again. (orm's Select.Batches and Select.Each
	// do the loop.)
	Next string
	// Prev is the cursor to pass as [Request.Before] for the preceding page; set when
	// HasPrev and the page has items, and on an empty page asked for with After (the
	// rows past the cursor were deleted, or the client went one page too far): then it
	// points at that cursor's own row, included, so stepping back shows the page that
	// ended there.
	Prev string
	// Total is the number of rows the query matches when [Request.Count] was set;
	// else -1.
	Total int64
}

// OffsetRequest asks orm's Select.PaginateOffset for one page by number, for small
// tables and admin screens that jump to page N. It is slow for deep pages: PostgreSQL
// reads and throws away every row before the page, so page N costs as much as pages 1
// to N together, and rows inserted or deleted meanwhile shift pages (a row can be
// shown twice or never). Use a keyset [Request] for anything a client walks through.
type OffsetRequest struct {
	// Order is the order to page in. Zero: the query's OrderBy (plus the primary key),
	// else the primary key.
	Order Order
	// Page is the page number, from 1. Default (0): 1. Negative is an error.
	Page int
	// Size is the page size. Default (0): DefaultLimit. Negative is an error.
	Size int
	// Count asks for the number of matching rows in [OffsetPage.Total], at the price
	// of one more statement (a COUNT over every matching row), pipelined with the
	// page's in the same round trip. Default: false.
	Count bool
}

// OffsetPage is one page of an offset walk.
type OffsetPage[T any] struct {
	Items   []T   // the page's rows, in order
	Page    int   // the page number, from 1
	Size    int   // the page size
	HasNext bool  // rows follow this page (fetched as Size+1)
	HasPrev bool  // Page > 1
	Total   int64 // matching rows when [OffsetRequest.Count] was set; else -1
}
