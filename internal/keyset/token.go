package keyset

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgtype"
)

// Cursor token layout, before base64url without padding:
//
//	version byte (1, or 2 for a position that the page includes) | fingerprint [8]byte | uvarint count | count × value | [HMAC-SHA256 32 bytes]
//
// Each value is a tag byte followed by its payload:
//
//	tagNull                      (no payload)
//	tagInt     zigzag varint
//	tagUint    uvarint
//	tagFloat   8 bytes, IEEE 754 bits, big endian
//	tagFalse / tagTrue           (no payload)
//	tagString  uvarint length, UTF-8 bytes
//	tagBytes   uvarint length, bytes
//	tagTime    varint unix seconds, uvarint nanoseconds (< 1e9), varint zone offset in seconds
//	tagUUID    16 bytes
//	tagNumeric uvarint length, numeric text as PostgreSQL prints it
const (
	tokenVersion          = 1 // the page starts after (ends before) the position
	tokenVersionInclusive = 2 // the page starts (ends) at the position, included
	fpLen                 = 8
	macLen                = sha256.Size
)

const (
	tagNull byte = iota
	tagInt
	tagUint
	tagFloat
	tagFalse
	tagTrue
	tagString
	tagBytes
	tagTime
	tagUUID
	tagNumeric
)

// DefaultMaxTokenLen is the longest token a Codec accepts or makes when MaxLen is 0;
// MinKeyLen the shortest signing key it accepts, in bytes (paginate exports both).
const (
	DefaultMaxTokenLen = 2048
	MinKeyLen          = 16
)

var b64 = base64.RawURLEncoding.Strict()

// Codec turns positions in an Order into cursor tokens and back. Its fields are
// paginate.Codec's, which converts to it; see there for what they mean. A nil *Codec,
// like one with neither Key nor Unsigned, refuses to work (ErrNoKey).
type Codec struct {
	Key      []byte
	MaxLen   int
	Unsigned bool
}

// WalkCodec carries a batch walk's position from one batch to the next inside the
// process: unsigned, and large enough for any key.
var WalkCodec = &Codec{MaxLen: 1 << 24, Unsigned: true}

// ErrNoKey is returned when a Codec has neither a Key nor Unsigned set.
var ErrNoKey = errors.New("the Codec has no Key: sign cursors with a Key of 32 random bytes, or set Unsigned: true to hand out cursors clients can edit")

func (c *Codec) maxLen() int {
	if c == nil || c.MaxLen <= 0 {
		return DefaultMaxTokenLen
	}
	return c.MaxLen
}

func (c *Codec) key() ([]byte, error) {
	if c == nil || len(c.Key) == 0 {
		if c != nil && c.Unsigned {
			return nil, nil
		}
		return nil, ErrNoKey
	}
	if c.Unsigned {
		return nil, errors.New("the Codec has a Key and says Unsigned: choose one")
	}
	if len(c.Key) < MinKeyLen {
		return nil, fmt.Errorf("Codec.Key is %d bytes, want at least %d", len(c.Key), MinKeyLen)
	}
	return c.Key, nil
}

// Encode returns the token of the position whose sort-key values are values, one per
// key of o, in the types Decode returns or the Go types of the model's fields
// (pointers and nullable wrappers included; nil is NULL). inclusive marks a position
// the page includes (the cursor an empty page gives back to its own position).
func (c *Codec) Encode(o Order, values []any, inclusive bool) (string, error) {
	if o.IsZero() {
		return "", errors.New("encode cursor: order not set")
	}
	keys := o.o.keys
	if len(values) != len(keys) {
		return "", fmt.Errorf("encode cursor: %d values for %d sort keys", len(values), len(keys))
	}
	key, err := c.key()
	if err != nil {
		return "", err
	}
	buf := make([]byte, 0, 64)
	version := byte(tokenVersion)
	if inclusive {
		version = tokenVersionInclusive
	}
	buf = append(buf, version)
	buf = append(buf, o.o.fp[:]...)
	buf = binary.AppendUvarint(buf, uint64(len(values)))
	for i, v := range values {
		if buf, err = appendValue(buf, keys[i], v); err != nil {
			return "", fmt.Errorf("encode cursor: key %s: %w", keys[i].Name(), err)
		}
	}
	if key != nil {
		buf = sign(key, buf)
	}
	tok := b64.EncodeToString(buf)
	if len(tok) > c.maxLen() {
		return "", fmt.Errorf("encode cursor: token of %d characters exceeds MaxLen %d (sort by shorter keys or raise Codec.MaxLen)", len(tok), c.maxLen())
	}
	return tok, nil
}

