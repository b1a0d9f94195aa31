package keyset

import (
	"fmt"
	"math"
	"slices"

	"github.com/batchorm/batchorm/internal/model"
)

// OffsetPlan is an offset page request checked against its order: the ORDER BY,
// OFFSET and LIMIT to send.
type OffsetPlan struct {
	order      Order
	page, size int
}

// NewOffsetPlan checks an offset page request against m: o (zero: m's primary key),
// page from 1 (0: 1), size (0: DefaultLimit).
func NewOffsetPlan(m *model.Model, o Order, page, size int) (*OffsetPlan, error) {
	o, err := For(m, o)
	if err != nil {
		return nil, err
	}
	p := &OffsetPlan{order: o, page: page, size: size}
	if p.page == 0 {
		p.page = 1
	}
	if p.size == 0 {
		p.size = DefaultLimit
	}
	switch {
	case p.page < 0:
		return nil, fmt.Errorf("negative Page %d", page)
	case p.size < 0:
		return nil, fmt.Errorf("negative Size %d", size)
	case p.size > maxLimit:
		return nil, fmt.Errorf("Size %d exceeds %d", p.size, maxLimit)
	case int64(p.page-1) > math.MaxInt64/int64(p.size):
		return nil, fmt.Errorf("Page %d is out of range", p.page)
	}
	return p, nil
}

// Keys returns the order to send.
func (p *OffsetPlan) Keys() []Key { return p.order.Keys() }

// Offset returns the number of rows to skip.
func (p *OffsetPlan) Offset() int64 { return int64(p.page-1) * int64(p.size) }

// Limit returns the number of rows to fetch: the page size plus one.
func (p *OffsetPlan) Limit() int { return p.size + 1 }

// Page returns the page number, from 1.
func (p *OffsetPlan) Page() int { return p.page }

// Size returns the page size.
func (p *OffsetPlan) Size() int { return p.size }

// CutOffset drops the extra row of rows, fetched with p's order, offset and limit, and
// reports whether it was there: whether rows follow the page.
func CutOffset[T any](p *OffsetPlan, rows []T) ([]T, bool) {
	more := len(rows) > p.size
	if more {
		rows = rows[:p.size]
	}
	return slices.Clip(rows), more
}
