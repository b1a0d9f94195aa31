package paginate

import (
	"fmt"
	"math"
	"reflect"
	"slices"
)

// OffsetRequest asks for one page by number, for small tables and admin screens that
// jump to page N. It is slow for deep pages: PostgreSQL reads and throws away every
// row before the page, so page N costs as much as pages 1 to N together, and rows
// inserted or deleted meanwhile shift pages (a row can be shown twice or never). Use a
// keyset [Request] for anything a client walks through.
type OffsetRequest struct {
	// Order is the order to page in. Zero: orm's Select.PaginateOffset uses the query's
	// OrderBy (plus the primary key); [Offset] and [NewOffsetPlan] use the primary key.
	Order Order
	// Page is the page number, from 1. Default (0): 1. Negative is an error.
	Page int
	// Size is the page size. Default (0): DefaultLimit. Negative is an error.
	Size int
	// Count asks for the number of matching rows in [OffsetPage.Total], at the price
	// of one more statement (a COUNT over every matching row). Default: false.
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

// OffsetPlan is an [OffsetRequest] checked against its order: the ORDER BY, OFFSET and
// LIMIT to send. Like [Plan], it serves engines that build their own SELECT.
type OffsetPlan struct {
	order      Order
	page, size int
}

// NewOffsetPlan checks req against the model T; a zero req.Order pages by T's primary
// key.
func NewOffsetPlan[T any](req OffsetRequest) (*OffsetPlan, error) {
	var err error
	if req.Order, err = orderFor[T](req.Order); err != nil {
		return nil, err
	}
	p := &OffsetPlan{order: req.Order, page: req.Page, size: req.Size}
	if p.page == 0 {
		p.page = 1
	}
	if p.size == 0 {
		p.size = DefaultLimit
	}
	switch {
	case p.page < 0:
		return nil, fmt.Errorf("paginate: negative Page %d", req.Page)
	case p.size < 0:
		return nil, fmt.Errorf("paginate: negative Size %d", req.Size)
	case p.size > maxLimit:
		return nil, fmt.Errorf("paginate: Size %d exceeds %d", p.size, maxLimit)
	case int64(p.page-1) > math.MaxInt64/int64(p.size):
		return nil, fmt.Errorf("paginate: Page %d is out of range", p.page)
	}
	return p, nil
}

// Keys returns the order to send.
func (p *OffsetPlan) Keys() []Key { return p.order.Keys() }

// OrderBy returns the ORDER BY terms, qualified as in [Plan.OrderBy].
func (p *OffsetPlan) OrderBy(qualifier string) []string {
	return (&Plan{send: p.order}).OrderBy(qualifier)
}

// Offset returns the number of rows to skip.
func (p *OffsetPlan) Offset() int64 { return int64(p.page-1) * int64(p.size) }

// Limit returns the number of rows to fetch: the page size plus one.
func (p *OffsetPlan) Limit() int { return p.size + 1 }

// NewOffsetPage cuts rows fetched with p's order, offset and limit into a page; total
// is the COUNT when one was run, else -1.
func NewOffsetPage[T any](p *OffsetPlan, rows []T, total int64) (OffsetPage[T], error) {
	if reflect.TypeFor[T]() != p.order.m.Type {
		return OffsetPage[T]{}, fmt.Errorf("paginate: page of %v for an order on %s", reflect.TypeFor[T](), p.order.m.Name)
	}
	more := len(rows) > p.size
	if more {
		rows = rows[:p.size]
	}
	return OffsetPage[T]{
		Items: slices.Clip(rows), Page: p.page, Size: p.size,
		HasNext: more, HasPrev: p.page > 1, Total: total,
	}, nil
}
