package keyset

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

// Limits on a user-supplied sort spec, checked before anything else (paginate
// exports them under the same names).
const (
	MaxSortSpecLen = 256
	MaxSortKeys    = 8
)

// Order is a validated total order over the columns of one model: its keys end with
// the primary key. The zero Order means "not set". An Order is immutable and safe to
// share; it is one pointer, so a public type can carry it in an interface without
// allocating.
type Order struct{ o *order }

type order struct {
	m    *model.Model
	keys []Key
	fp   [8]byte // fingerprint binding cursors to this order
}

// Key is one sort key of an Order.
type Key struct {
	Col        *model.Column // a column of the model, or of the relation at Path
	Path       string        // the to-one relation path of a joined key ("Author"); "" for the model's own
	Desc       bool
	NullsFirst bool // where NULLs sort; for a column that cannot hold NULL, Desc
	Nullable   bool
	kind       kind
	lo         int64             // integer kinds: smallest value of the Go type
	hi         uint64            // integer kinds: largest value of the Go type
	rels       []*model.Relation // the relations of Path, from the model on (joined.go)
	ref        string            // the quoted reference of a joined key
}

// String returns the key as OrderBy reads it (see [KeyString]).
func (k Key) String() string { return KeyString(k.Name(), k.Desc, k.NullsFirst) }

// KeyString writes a sort key as OrderBy reads it: "created_at", "-created_at", and
// " NULLS FIRST" or " NULLS LAST" after it where NULLs do not sort in PostgreSQL's
// default place for the direction.
func KeyString(column string, desc, nullsFirst bool) string {
	s := column
	if desc {
		s = "-" + s
	}
	switch {
	case nullsFirst && !desc:
		s += " NULLS FIRST"
	case !nullsFirst && desc:
		s += " NULLS LAST"
	}
	return s
}

// IsZero reports whether o is the zero Order ("not set").
func (o Order) IsZero() bool { return o.o == nil }

// Model returns the model o orders; nil for the zero Order.
func (o Order) Model() *model.Model {
	if o.o == nil {
		return nil
	}
	return o.o.m
}

// Keys returns the sort keys, the tie-breaker included. The slice is o's own: callers
// must not modify it.
func (o Order) Keys() []Key {
	if o.o == nil {
		return nil
	}
	return o.o.keys
}

// String returns the keys as OrderBy reads them, joined by commas.
func (o Order) String() string {
	keys := o.Keys()
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, ",")
}

// Reverse returns o with every direction and NULL placement flipped.
func (o Order) Reverse() Order {
	if o.o == nil {
		return o
	}
	r := &order{m: o.o.m, keys: slices.Clone(o.o.keys)}
	for i := range r.keys {
		r.keys[i].Desc = !r.keys[i].Desc
		r.keys[i].NullsFirst = !r.keys[i].NullsFirst
	}
	r.fp = fingerprint(r.m, r.keys)
	return Order{r}
}

// For returns o, or m's primary-key order when o is zero; an order made for another
// model is a *SortError.
func For(m *model.Model, o Order) (Order, error) {
	if o.IsZero() {
		return OrderBy(m, nil)
	}
	if o.o.m != m {
		return Order{}, &SortError{Model: m.Name, Reason: "order was made for model " + o.o.m.Name}
	}
	return o, nil
}

// OrderBy returns the order over m's columns given by keys in OrderBy syntax
// (model.ParseOrderKey), with m's primary key appended as tie-breaker in the direction
// of the last key. Orders are cached per model and keys, as they come from code.
func OrderBy(m *model.Model, keys []string) (Order, error) {
	ck := orderCacheKey{m: m, keys: strings.Join(keys, "\x00")}
	if o, ok := orderCache.Load(ck); ok {
		return o.(Order), nil
	}
	parsed := make([]parsedKey, len(keys))
	for i, k := range keys {
		ok, err := model.ParseOrderKey(k)
		if err != nil {
			return Order{}, &SortError{Model: m.Name, Field: k, Reason: err.Error()}
		}
		parsed[i] = parsedKey{name: ok.Name, desc: ok.Desc, nullsFirst: ok.NullsFirst()}
	}
	o, err := newOrder(m, parsed, nil)
	if err == nil && orderCacheLen.Add(1) <= maxCachedOrders {
		orderCache.Store(ck, o)
	}
	return o, err
}

// The cap keeps a misuse of OrderBy with user input from growing the cache without
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

