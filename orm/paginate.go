package orm

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/batchorm/batchorm/internal/box"
	"github.com/batchorm/batchorm/internal/join"
	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/internal/sqlw"
	"github.com/batchorm/batchorm/paginate"
)

// Paginate returns one keyset page of the query: its rows after (or before) the
// request's cursor, whether more exist, and the cursors of the neighbouring pages. It
// sends one statement (WHERE <conditions> AND <keyset condition> ORDER BY ... LIMIT
// Limit+1, no COUNT; values and LIMIT bound, so pages of any size share one statement
// text) plus one round trip per preload depth, loaded for the page's rows only: a page
// deep in the table costs what the first page costs. With req.Count a COUNT of the
// query's rows goes in the same round trip as the page (see [paginate.Request.Count]
// for its price). Pages run where q's DB runs: on its pool, or on the transaction of
// a DB from [DB.WithTx] or [DB.Tx].
//
//	page, err := orm.Query[Post](db).Where(orm.Eq{"author_id": 7}).OrderBy("-created_at").
//		Paginate(ctx, paginate.Request{Limit: 20, After: r.URL.Query().Get("after")})
//
// The order is req.Order when set (made with [paginate.ParseSort] from a user's ?sort=
// or [paginate.OrderBy]), else the query's [Select.OrderBy] keys, else the primary key;
// the primary key is appended as tie-breaker, and cursors are bound to that final
// order. Setting both req.Order and OrderBy is an error, as is a query with Limit or
// Offset (the page sets them). Where, Join and Preload work as in [Select.All].
//
// A sort key may be a column of a joined to-one relation, as list screens sort by an
// author's or a customer's name:
//
//	orm.Query[Post](db).Join("Author").OrderBy("Author.name", "-created_at").Paginate(ctx, req)
//
// The relation must be joined by q ([Select.Join] or [Select.InnerJoin]; otherwise the
// error names the Join to add, before anything is sent). Under a LEFT JOIN the key is
// NULL for a row without the related row (or whose related row its scope leaves out,
// such as a soft-deleted author): such rows keep their place among the NULLs, last in
// ascending order unless the key says NULLS FIRST. Under InnerJoin only the column's
// own NULLs remain. Cursors carry the joined value, read from the joined struct.
//
// A bad cursor is an error for which errors.Is(err, paginate.ErrInvalidCursor) holds;
// a bad order one for which errors.Is(err, paginate.ErrInvalidSort) holds.
func (q Select[T]) Paginate(ctx context.Context, req paginate.Request) (page paginate.Page[T], err error) {
	ctx, op := q.startOp(ctx, "Paginate")
	defer func() { op.End(int64(len(page.Items)), err) }()
	if req.After != "" || req.Before != "" {
		ctx = querylog.Unguarded(ctx) // a step of a walk, not a loop over parents
	}
	items, nav, total, err := q.keysetPage(ctx, "Paginate", keysetRequest(req), req.Count)
	if err != nil {
		return paginate.Page[T]{}, err
	}
	return paginate.Page[T]{Items: items, HasNext: nav.HasNext, HasPrev: nav.HasPrev, Next: nav.Next, Prev: nav.Prev, Total: total}, nil
}

// keysetPage runs one keyset page of q for the call named call: one statement (two in
// one round trip with count) plus the preloads of the page's rows. total is -1
// without count.
func (q Select[T]) keysetPage(ctx context.Context, call string, req keyset.Request, count bool) ([]T, keyset.Nav, int64, error) {
	q = q.in(ctx)
	p, b, err := q.keysetQuery(call, req)
	if err != nil {
		return nil, keyset.Nav{}, 0, err
	}
	db, err := q.querier()
	if err != nil {
		return nil, keyset.Nav{}, 0, err
	}
	rows, total, err := q.fetchPage(ctx, db, b, p.Limit(), count)
	if err != nil {
		if cerr := p.CheckSent(err, b.args); cerr != err {
			return nil, keyset.Nav{}, 0, pageErr(call, cerr)
		}
		return nil, keyset.Nav{}, 0, err
	}
	items, nav, err := keyset.Cut(p, rows)
	if err != nil {
		return nil, keyset.Nav{}, 0, pageErr(call, err)
	}
	if err := q.preloadPage(ctx, db, b, items); err != nil {
		return nil, keyset.Nav{}, 0, err
	}
	return items, nav, total, nil
}

// keysetQuery checks req against q and builds the page's statement; nothing is sent.
func (q Select[T]) keysetQuery(call string, req keyset.Request) (*keyset.Plan, *built, error) {
	if err := q.err0(); err != nil {
		return nil, nil, err
	}
	var err error
	if req.Order, err = q.pageOrder(req.Order); err != nil {
		return nil, nil, pageErr(call, err)
	}
	if req.Order, err = q.bindOrder(req.Order); err != nil {
		return nil, nil, pageErr(call, err)
	}
	p, err := keyset.NewPlan(q.m, req)
	if err != nil {
		return nil, nil, pageErr(call, err)
	}
	b, err := q.pageQuery(p.Keys(), p.Limit(), -1, p)
	if err != nil {
		return nil, nil, err
	}
	return p, b, nil
}

