package paginate

import (
	"fmt"

	"github.com/batchorm/batchorm/internal/box"
	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
)

// Limits on a user-supplied sort spec, checked before anything else.
const (
	// MaxSortSpecLen is the longest spec [ParseSort] reads, in bytes.
	MaxSortSpecLen = 256
	// MaxSortKeys is the most fields a spec may name.
	MaxSortKeys = 8
)

// Order is a validated sort order over the columns of one model (and of its to-one
// relations, "Author.name"), made by [OrderBy] or [ParseSort]. It always ends with the
// primary key (appended as tie-breaker when the given fields do not already include
// it), so it is a total order and every row has exactly one position. Order is an immutable value, safe to share.
//
// The zero Order means "not set": orm's Select.Paginate then uses the query's OrderBy,
// and the primary key when there is none.
//
// NULLs sort where PostgreSQL puts them by default, which is also where a plain
// B-tree index yields them: last in ascending order, first in descending order. A key
// written with NULLS FIRST or NULLS LAST ([OrderBy]) puts them there instead; an index
// scan then needs an index declared with the same placement. Either way rows with NULL
// keys are paged like any other, never skipped.
type Order struct{ inner }

// inner carries the validated order; only batchorm's own packages read it.
type inner = box.Box[keyset.Order]

func orderOf(o keyset.Order) Order { return Order{box.Of(o)} }

// order returns the validated order o carries.
func (o Order) order() keyset.Order {
	ko, _ := box.Get[keyset.Order](o)
	return ko
}

// Key is one sort key of an [Order].
type Key struct {
	Column     string // column name, after its relation path for a joined column ("Author.name")
	Desc       bool   // descending
	NullsFirst bool   // NULLs sort first (PostgreSQL's default: for descending keys)
}

// String returns the key as [OrderBy] reads it: "created_at", "-created_at", and
// " NULLS FIRST" or " NULLS LAST" after it where NULLs do not sort in PostgreSQL's
// default place for the direction.
func (k Key) String() string { return keyset.KeyString(k.Column, k.Desc, k.NullsFirst) }

// OrderBy returns the order over T's columns given by keys, each a field or column
// name optionally prefixed with "-" or followed by " DESC" / " ASC", then optionally
// " NULLS FIRST" / " NULLS LAST" (the syntax of orm's Select.OrderBy), with T's
// primary key appended as tie-breaker when the keys do not include it; the tie-breaker
// takes the direction of the last key, so that (created_at DESC, id DESC) can use an
// index on (created_at, id). No keys: the primary key, ascending. OrderBy is for keys
// written in code; parse keys that come from users with [ParseSort].
//
// A key may name a column of a to-one relation by its path: "Author.name",
// "-Author.Profile.bio". The query that runs the page must join that relation (orm's
// Select.Join or InnerJoin). Such a key can be NULL whatever its column's type (a LEFT
// JOIN finding no row), so its NULLs sort as for a nullable column; a cursor carries
// the value read from the row's relation field, nil being NULL.
//
// The error is a [*SortError] (errors.Is(err, ErrInvalidSort)) for an unknown column, a
// column used twice, a column type a cursor cannot carry, or a model without a primary
// key.
func OrderBy[T any](keys ...string) (Order, error) {
	m, err := model.Of[T]()
	if err != nil {
		return Order{}, fmt.Errorf("paginate: %w", err)
	}
	o, err := keyset.OrderBy(m, keys)
	return orderOf(o), public(err)
}

// ParseSort parses a sort spec that comes from a user, such as the query parameter
// ?sort=-created_at,title: comma-separated field names, each optionally prefixed with
// "-" (descending) or "+" (ascending, the default). Every name must be one of allowed,
// spelled exactly as there; allowed names are field or column names of T and are
// checked against the model; a joined column is named by its relation path
// ("Author.name", see [OrderBy]). Anything else is refused with a [*SortError]
// before any SQL is built: a name outside the allowlist (also any column not listed),
// an empty field, a repeated column, a spec longer than [MaxSortSpecLen] or with more than
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
	o, err := keyset.ParseSort(m, spec, allowed)
	return orderOf(o), public(err)
}

// IsZero reports whether o is the zero Order ("not set").
func (o Order) IsZero() bool { return o.order().IsZero() }

// Keys returns the sort keys in order, the tie-breaker included.
func (o Order) Keys() []Key {
	keys := o.order().Keys()
	out := make([]Key, len(keys))
	for i, k := range keys {
		out[i] = Key{Column: k.Name(), Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return out
}

// String returns the order as [OrderBy] keys joined by commas, e.g. "-created_at,id".
func (o Order) String() string { return o.order().String() }

// Reverse returns o with every direction and NULL placement flipped: the exact
// reverse order. A cursor made for o is valid for o, not for its reverse; paging
// backward keeps the order and uses [Request.Before].
func (o Order) Reverse() Order { return orderOf(o.order().Reverse()) }
