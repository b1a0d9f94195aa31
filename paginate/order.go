package paginate

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/batchorm/batchorm/internal/model"
)

// Limits on a user-supplied sort spec, checked before anything else.
const (
	// MaxSortSpecLen is the longest spec [ParseSort] reads, in bytes.
	MaxSortSpecLen = 256
	// MaxSortKeys is the most fields a spec may name.
	MaxSortKeys = 8
)

// Order is a validated sort order over the columns of one model, made by [OrderBy] or
// [ParseSort]. It always ends with the primary key (appended as tie-breaker when the
// given fields do not already include it), so it is a total order and every row has
// exactly one position. Order is an immutable value, safe to share.
//
// The zero Order means "not set": [Select.Paginate] then uses the query's OrderBy, and
// [Keyset] the primary key.
//
// NULLs sort where PostgreSQL puts them by default, which is also where a plain
// B-tree index yields them: last in ascending order, first in descending order. A key
// written with NULLS FIRST or NULLS LAST ([OrderBy]) puts them there instead; an index
// scan then needs an index declared with the same placement. Either way rows with NULL
// keys are paged like any other, never skipped.
type Order struct {
	m    *model.Model
	keys []sortKey
	fp   [8]byte // fingerprint binding cursors to this order
}

type sortKey struct {
	col        *model.Column
	desc       bool
	nullsFirst bool // where NULLs sort; for a column that cannot hold NULL, desc
	nullable   bool
	kind       kind
	lo         int64  // integer kinds: smallest value of the Go type
	hi         uint64 // integer kinds: largest value of the Go type
}

// Key is one sort key of an [Order].
type Key struct {
	Column     string // column name
	Desc       bool   // descending
	NullsFirst bool   // NULLs sort first (PostgreSQL's default: for descending keys)
}

// String returns the key as [OrderBy] reads it: "created_at", "-created_at", and
// " NULLS FIRST" or " NULLS LAST" after it where NULLs do not sort in PostgreSQL's
// default place for the direction.
func (k Key) String() string {
	s := k.Column
	if k.Desc {
		s = "-" + s
	}
	switch {
	case k.NullsFirst && !k.Desc:
		s += " NULLS FIRST"
	case !k.NullsFirst && k.Desc:
		s += " NULLS LAST"
	}
	return s
}

// OrderBy returns the order over T's columns given by keys, each a field or column name
// optionally prefixed with "-" or followed by " DESC" / " ASC", then optionally
// " NULLS FIRST" / " NULLS LAST" (the syntax of orm's Select.OrderBy), with T's primary key appended as tie-breaker when the keys do
// not include it; the tie-breaker takes the direction of the last key, so that
// (created_at DESC, id DESC) can use an index on (created_at, id). No keys: the primary
// key, ascending. OrderBy is for keys written in code; parse keys that come from users
// with [ParseSort].
//
// The error is a [*SortError] (errors.Is(err, ErrInvalidSort)) for an unknown column, a
// column used twice, a column type a cursor cannot carry, or a model without a primary
// key.
func OrderBy[T any](keys ...string) (Order, error) {
	m, err := model.Of[T]()
	if err != nil {
		return Order{}, fmt.Errorf("paginate: %w", err)
	}
	ck := orderCacheKey{m: m, keys: strings.Join(keys, "\x00")}
	if o, ok := orderCache.Load(ck); ok {
		return o.(Order), nil
	}
	o, err := orderBy(m, keys)
	if err == nil && orderCacheLen.Add(1) <= maxCachedOrders {
		orderCache.Store(ck, o)
	}
	return o, err
}

// Orders made by OrderBy are cached per model and keys, as they come from code and so
// are few; the cap keeps a misuse with user input from growing the cache without
// bound. ParseSort's results are not cached.
var (
	orderCache    sync.Map // orderCacheKey -> Order
	orderCacheLen atomic.Int64
)

const maxCachedOrders = 4096

type orderCacheKey struct {
	m    *model.Model
	keys string
}