// PaginateOffset returns page req.Page of the query, counted in pages of req.Size: one
// statement (OFFSET (Page-1)*Size LIMIT Size+1, both bound parameters), one more with
// req.Count (in the same round trip), plus one round trip per preload depth. Offset
// pages are for small tables and admin screens: PostgreSQL reads and discards every
// row before the page, so deep pages are slow (see [paginate.OffsetRequest]); walk
// anything large with [Select.Paginate]. The order is chosen as in Paginate.
func (q Select[T]) PaginateOffset(ctx context.Context, req paginate.OffsetRequest) (page paginate.OffsetPage[T], err error) {
	ctx, op := q.startOp(ctx, "PaginateOffset")
	defer func() { op.End(int64(len(page.Items)), err) }()
	q = q.in(ctx)
	p, b, err := q.offsetQuery(req)
	if err != nil {
		return paginate.OffsetPage[T]{}, err
	}
	db, err := q.querier()
	if err != nil {
		return paginate.OffsetPage[T]{}, err
	}
	rows, total, err := q.fetchPage(ctx, db, b, p.Limit(), req.Count)
	if err != nil {
		return paginate.OffsetPage[T]{}, err
	}
	items, more := keyset.CutOffset(p, rows)
	if err := q.preloadPage(ctx, db, b, items); err != nil {
		return paginate.OffsetPage[T]{}, err
	}
	return paginate.OffsetPage[T]{
		Items: items, Page: p.Page(), Size: p.Size(), HasNext: more, HasPrev: p.Page() > 1, Total: total,
	}, nil
}

// offsetQuery checks req against q and builds the page's statement; nothing is sent.
func (q Select[T]) offsetQuery(req paginate.OffsetRequest) (*keyset.OffsetPlan, *built, error) {
	if err := q.err0(); err != nil {
		return nil, nil, err
	}
	o, err := q.pageOrder(orderOf(req.Order))
	if err == nil {
		o, err = q.bindOrder(o)
	}
	if err != nil {
		return nil, nil, pageErr("PaginateOffset", err)
	}
	p, err := keyset.NewOffsetPlan(q.m, o, req.Page, req.Size)
	if err != nil {
		return nil, nil, pageErr("PaginateOffset", err)
	}
	b, err := q.pageQuery(p.Keys(), p.Limit(), p.Offset(), nil)
	if err != nil {
		return nil, nil, err
	}
	return p, b, nil
}

// Batches walks every row the query matches in keyset batches of size rows, in the
// query's order (OrderBy plus the primary key; the primary key alone by default):
//
//	for batch, err := range orm.Query[User](db).Preload("Roles").Batches(ctx, 1000) {
//		if err != nil { return err }
//		// handle up to 1000 users, their roles loaded
//	}
//
// Each batch is one keyset page, sent when the loop asks for it: one statement plus
// one round trip per preload depth, on whichever pool connection is free (or on the
// transaction of a DB made by [DB.WithTx] or inside [DB.Tx]). No transaction and no
// server-side cursor is held between batches, and memory is one batch, so the table
// may be any size. Each row is yielded at most once, also while rows are inserted or
// deleted meanwhile (rows inserted behind the walk's position are not seen, those
// ahead of it are); a row whose sort key is updated during the walk may be missed or
// seen twice. Breaking out of the loop stops the walk; an error is yielded once, with
// a nil batch, and ends it.
func (q Select[T]) Batches(ctx context.Context, size int) iter.Seq2[[]T, error] {
	fail := func(err error) iter.Seq2[[]T, error] {
		return func(yield func([]T, error) bool) { yield(nil, err) }
	}
	if err := q.err0(); err != nil {
		return fail(err)
	}
	if size <= 0 {
		return fail(fmt.Errorf("orm: Batches: batch size %d must be positive", size))
	}
	o, err := q.pageOrder(keyset.Order{})
	if err != nil {
		return fail(pageErr("Batches", err))
	}
	walk := q
	walk.order = nil
	return keyset.Walk(ctx, func(ctx context.Context, after string) (items []T, nav keyset.Nav, err error) {
		if after != "" {
			ctx = querylog.Unguarded(ctx) // the walk's next batch, not a loop over parents
		}
		req := keyset.Request{Order: o, Limit: size, After: after, Codec: keyset.WalkCodec}
		ctx, op := walk.startOp(ctx, "Batches")
		defer func() {
			if op.Live() {
				if p := recover(); p != nil { // from a column's Scan: end the span, go on
					op.EndPanicked()
					panic(p)
				}
			}
			op.End(int64(len(items)), err)
		}()
		items, nav, _, err = walk.keysetPage(ctx, "Batches", req, false)
		return items, nav, err
	})
}

