package paginate

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
)

// DefaultMaxTokenLen is the longest token a [Codec] accepts or makes when MaxLen is 0.
const DefaultMaxTokenLen = 2048

// MinKeyLen is the shortest signing key a [Codec] accepts, in bytes.
const MinKeyLen = 16

// Codec turns positions in an [Order] into opaque cursor tokens and back. Tokens are
// URL-safe (base64url without padding), versioned, bound to the order and model they
// were made for, and carry their values with their types (timestamps to the
// nanosecond with their zone offset, numerics exactly, uuids, text in any Unicode).
//
// With a Key every token carries an HMAC-SHA256, checked before anything else is
// read, so altered or forged tokens are refused. Signing is the default: a Codec
// without a Key refuses to work ([ErrNoKey]) unless it says Unsigned, whose tokens
// are opaque but not tamper-proof: a client can craft one for any position (values
// are always bound parameters and range-checked, so that only moves where the page
// starts).
//
// A cursor is bound to its model and order, not to the query's conditions: a token
// made under one filter is accepted under another, and starts that page at the same
// position. A Codec is safe for concurrent use; don't change its fields while it is
// in use.
type Codec struct {
	// Key signs tokens with HMAC-SHA256; at least MinKeyLen (16) bytes, and 32 random
	// bytes are recommended. Required unless Unsigned is set. Changing the key
	// invalidates every token made with the old one.
	Key []byte
	// MaxLen is the longest token accepted or made, in characters. Default (0):
	// DefaultMaxTokenLen. Longer tokens are refused before they are decoded.
	MaxLen int
	// Unsigned hands out tokens without a signature, which clients can edit; set it
	// to opt out of signing, instead of a Key. Default: false, a Key is required.
	Unsigned bool
}

// ErrNoKey is matched by errors.Is when a [Codec] has neither a Key nor Unsigned (or
// a [Request] has no Codec): a server setting, not a client's bad cursor.
var ErrNoKey = keyset.ErrNoKey

// codec returns c as the machinery's codec (the same fields).
func (c *Codec) codec() *keyset.Codec { return (*keyset.Codec)(c) }

// Encode returns the token for the position whose sort-key values are values, one per
// key of o (see [Order.Keys]), in the types [Codec.Decode] returns or the Go types of
// the model's fields (pointers and nullable wrappers included; nil is NULL). A nil
// *Codec, like the zero Codec, is [ErrNoKey].
func (c *Codec) Encode(o Order, values []any) (string, error) {
	tok, err := c.codec().Encode(o.order(), values, false)
	return tok, public(err)
}

// Decode checks token against o and returns its values, one per key of o: int64,
// uint64, float64, bool, string, []byte, time.Time, [16]byte (uuid), pgtype.Numeric,
// or nil for NULL. Every failure (empty, oversized, not base64url, bad signature,
// unknown version, made for another order or model, truncated, wrong types, trailing
// bytes) is a [*CursorError]: errors.Is(err, ErrInvalidCursor) is true. Decode never
// panics on any input. A nil *Codec, like the zero Codec, is [ErrNoKey].
func (c *Codec) Decode(o Order, token string) ([]any, error) {
	values, _, err := c.codec().Decode(o.order(), token)
	return values, public(err)
}

// CursorFor returns the token of row's position in order o (zero: T's primary key),
// made with c: pass it as [Request.After] for the page that follows row, or as
// [Request.Before] for the one before it. It serves links into the middle of a list
// ("the posts after this one") without walking there. row must be of the model o was
// made for; its sort-key fields must be set.
func CursorFor[T any](c *Codec, o Order, row *T) (string, error) {
	m, err := model.Of[T]()
	if err != nil {
		return "", fmt.Errorf("paginate: %w", err)
	}
	if m.Type != reflect.TypeFor[T]() {
		return "", fmt.Errorf("paginate: CursorFor: rows must be structs, not %v", reflect.TypeFor[T]())
	}
	ko, err := keyset.For(m, o.order())
	if err != nil {
		return "", public(err)
	}
	if row == nil {
		return "", errors.New("paginate: CursorFor: nil row")
	}
	tok, err := keyset.CursorAt(c.codec(), ko, unsafe.Pointer(row))
	return tok, public(err)
}