func orderBy(m *model.Model, keys []string) (Order, error) {
	parsed := make([]parsedKey, len(keys))
	for i, k := range keys {
		ok, err := model.ParseOrderKey(k)
		if err != nil {
			return Order{}, &SortError{Model: m.Name, Field: k, Reason: err.Error()}
		}
		parsed[i] = parsedKey{name: ok.Name, desc: ok.Desc, nullsFirst: ok.NullsFirst()}
	}
	return newOrder(m, parsed, nil)
}

// ParseSort parses a sort spec that comes from a user, such as the query parameter
// ?sort=-created_at,title: comma-separated field names, each optionally prefixed with
// "-" (descending) or "+" (ascending, the default). Every name must be one of allowed,
// spelled exactly as there; allowed names are field or column names of T and are
// checked against the model. Anything else is refused with a [*SortError] before any
// SQL is built: a name outside the allowlist (also any column not listed), an empty
// field, a repeated column, a spec longer than [MaxSortSpecLen] or with more than
// [MaxSortKeys] fields. With no allowed names every field is refused.
//
// An allowed name may carry where its NULLs go, whichever direction the user asks for:
// ParseSort[Article](spec, "published_at", "score NULLS LAST") lets "?sort=-score" list
// the best scores first and the unscored last (by default PostgreSQL puts NULLs first
// in descending order). Users name the field alone ("score", "-score").
//
// The primary key is appended as tie-breaker as in [OrderBy]. An empty spec returns
// the zero Order and no error, so the caller's default order applies.
func ParseSort[T any](spec string, allowed ...string) (Order, error) {
	m, err := model.Of[T]()
	if err != nil {
		return Order{}, fmt.Errorf("paginate: %w", err)
	}
	var names []string // the allowlist as users spell it
	bad := func(field, reason string) error {
		return &SortError{Model: m.Name, Field: field, Reason: reason, Allowed: slices.Clone(names)}
	}
	nulls := make(map[string]model.Nulls, len(allowed))
	for _, a := range allowed {
		k, err := model.ParseOrderKey(a)
		if err == nil && k.Desc {
			err = errors.New("a direction is the user's to choose")
		}
		if err != nil {
			return Order{}, &SortError{Model: m.Name, Field: a, Reason: "allowlist entry: " + err.Error()}
		}
		if _, err := m.Column(k.Name); err != nil {
			return Order{}, &SortError{Model: m.Name, Field: a, Reason: "allowlist names an unknown column", Err: err}
		}
		nulls[k.Name] = k.Nulls
		names = append(names, k.Name)
	}
	switch {
	case spec == "":
		return Order{}, nil
	case len(spec) > MaxSortSpecLen:
		return Order{}, bad("", fmt.Sprintf("spec longer than %d bytes", MaxSortSpecLen))
	case !utf8.ValidString(spec):
		return Order{}, bad("", "spec is not valid UTF-8")
	}
	fields := strings.Split(spec, ",")
	if len(fields) > MaxSortKeys {
		return Order{}, bad("", fmt.Sprintf("more than %d fields", MaxSortKeys))
	}
	parsed := make([]parsedKey, len(fields))
	for i, f := range fields {
		name, desc := strings.TrimSpace(f), false
		if rest, ok := strings.CutPrefix(name, "-"); ok {
			name, desc = rest, true
		} else if rest, ok := strings.CutPrefix(name, "+"); ok {
			name = rest
		}
		if name == "" {
			return Order{}, bad(f, "empty field name")
		}
		n, ok := nulls[name]
		if !ok {
			if len(allowed) == 0 {
				return Order{}, bad(name, "not an allowed sort field (the allowlist is empty)")
			}
			return Order{}, bad(name, "not an allowed sort field")
		}
		k := model.OrderKey{Name: name, Desc: desc, Nulls: n}
		parsed[i] = parsedKey{name: name, desc: desc, nullsFirst: k.NullsFirst()}
	}
	return newOrder(m, parsed, names)
}

type parsedKey struct {
	name       string
	desc       bool
	nullsFirst bool
}