// ParseSort parses a user's sort spec ("-created_at,title") against an allowlist of
// names (each optionally with a NULLS placement, never a direction); see paginate's
// ParseSort for the rules. An empty spec is the zero Order.
func ParseSort(m *model.Model, spec string, allowed []string) (Order, error) {
	names, nulls, err := allowlist(m, allowed)
	if err != nil {
		return Order{}, err
	}
	bad := func(field, reason string) error {
		return &SortError{Model: m.Name, Field: field, Reason: reason, Allowed: slices.Clone(names)}
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

// allowlist checks ParseSort's allowed entries against m and returns the names as
// users spell them and each name's NULL placement.
func allowlist(m *model.Model, allowed []string) ([]string, map[string]model.Nulls, error) {
	var names []string
	nulls := make(map[string]model.Nulls, len(allowed))
	for _, a := range allowed {
		k, err := model.ParseOrderKey(a)
		if err == nil && k.Desc {
			err = errors.New("a direction is the user's to choose")
		}
		if err != nil {
			return nil, nil, &SortError{Model: m.Name, Field: a, Reason: "allowlist entry: " + err.Error()}
		}
		if _, err := resolveColumn(m, k.Name); err != nil {
			return nil, nil, &SortError{Model: m.Name, Field: a, Reason: "allowlist names an unknown column", Err: err}
		}
		nulls[k.Name] = k.Nulls
		names = append(names, k.Name)
	}
	return names, nulls, nil
}

type parsedKey struct {
	name       string
	desc       bool
	nullsFirst bool
}

// newOrder resolves keys against m, appends the primary-key tie-breaker and computes
// the fingerprint.
func newOrder(m *model.Model, keys []parsedKey, allowed []string) (Order, error) {
	o := &order{m: m, keys: make([]Key, 0, len(keys)+len(m.PK))}
	for _, k := range keys {
		sc, err := resolveColumn(m, k.name)
		if err != nil {
			reason := "not a column of the model or of a to-one relation"
			return Order{}, &SortError{Model: m.Name, Field: k.name, Reason: reason, Allowed: allowed, Err: err}
		}
		if o.has(sc.col, sc.path) {
			name := sc.col.Name
			if sc.path != "" {
				name = sc.path + "." + name
			}
			return Order{}, &SortError{Model: m.Name, Field: k.name, Reason: "column " + name + " named twice", Allowed: allowed}
		}
		if err := o.add(sc, k.desc, k.nullsFirst); err != nil {
			return Order{}, &SortError{Model: m.Name, Field: k.name, Reason: err.Error(), Allowed: allowed}
		}
	}
	if len(m.PK) == 0 {
		return Order{}, &SortError{Model: m.Name, Reason: "model has no primary key to make the order unique (tag one with orm:\"pk\")"}
	}
	desc := len(o.keys) > 0 && o.keys[len(o.keys)-1].Desc
	for _, c := range m.PK {
		if o.has(c, "") {
			continue
		}
		if err := o.add(sortColumn{col: c}, desc, desc); err != nil {
			return Order{}, &SortError{Model: m.Name, Field: c.Name, Reason: "primary key: " + err.Error()}
		}
	}
	o.fp = fingerprint(m, o.keys)
	return Order{o}, nil
}

func (o *order) has(c *model.Column, path string) bool {
	return slices.ContainsFunc(o.keys, func(k Key) bool { return k.Col == c && k.Path == path })
}

// add appends the key sc. A column that cannot hold NULL keeps PostgreSQL's default
// placement whatever was asked, so that its ORDER BY can still use a plain index. A
// joined column can always be NULL (a LEFT JOIN without a row; see joined.go).
func (o *order) add(sc sortColumn, desc, nullsFirst bool) error {
	c := sc.col
	k, err := kindOf(c.Type)
	if err != nil {
		return err
	}
	lo, hi := intRange(c.Type)
	nullable := (c.Nullable && !c.PK) || sc.path != ""
	if !nullable {
		nullsFirst = desc
	}
	key := Key{Col: c, Path: sc.path, Desc: desc, NullsFirst: nullsFirst, Nullable: nullable, kind: k, lo: lo, hi: hi, rels: sc.rels}
	if sc.path != "" {
		key.ref = joinedRef(sc.path, c)
	}
	o.keys = append(o.keys, key)
	return nil
}

// fingerprint hashes what a cursor's values mean: the model, its table, and each sort
// column (after its relation path when joined) with its direction and value kind.
// Pinned by paginate's golden tokens: any change here breaks every cursor handed out.
// A joined key counts as nullable whatever the query's joins, so that the fingerprint
// does not change when [Order.Bind] tightens it.
func fingerprint(m *model.Model, keys []Key) [8]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s", m.Name, m.Table)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s\x00%t\x00%t\x00%d", k.Name(), k.Desc, k.Nullable || k.Path != "", k.kind)
		if k.NullsFirst != k.Desc { // only then, so cursors of default orders stay valid
			fmt.Fprintf(h, "\x00nulls-first=%t", k.NullsFirst)
		}
	}
	var fp [8]byte
	copy(fp[:], h.Sum(nil))
	return fp
}
