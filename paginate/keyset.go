package paginate

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
)

// DefaultLimit is the page size used when [Request.Limit] is 0.
const DefaultLimit = 20

// Request asks for one keyset page. Limit and the cursors usually come from the
// client; clamp Limit to what your API allows before building the Request.
type Request struct {
	// Order is the order to page in; the cursors are bound to it. Zero: orm's
	// Select.Paginate uses the query's OrderBy (plus the primary key); [Keyset] and
	// [NewPlan] use the primary key.
	Order Order
	// Limit is the page size. Default (0): DefaultLimit. Negative is an error.
	Limit int
	// After asks for the page that follows the row this cursor points at (a
	// [Page.Next]). Empty, with Before empty too: the first page.
	After string
	// Before asks for the page that precedes the row this cursor points at (a
	// [Page.Prev]). After and Before cannot both be set.
	Before string
	// Codec decodes the request's cursor and encodes the page's. Default (nil): the
	// zero Codec, unsigned tokens.
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
	// empty After asks for the first page again. ([Batches] and orm's Select.Batches do
	// the loop.)
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

// Plan is one keyset page request resolved against its order: the condition, ORDER BY
// and LIMIT to send, and how to cut the rows that come back into a [Page]. Engines that
// build their own SELECT (orm's Select.Paginate, hand-written SQL) use it; most code
// calls [Keyset] or Select.Paginate, which do all of this.
//
//	p, err := paginate.NewPlan[Post](req)
//	cond, args := p.Where("posts") // "" on the first page; '?' placeholders, as squirrel takes them
//	sb := sq.Select(cols...).From("posts").PlaceholderFormat(sq.Dollar).
//		OrderBy(p.OrderBy("posts")...).Limit(uint64(p.Limit()))
//	if cond != "" {
//		sb = sb.Where(cond, args...)
//	}
//	rows := ... // run sb, scan at most p.Limit() rows into []Post
//	page, err := paginate.NewPage(p, rows)
type Plan struct {
	order    Order // the order of the page (as requested)
	send     Order // the order to send: reversed when paging backward
	limit    int
	backward bool
	cursor   []any // decoded position; nil on the first page
	included bool  // the page includes the cursor's row (a token an empty page made)
	codec    *Codec
}

// NewPlan checks req against the model T (rows are scanned into T) and decodes its
// cursor. A zero req.Order pages by T's primary key. A bad cursor is a [*CursorError]
// (errors.Is(err, ErrInvalidCursor)); an order made for another model a [*SortError].
func NewPlan[T any](req Request) (*Plan, error) {
	var err error
	if req.Order, err = orderFor[T](req.Order); err != nil {
		return nil, err
	}
	p := &Plan{order: req.Order, send: req.Order, limit: req.Limit, codec: req.Codec}
	switch {
	case req.Limit < 0:
		return nil, fmt.Errorf("paginate: negative Limit %d", req.Limit)
	case req.Limit == 0:
		p.limit = DefaultLimit
	case req.Limit > maxLimit:
		return nil, fmt.Errorf("paginate: Limit %d exceeds %d", req.Limit, maxLimit)
	}
	if req.After != "" && req.Before != "" {
		return nil, fmt.Errorf("paginate: both After and Before are set: %w", ErrInvalidCursor)
	}
	token := req.After
	if req.Before != "" {
		token, p.backward = req.Before, true
		p.send = req.Order.Reverse()
	}
	if token != "" {
		vals, included, err := req.Codec.decode(req.Order, token)
		if err != nil {
			return nil, err
		}
		p.cursor, p.included = vals, included
	}
	return p, nil
}

// maxLimit keeps Limit+1 and slice capacities far from overflow.
const maxLimit = 1 << 30

// Limit returns the number of rows to fetch: the page size plus one, to learn whether
// more exist without a COUNT.
func (p *Plan) Limit() int { return p.limit + 1 }

// Keys returns the order to send, reversed when paging backward.
func (p *Plan) Keys() []Key { return p.send.Keys() }

// OrderBy returns the ORDER BY terms to send, with columns qualified by qualifier (a
// table name or alias, quoted here; "" for bare column names).
func (p *Plan) OrderBy(qualifier string) []string {
	prefix := qualifierPrefix(qualifier)
	out := make([]string, len(p.send.keys))
	for i, k := range p.send.keys {
		out[i] = prefix + k.col.Quoted + model.OrderSuffix(k.desc, k.nullsFirst)
	}
	return out
}

// OrderByPosition returns the ORDER BY terms to send as output column positions
// ("4 DESC"), for sorting the union of [Plan.Branches]: position returns the 1-based
// position of a sort column (by name) in the select list.
func (p *Plan) OrderByPosition(position func(column string) int) []string {
	out := make([]string, len(p.send.keys))
	for i, k := range p.send.keys {
		out[i] = strconv.Itoa(position(k.col.Name)) + model.OrderSuffix(k.desc, k.nullsFirst)
	}
	return out
}

// Where returns the keyset condition with '?' placeholders and its arguments, columns
// qualified as in [Plan.OrderBy]; "" and nil on a first page. AND it with the query's
// other conditions. It is [Plan.Branches] joined with OR: correct, but when there are
// two branches PostgreSQL cannot bound its index scan by it.
func (p *Plan) Where(qualifier string) (string, []any) {
	conds, args := p.Branches(qualifier)
	switch len(conds) {
	case 0:
		return "", nil
	case 1:
		return conds[0], args[0]
	}
	return "(" + conds[0] + ") OR (" + conds[1] + ")", append(slices.Clip(args[0]), args[1]...)
}

// Branches returns the keyset condition as one or two branches, each with '?'
// placeholders and its arguments; none on a first page. One branch is the condition.
// Two come when the leading sort key is nullable, sorts NULLs after the cursor and the
// cursor's value is not NULL: the rows after the cursor are then the non-NULL values
// from the cursor on and the NULLs, two ranges of an index on the order but not one.
// Send one SELECT per branch, each with its ORDER BY and LIMIT, joined by UNION ALL
// and sorted again under the same LIMIT, so that each is an index range scan starting
// at the cursor; their OR would make PostgreSQL read every row before the cursor.
func (p *Plan) Branches(qualifier string) (conds []string, args [][]any) {
	if p.cursor == nil {
		return nil, nil
	}
	return keysetCond(qualifier, p.send.keys, p.cursor, p.included)
}

// qualifierPrefix returns the quoted qualifier and a dot, or "" for none.
func qualifierPrefix(qualifier string) string {
	if qualifier == "" {
		return ""
	}
	return model.QuoteIdent(qualifier) + "."
}

// NewPage cuts rows, fetched with p's condition, order and limit, into a page: it drops
// the extra row, restores the order's direction when paging backward, and makes the
// cursors from the first and last items. T must be the model p's order was made for.
func NewPage[T any](p *Plan, rows []T) (Page[T], error) {
	if reflect.TypeFor[T]() != p.order.m.Type {
		return Page[T]{}, fmt.Errorf("paginate: page of %v for an order on %s", reflect.TypeFor[T](), p.order.m.Name)
	}
	more := len(rows) > p.limit
	if more {
		rows = rows[:p.limit]
	}
	rows = slices.Clip(rows)
	if p.backward {
		slices.Reverse(rows)
	}
	page := Page[T]{Items: rows, Total: -1}
	if p.backward {
		page.HasNext, page.HasPrev = true, more
	} else {
		page.HasNext, page.HasPrev = more, p.cursor != nil
	}
	var err error
	if len(rows) == 0 {
		// An empty page asked for with a cursor (the rows past it were deleted, or a
		// client went one page too far) hands back its own position, included, so the
		// client can step back: Prev after an After, Next after a Before.
		if p.cursor != nil {
			back, err := p.codec.encode(p.order, p.cursor, true)
			if err != nil {
				return Page[T]{}, err
			}
			if p.backward {
				page.Next = back
			} else {
				page.Prev = back
			}
		}
		return page, nil
	}
	if page.HasNext {
		if page.Next, err = cursorOf(p, unsafe.Pointer(&rows[len(rows)-1])); err != nil {
			return Page[T]{}, err
		}
	}
	if page.HasPrev {
		if page.Prev, err = cursorOf(p, unsafe.Pointer(&rows[0])); err != nil {
			return Page[T]{}, err
		}
	}
	return page, nil
}

// cursorOf encodes the position of the item at base.
func cursorOf(p *Plan, base unsafe.Pointer) (string, error) {
	return encodeAt(p.codec, p.order, base)
}

// CursorFor returns the token of row's position in order o (zero: T's primary key),
// made with c: pass it as [Request.After] for the page that follows row, or as
// [Request.Before] for the one before it. It serves links into the middle of a list
// ("the posts after this one") without walking there. row must be of the model o was
// made for; its sort-key fields must be set.
func CursorFor[T any](c *Codec, o Order, row *T) (string, error) {
	o, err := orderFor[T](o)
	if err != nil {
		return "", err
	}
	if row == nil {
		return "", errors.New("paginate: CursorFor: nil row")
	}
	return encodeAt(c, o, unsafe.Pointer(row))
}

// encodeAt encodes the position of the struct at base in o.
func encodeAt(c *Codec, o Order, base unsafe.Pointer) (string, error) {
	vals := make([]any, len(o.keys))
	for i, k := range o.keys {
		v, err := readValue(k.col, k.kind, base)
		if err != nil {
			return "", fmt.Errorf("paginate: read sort key %s: %w", k.col.Name, err)
		}
		vals[i] = v
	}
	return c.Encode(o, vals)
}

// keysetCond renders "the row comes after vals in keys": a row-value comparison
// (a, b) > (?, ?) when every key is NOT NULL and all directions agree, else the
// expanded form
//
//	a >= ? AND (a > ? OR (a = ? AND b < ?) OR ...)
//
// with a leading bound on the first key for index range scans, and NULLs placed where
// each key puts them. When NULLs of the first key sort after a non-NULL cursor value
// the bound would exclude them, so they come back as a second branch, "a IS NULL"
// (see [Plan.Branches]).
func keysetCond(qualifier string, keys []sortKey, vals []any, included bool) ([]string, [][]any) {
	prefix := qualifierPrefix(qualifier)
	var b strings.Builder
	col := func(i int) { b.WriteString(prefix); b.WriteString(keys[i].col.Quoted) }
	if rowValueOK(keys) {
		op := " > "
		if keys[0].desc {
			op = " < "
		}
		if included {
			op = op[:2] + "= "
		}
		if len(keys) == 1 {
			col(0)
			b.WriteString(op)
			b.WriteByte('?')
			return []string{b.String()}, [][]any{{vals[0]}}
		}
		b.WriteByte('(')
		for i := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			col(i)
		}
		b.WriteByte(')')
		b.WriteString(op)
		b.WriteByte('(')
		b.WriteString(strings.Repeat(", ?", len(keys))[2:])
		b.WriteByte(')')
		return []string{b.String()}, [][]any{slices.Clone(vals)}
	}
	split := keys[0].nullable && !keys[0].nullsFirst && vals[0] != nil
	bound := vals[0] != nil && (!keys[0].nullable || keys[0].nullsFirst || split)
	args := make([]any, 0, len(keys)*(len(keys)+3)/2+1)
	if bound {
		col(0)
		if keys[0].desc {
			b.WriteString(" <= ? AND ")
		} else {
			b.WriteString(" >= ? AND ")
		}
		args = append(args, vals[0])
	}
	b.WriteByte('(')
	terms := 0
	equal := func(j int) { // "col = ?" or "col IS NULL"
		col(j)
		if vals[j] == nil {
			b.WriteString(" IS NULL")
		} else {
			b.WriteString(" = ?")
			args = append(args, vals[j])
		}
	}
	for i, k := range keys {
		if vals[i] == nil && !k.nullsFirst { // NULLs sort last: nothing comes after a NULL
			continue
		}
		if terms > 0 {
			b.WriteString(" OR ")
		}
		terms++
		if i > 0 {
			b.WriteByte('(')
		}
		for j := range i {
			equal(j)
			b.WriteString(" AND ")
		}
		args = writeAfter(&b, args, func() { col(i) }, k, vals[i], split && i == 0)
		if i > 0 {
			b.WriteByte(')')
		}
	}
	if included { // the cursor's row itself: every key equal (the order is total)
		if terms > 0 {
			b.WriteString(" OR ")
		}
		terms++
		b.WriteByte('(')
		for j := range keys {
			if j > 0 {
				b.WriteString(" AND ")
			}
			equal(j)
		}
		b.WriteByte(')')
	}
	if terms == 0 {
		return []string{"FALSE"}, [][]any{nil}
	}
	b.WriteByte(')')
	if split {
		return []string{b.String(), prefix + keys[0].col.Quoted + " IS NULL"}, [][]any{args, nil}
	}
	return []string{b.String()}, [][]any{args}
}

// writeAfter writes "col sorts strictly after v" for one key (col writes the column),
// which must not be a NULL sorting last (nothing is after it), and returns args with
// its argument. nonNull leaves out the NULLs that sort after v.
func writeAfter(b *strings.Builder, args []any, col func(), k sortKey, v any, nonNull bool) []any {
	if v == nil { // NULLs sort first: every non-NULL value is after
		col()
		b.WriteString(" IS NOT NULL")
		return args
	}
	op := " > ?"
	if k.desc {
		op = " < ?"
	}
	if k.nullable && !k.nullsFirst && !nonNull {
		b.WriteByte('(')
		col()
		b.WriteString(op)
		b.WriteString(" OR ")
		col()
		b.WriteString(" IS NULL)")
		return append(args, v)
	}
	col()
	b.WriteString(op)
	return append(args, v)
}

func rowValueOK(keys []sortKey) bool {
	for _, k := range keys {
		if k.nullable || k.desc != keys[0].desc {
			return false
		}
	}
	return true
}