// newOrder resolves keys against m, appends the primary-key tie-breaker and computes
// the fingerprint.
func newOrder(m *model.Model, keys []parsedKey, allowed []string) (Order, error) {
	o := Order{m: m, keys: make([]sortKey, 0, len(keys)+len(m.PK))}
	for _, k := range keys {
		c, err := m.Column(k.name)
		if err != nil {
			reason := "unknown column (sort keys are columns of the model itself)"
			return Order{}, &SortError{Model: m.Name, Field: k.name, Reason: reason, Allowed: allowed, Err: err}
		}
		if o.has(c) {
			return Order{}, &SortError{Model: m.Name, Field: k.name, Reason: "column " + c.Name + " named twice", Allowed: allowed}
		}
		if err := o.add(c, k.desc, k.nullsFirst); err != nil {
			return Order{}, &SortError{Model: m.Name, Field: k.name, Reason: err.Error(), Allowed: allowed}
		}
	}
	if len(m.PK) == 0 {
		return Order{}, &SortError{Model: m.Name, Reason: "model has no primary key to make the order unique (tag one with orm:\"pk\")"}
	}
	desc := len(o.keys) > 0 && o.keys[len(o.keys)-1].desc
	for _, c := range m.PK {
		if o.has(c) {
			continue
		}
		if err := o.add(c, desc, desc); err != nil {
			return Order{}, &SortError{Model: m.Name, Field: c.Name, Reason: "primary key: " + err.Error()}
		}
	}
	o.fp = fingerprint(m, o.keys)
	return o, nil
}

func (o *Order) has(c *model.Column) bool {
	return slices.ContainsFunc(o.keys, func(k sortKey) bool { return k.col == c })
}

// add appends the key c. A column that cannot hold NULL keeps PostgreSQL's default
// placement whatever was asked, so that its ORDER BY can still use a plain index.
func (o *Order) add(c *model.Column, desc, nullsFirst bool) error {
	k, err := kindOf(c.Type)
	if err != nil {
		return err
	}
	lo, hi := intRange(c.Type)
	nullable := c.Nullable && !c.PK
	if !nullable {
		nullsFirst = desc
	}
	o.keys = append(o.keys, sortKey{col: c, desc: desc, nullsFirst: nullsFirst, nullable: nullable, kind: k, lo: lo, hi: hi})
	return nil
}

// fingerprint hashes what a cursor's values mean: the model, its table, and each sort
// column with its direction and value kind.
func fingerprint(m *model.Model, keys []sortKey) [8]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", m.Name, m.Table)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s\x00%t\x00%t\x00%d", k.col.Name, k.desc, k.nullable, k.kind)
		if k.nullsFirst != k.desc { // only then, so cursors of default orders stay valid
			fmt.Fprintf(h, "\x00nulls-first=%t", k.nullsFirst)
		}
	}
	var fp [8]byte
	copy(fp[:], h.Sum(nil))
	return fp
}

// IsZero reports whether o is the zero Order ("not set").
func (o Order) IsZero() bool { return o.m == nil }

// Keys returns the sort keys in order, the tie-breaker included.
func (o Order) Keys() []Key {
	out := make([]Key, len(o.keys))
	for i, k := range o.keys {
		out[i] = Key{Column: k.col.Name, Desc: k.desc, NullsFirst: k.nullsFirst}
	}
	return out
}

// String returns the order as [OrderBy] keys joined by commas, e.g. "-created_at,id".
func (o Order) String() string {
	parts := make([]string, len(o.keys))
	for i, k := range o.Keys() {
		parts[i] = k.String()
	}
	return strings.Join(parts, ",")
}

// Reverse returns o with every direction and NULL placement flipped: the exact
// reverse order. A cursor made for o is valid for o, not for its
// reverse; paging backward keeps the order and uses [Request.Before].
func (o Order) Reverse() Order {
	r := Order{m: o.m, keys: slices.Clone(o.keys)}
	for i := range r.keys {
		r.keys[i].desc = !r.keys[i].desc
		r.keys[i].nullsFirst = !r.keys[i].nullsFirst
	}
	if r.m != nil {
		r.fp = fingerprint(r.m, r.keys)
	}
	return r
}