// Each calls fn for every row the query matches, walking them in batches of size rows
// as [Select.Batches] does. It stops at the first error, from the database or from fn,
// and returns it.
func (q Select[T]) Each(ctx context.Context, size int, fn func(item T) error) error {
	if fn == nil {
		return errors.New("orm: Each: nil function")
	}
	for batch, err := range q.Batches(ctx, size) {
		if err != nil {
			return err
		}
		for _, item := range batch {
			if err := fn(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageOrder returns the order a page of q uses: given (from the request), or q's
// OrderBy keys, with the primary key as tie-breaker.
func (q Select[T]) pageOrder(given keyset.Order) (keyset.Order, error) {
	if q.limit >= 0 || q.offset >= 0 {
		return keyset.Order{}, errors.New("the query has a Limit or Offset; the page sets them")
	}
	if !given.IsZero() {
		if len(q.order) > 0 {
			return keyset.Order{}, errors.New("order given both by OrderBy and by the request")
		}
		return keyset.For(q.m, given)
	}
	return keyset.OrderBy(q.m, q.order)
}

// keysetRequest returns req as the page machinery takes it.
func keysetRequest(req paginate.Request) keyset.Request {
	return keyset.Request{Order: orderOf(req.Order), Limit: req.Limit, After: req.After, Before: req.Before, Codec: (*keyset.Codec)(req.Codec)}
}

// orderOf returns the validated order a paginate.Order carries (zero when not set).
func orderOf(o paginate.Order) keyset.Order {
	ko, _ := box.Get[keyset.Order](o)
	return ko
}

// pageError is a page request orm refused. Its message names the call once
// ("orm: Paginate: invalid cursor: bad signature"); errors.Is and errors.As reach
// paginate's error ([paginate.ErrInvalidCursor], *paginate.CursorError, ...).
type pageError struct {
	msg string
	err error
}

func (e *pageError) Error() string { return e.msg }
func (e *pageError) Unwrap() error { return e.err }

// pageErr returns err, from the page machinery, as the error of the call: cursor and
// sort errors as paginate's types (the same fields).
func pageErr(call string, err error) error {
	msg := "orm: " + call + ": " + err.Error()
	switch e := err.(type) {
	case *keyset.CursorError:
		return &pageError{msg: msg, err: (*paginate.CursorError)(e)}
	case *keyset.SortError:
		return &pageError{msg: msg, err: (*paginate.SortError)(e)}
	}
	return &pageError{msg: msg, err: err}
}

// pageQuery builds q as one page: ordered by keys, with limit, offset and the keyset
// condition of keyset (nil for an offset page), selecting the sort columns even when
// Columns restricts the list.
func (q Select[T]) pageQuery(keys []keyset.Key, limit int, offset int64, plan *keyset.Plan) (*built, error) {
	pq := q
	pq.order = make([]string, len(keys))
	names := make([]string, 0, len(keys))
	for i, k := range keys {
		pq.order[i] = k.String()
		if k.Path == "" { // joined columns are always selected
			names = append(names, k.Col.Name)
		}
	}
	pq.limit, pq.offset, pq.keyset = int64(limit), offset, plan
	if len(q.cols) > 0 {
		pq = pq.Columns(names...)
	}
	return pq.build()
}

// fetchPage runs a page's statement b, and with count the query's COUNT in the same
// round trip; total is -1 without count.
func (q Select[T]) fetchPage(ctx context.Context, db Querier, b *built, limit int, count bool) ([]T, int64, error) {
	if !count {
		rows, err := fetch[T](ctx, db, b, int64(limit))
		return rows, -1, err
	}
	sql, args, err := q.countSQL()
	if err != nil {
		return nil, 0, err
	}
	return fetchCounted[T](ctx, db, b, int64(limit), sql, args)
}

// preloadPage loads b's preloads for a page's items: one round trip per depth.
func (q Select[T]) preloadPage(ctx context.Context, db Querier, b *built, items []T) error {
	if b.plan == nil || len(items) == 0 {
		return nil
	}
	if err := b.plan.Load(ctx, db, items); err != nil {
		return fmt.Errorf("orm: %w", err)
	}
	return nil
}

// applyKeyset adds the page's keyset condition to st: ANDed to its conditions, or as
// UNION ALL branches sorted again by output position among cols and jp's columns.
func (q Select[T]) applyKeyset(st *sqlw.Select, cols []*model.Column, jp *join.Plan) {
	q.keyset.Apply(st, keyPosition(cols, jp))
}