func sign(key, payload []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(payload)
	return h.Sum(payload)
}

func appendValue(buf []byte, k Key, v any) ([]byte, error) {
	v, err := normalizeAny(v, k.kind)
	if err != nil {
		return nil, err
	}
	if v == nil {
		if !k.Nullable {
			return nil, errors.New("NULL in a NOT NULL sort key")
		}
		return append(buf, tagNull), nil
	}
	switch x := v.(type) {
	case int64:
		return binary.AppendVarint(append(buf, tagInt), x), nil
	case uint64:
		return binary.AppendUvarint(append(buf, tagUint), x), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(buf, tagFloat), math.Float64bits(x)), nil
	case bool:
		if x {
			return append(buf, tagTrue), nil
		}
		return append(buf, tagFalse), nil
	case string:
		buf = binary.AppendUvarint(append(buf, tagString), uint64(len(x)))
		return append(buf, x...), nil
	case []byte:
		buf = binary.AppendUvarint(append(buf, tagBytes), uint64(len(x)))
		return append(buf, x...), nil
	case time.Time:
		_, off := x.Zone()
		buf = binary.AppendVarint(append(buf, tagTime), x.Unix())
		buf = binary.AppendUvarint(buf, uint64(x.Nanosecond()))
		return binary.AppendVarint(buf, int64(off)), nil
	case [16]byte:
		return append(append(buf, tagUUID), x[:]...), nil
	case pgtype.Numeric:
		dv, err := x.Value()
		if err != nil {
			return nil, err
		}
		s, _ := dv.(string)
		buf = binary.AppendUvarint(append(buf, tagNumeric), uint64(len(s)))
		return append(buf, s...), nil
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

// Decode checks token against o and returns its values, one per key of o: int64,
// uint64, float64, bool, string, []byte, time.Time, [16]byte (uuid), pgtype.Numeric,
// or nil for NULL; and whether it marks a position the page includes. Every failure
// of the token is a *CursorError; Decode never panics on any input.
func (c *Codec) Decode(o Order, token string) (_ []any, inclusive bool, _ error) {
	if o.IsZero() {
		return nil, false, errors.New("decode cursor: order not set")
	}
	key, err := c.key()
	if err != nil {
		return nil, false, err
	}
	switch {
	case token == "":
		return nil, false, cursorErr("empty token")
	case len(token) > c.maxLen():
		return nil, false, cursorErr("token longer than %d characters", c.maxLen())
	}
	if i := strings.IndexFunc(token, notTokenRune); i >= 0 {
		// Go's base64 decoder skips '\r' and '\n' even in strict mode: refuse them, and
		// anything else outside the alphabet, before decoding.
		return nil, false, cursorErr("not base64url: character %q at %d", token[i], i)
	}
	raw, err := b64.DecodeString(token)
	if err != nil {
		return nil, false, cursorErr("not base64url")
	}
	if key != nil {
		if len(raw) < macLen {
			return nil, false, cursorErr("bad signature")
		}
		payload, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
		h := hmac.New(sha256.New, key)
		h.Write(payload)
		if !hmac.Equal(mac, h.Sum(nil)) {
			return nil, false, cursorErr("bad signature")
		}
		raw = payload
	}
	return parseToken(o, raw)
}

func parseToken(o Order, raw []byte) ([]any, bool, error) {
	r := reader{b: raw}
	version := r.byte()
	if r.err == nil && version != tokenVersion && version != tokenVersionInclusive {
		return nil, false, cursorErr("unknown version %d", version)
	}
	values, err := parseValues(o, &r)
	return values, version == tokenVersionInclusive, err
}

func parseValues(o Order, r *reader) ([]any, error) {
	fp := r.bytes(fpLen)
	if r.err != nil {
		return nil, cursorErr("truncated")
	}
	if string(fp) != string(o.o.fp[:]) {
		return nil, cursorErr("made for another order or model")
	}
	keys := o.o.keys
	n := r.uvarint()
	if r.err == nil && n != uint64(len(keys)) {
		return nil, cursorErr("%d values for %d sort keys", n, len(keys))
	}
	values := make([]any, len(keys))
	for i, k := range keys {
		if r.err != nil {
			break
		}
		v, err := r.value(k)
		if err != nil {
			return nil, cursorErr("key %s: %v", k.Name(), err)
		}
		values[i] = v
	}
	if r.err != nil {
		return nil, cursorErr("truncated")
	}
	if len(r.b) > 0 {
		return nil, cursorErr("%d trailing bytes", len(r.b))
	}
	return values, nil
}

// reader consumes a token payload; the first failure sticks in err.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errShort
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || uint64(len(r.b)) < n {
		r.err = errShort
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

// value reads one tagged value and checks it against the key's kind and range.
func (r *reader) value(k Key) (any, error) {
	tag := r.byte()
	if r.err != nil {
		return nil, r.err
	}
	if tag == tagNull {
		if !k.Nullable {
			return nil, errors.New("NULL in a NOT NULL sort key")
		}
		return nil, nil
	}
	if want := tagFor(k.kind); tag != want && (k.kind != kindBool || tag != tagTrue) {
		return nil, fmt.Errorf("value of tag %d where %s was expected", tag, k.kind)
	}
	v, err := r.payload(tag)
	if r.err != nil {
		return nil, r.err
	}
	if err != nil {
		return nil, err
	}
	return v, k.inRange(v)
}

func (r *reader) payload(tag byte) (any, error) {
	switch tag {
	case tagInt:
		return r.varint(), nil
	case tagUint:
		return r.uvarint(), nil
	case tagFloat:
		b := r.bytes(8)
		if r.err != nil {
			return nil, nil
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case tagFalse, tagTrue:
		return tag == tagTrue, nil
	case tagString:
		s := r.bytes(r.uvarint())
		if !utf8.Valid(s) || bytes.IndexByte(s, 0) >= 0 {
			return nil, errors.New("text is not valid UTF-8 without NUL")
		}
		return string(s), nil
	case tagBytes:
		return append([]byte{}, r.bytes(r.uvarint())...), nil
	case tagTime:
		return r.time()
	case tagUUID:
		var u [16]byte
		copy(u[:], r.bytes(16))
		return u, nil
	case tagNumeric:
		b := r.bytes(r.uvarint())
		if r.err != nil {
			return nil, nil
		}
		return parseNumeric(b)
	}
	return nil, fmt.Errorf("unknown tag %d", tag)
}

// PostgreSQL's timestamp range, in Unix seconds: 4714-11-24 BC to 294276-12-31 AD.
const (
	minUnix = -210866803200
	maxUnix = 9224318015999
)

func (r *reader) time() (any, error) {
	sec, nsec, off := r.varint(), r.uvarint(), r.varint()
	switch {
	case r.err != nil:
		return nil, nil
	case sec < minUnix || sec > maxUnix:
		return nil, errors.New("timestamp out of range")
	case nsec >= 1e9:
		return nil, errors.New("nanoseconds out of range")
	case off <= -86400 || off >= 86400:
		return nil, errors.New("zone offset out of range")
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC(), nil
	}
	return t.In(time.FixedZone("", int(off))), nil
}

// parseNumeric reads numeric text as PostgreSQL prints it: an optional minus, digits,
// an optional fraction; or NaN, Infinity, -Infinity.
func parseNumeric(b []byte) (any, error) {
	s := string(b)
	var n pgtype.Numeric
	if !numericText(s) || n.Scan(s) != nil {
		return nil, errors.New("malformed numeric")
	}
	return n, nil
}

func numericText(s string) bool {
	switch s {
	case "NaN", "Infinity", "-Infinity":
		return true
	}
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	digits := func(d string) bool {
		return d != "" && strings.Trim(d, "0123456789") == ""
	}
	return digits(intPart) && (!hasFrac || digits(frac))
}

func tagFor(k kind) byte {
	return [...]byte{kindInt: tagInt, kindUint: tagUint, kindFloat: tagFloat, kindBool: tagFalse,
		kindString: tagString, kindBytes: tagBytes, kindTime: tagTime, kindUUID: tagUUID, kindNumeric: tagNumeric}[k]
}

// notTokenRune reports whether r is outside the unpadded base64url alphabet.
func notTokenRune(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
}

// Check reports whether c can make and read tokens: a Key (long enough) or Unsigned.
func (c *Codec) Check() error {
	_, err := c.key()
	return err
}
