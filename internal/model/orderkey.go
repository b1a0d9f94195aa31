package model

import (
	"errors"
	"strings"
	"unicode"
)

// OrderKey is one sort key as a caller wrote it, parsed but not yet resolved against a
// model.
type OrderKey struct {
	Name  string // field or column name, possibly "Relation.column"
	Desc  bool
	Nulls Nulls
}

// Nulls says where a sort key puts NULLs.
type Nulls int8

// Where NULLs sort.
const (
	NullsDefault Nulls = iota // PostgreSQL's default: last ascending, first descending
	NullsFirst
	NullsLast
)

// NullsFirst reports whether k sorts NULLs first, the default resolved.
func (k OrderKey) NullsFirst() bool {
	switch k.Nulls {
	case NullsFirst:
		return true
	case NullsLast:
		return false
	}
	return k.Desc
}

// OrderSuffix returns what follows a column in ORDER BY for the direction and NULL
// placement: "", " DESC", " NULLS FIRST" or " DESC NULLS LAST". NULLS is written only
// where it differs from PostgreSQL's default, so the common keys read as usual.
func OrderSuffix(desc, nullsFirst bool) string {
	switch {
	case desc && nullsFirst:
		return " DESC"
	case desc:
		return " DESC NULLS LAST"
	case nullsFirst:
		return " NULLS FIRST"
	}
	return ""
}

// ParseOrderKey parses a sort key as written by a caller: a name, optionally prefixed
// with "-" or followed by ASC or DESC, then optionally NULLS FIRST or NULLS LAST
// ("-created_at", "name DESC", "score asc nulls first", "-score NULLS LAST"; keywords
// in any case). The name still has to be resolved against a model; anything else is
// refused here.
func ParseOrderKey(key string) (OrderKey, error) {
	key = strings.TrimSpace(key)
	if strings.IndexFunc(key, unicode.IsSpace) < 0 { // a bare name, the common case
		name, desc := strings.CutPrefix(key, "-")
		if name == "" || name[0] == '-' {
			return OrderKey{}, errors.New("malformed sort key")
		}
		return OrderKey{Name: name, Desc: desc}, nil
	}
	f := strings.Fields(key)
	name, desc := strings.CutPrefix(f[0], "-")
	k := OrderKey{Name: name, Desc: desc}
	if name == "" || name[0] == '-' {
		return OrderKey{}, errors.New("malformed sort key")
	}
	rest := f[1:]
	if len(rest) == 1 && !strings.EqualFold(rest[0], "asc") && !strings.EqualFold(rest[0], "desc") {
		return OrderKey{}, errors.New("direction must be ASC or DESC")
	}
	if strings.EqualFold(rest[0], "asc") || strings.EqualFold(rest[0], "desc") {
		if desc {
			return OrderKey{}, errors.New(`direction given twice ("-" and ` + rest[0] + ")")
		}
		k.Desc = strings.EqualFold(rest[0], "desc")
		rest = rest[1:]
	}
	if len(rest) == 2 && strings.EqualFold(rest[0], "nulls") {
		switch {
		case strings.EqualFold(rest[1], "first"):
			k.Nulls = NullsFirst
		case strings.EqualFold(rest[1], "last"):
			k.Nulls = NullsLast
		default:
			return OrderKey{}, errors.New("NULLS must be followed by FIRST or LAST")
		}
		rest = nil
	}
	if len(rest) > 0 {
		return OrderKey{}, errors.New("malformed sort key (want: name [ASC|DESC] [NULLS FIRST|LAST])")
	}
	return k, nil
}
