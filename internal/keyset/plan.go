package keyset

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// DefaultLimit is the page size of a Request whose Limit is 0 (paginate exports it).
const DefaultLimit = 20

// maxLimit keeps Limit+1 and slice capacities far from overflow.
const maxLimit = 1 << 30

// Request is one keyset page request, as orm receives it in a paginate.Request.
type Request struct {
	Order  Order // zero: the model's primary key
	Limit  int   // 0: DefaultLimit
	After  string
	Before string
	Codec  *Codec // nil: ErrNoKey
}

// Plan is a keyset page request checked against its model, its cursor decoded: the
// condition, ORDER BY and LIMIT to send, and how to cut the rows that come back.
type Plan struct {
	order    Order // the order of the page (as requested)
	send     Order // the order to send: reversed when paging backward
	limit    int
	backward bool
	cursor   []any // decoded position; nil on the first page
	included bool  // the page includes the cursor's row (a token an empty page made)
	codec    *Codec
}

// NewPlan checks req against m and decodes its cursor: a bad cursor is a
// *CursorError, an order made for another model a *SortError. Nothing is sent.
func NewPlan(m *model.Model, req Request) (*Plan, error) {
	o, err := For(m, req.Order)
	if err != nil {
		return nil, err
	}
	p := &Plan{order: o, send: o, limit: req.Limit, codec: req.Codec}
	if err := req.Codec.Check(); err != nil { // before anything is sent, not when a cursor is made
		return nil, err
	}
	switch {
	case req.Limit < 0:
		return nil, fmt.Errorf("negative Limit %d", req.Limit)
	case req.Limit == 0:
		p.limit = DefaultLimit
	case req.Limit > maxLimit:
		return nil, fmt.Errorf("Limit %d exceeds %d", req.Limit, maxLimit)
	}
	if req.After != "" && req.Before != "" {
		return nil, cursorErr("both After and Before are set")
	}
	token := req.After
	if req.Before != "" {
		token, p.backward = req.Before, true
		p.send = o.Reverse()
	}
	if token != "" {
		if p.cursor, p.included, err = req.Codec.Decode(o, token); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Limit returns the number of rows to fetch: the page size plus one, to learn whether
// more exist without a COUNT.
func (p *Plan) Limit() int { return p.limit + 1 }

// Keys returns the order to send, reversed when paging backward.
func (p *Plan) Keys() []Key { return p.send.Keys() }

// Apply adds the page's keyset condition to st: ANDed to its conditions, or, when the
// condition is two index ranges, as st's UNION ALL branches sorted again by output
// position (position returns the 1-based position of a column, by name, in st's
// select list). On a first page there is no condition.
func (p *Plan) Apply(st *sqlw.Select, position func(column string) int) {
	if p.cursor == nil {
		return
	}
	c := &cond{keys: p.send.Keys(), vals: p.cursor, included: p.included}
	if !c.split() {
		st.Where = append(slices.Clip(st.Where), sqlw.Func(c.write))
		return
	}
	st.Branches = [][]sqlw.Cond{{sqlw.Func(c.write)}, {sqlw.Func(c.writeNulls)}}
	keys := p.send.Keys()
	st.BranchOrderBy = make([]string, len(keys))
	for i, k := range keys {
		st.BranchOrderBy[i] = strconv.Itoa(position(k.Name())) + model.OrderSuffix(k.Desc, k.NullsFirst)
	}
}

// Nav is where a page stands: whether rows follow and precede it, and the cursors of
// its neighbours (see paginate.Page).
type Nav struct {
	HasNext, HasPrev bool
	Next, Prev       string
}

// Cut cuts rows, fetched with p's condition, order and limit, into a page: it drops the
// extra row, restores the order's direction when paging backward, and makes the
// cursors from the first and last items. T must be the model p was made for.
func Cut[T any](p *Plan, rows []T) ([]T, Nav, error) {
	m := p.order.Model()
	if reflect.TypeFor[T]() != m.Type {
		return nil, Nav{}, fmt.Errorf("page of %v for an order on %s", reflect.TypeFor[T](), m.Name)
	}
	more := len(rows) > p.limit
	if more {
		rows = rows[:p.limit]
	}
	rows = slices.Clip(rows)
	var nav Nav
	if p.backward {
		slices.Reverse(rows)
		nav.HasNext, nav.HasPrev = true, more
	} else {
		nav.HasNext, nav.HasPrev = more, p.cursor != nil
	}
	var err error
	if len(rows) == 0 {
		if err := p.stepBack(&nav); err != nil {
			return nil, Nav{}, err
		}
		return rows, nav, nil
	}
	if nav.HasNext {
		if nav.Next, err = CursorAt(p.codec, p.order, unsafe.Pointer(&rows[len(rows)-1])); err != nil {
			return nil, Nav{}, err
		}
	}
	if nav.HasPrev {
		if nav.Prev, err = CursorAt(p.codec, p.order, unsafe.Pointer(&rows[0])); err != nil {
			return nil, Nav{}, err
		}
	}
	return rows, nav, nil
}

// stepBack gives an empty page asked for with a cursor (the rows past it were deleted,
// or a client went one page too far) the cursor's own position, included, so the
// client can step back: as Prev after an After, as Next after a Before.
func (p *Plan) stepBack(nav *Nav) error {
	if p.cursor == nil {
		return nil
	}
	back, err := p.codec.Encode(p.order, p.cursor, true)
	if err != nil {
		return err
	}
	if p.backward {
		nav.Next = back
	} else {
		nav.Prev = back
	}
	return nil
}

// CursorAt encodes the position in o of the struct at base, a value of o's model.
func CursorAt(c *Codec, o Order, base unsafe.Pointer) (string, error) {
	keys := o.Keys()
	vals := make([]any, len(keys))
	for i, k := range keys {
		v, err := k.read(base)
		if err != nil {
			return "", fmt.Errorf("read sort key %s: %w", k.Name(), err)
		}
		vals[i] = v
	}
	return c.Encode(o, vals, false)
}

// encodeFailureRe matches pgx's error for an argument it could not encode for the
// parameter type PostgreSQL gave it.
var encodeFailureRe = regexp.MustCompile(`failed to encode args\[(\d+)\]`)

// CheckSent turns err, from sending the page's statement with args, into a
// *CursorError when it says the driver could not encode one of the cursor's values for
// its column: a value the Go field holds but the column's type does not (2^40 in an
// int field over an integer column), which only a crafted unsigned token carries.
// The statement was not run. Other errors come back as they are.
func (p *Plan) CheckSent(err error, args []any) error {
	if err == nil || p.cursor == nil {
		return err
	}
	m := encodeFailureRe.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	i, convErr := strconv.Atoi(m[1])
	if convErr != nil || i >= len(args) {
		return err
	}
	for _, v := range p.cursor {
		if v != nil && reflect.DeepEqual(v, args[i]) {
			return &CursorError{Reason: fmt.Sprintf("value %v does not fit its column", v)}
		}
	}
	return err
}
