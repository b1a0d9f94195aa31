package paginate_test

import (
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/paginate"
)

// Typed has a sort column of every kind a cursor carries.
type Typed struct {
	ID    int64
	UID   [16]byte
	I16   int16
	U16   uint16
	F     float64
	B     bool
	S     string
	Raw   []byte
	At    time.Time
	Ref   pgtype.UUID
	Num   pgtype.Numeric
	NS    sql.NullString
	PTime *time.Time
	TTZ   pgtype.Timestamptz
}

var typedKeys = []string{"i16", "u16", "f", "b", "s", "raw", "at", "ref", "num", "ns", "p_time", "ttz", "uid"}

func mustNumeric(t testing.TB, s string) pgtype.Numeric {
	t.Helper()
	var n pgtype.Numeric
	if err := n.Scan(s); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCodec_roundTrip(t *testing.T) {
	t.Parallel()
	o := mustOrder[Typed](t, typedKeys...)
	at := time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.FixedZone("", -(3*3600+30*60)))
	id := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	tests := map[string]struct {
		in   []any
		want []any
	}{
		"values": {
			in: []any{int16(-32768), uint16(65535), math.Inf(-1), true, "héllo 😀 日本 \u200b", []byte{0, 255},
				at, pgtype.UUID{Bytes: id, Valid: true}, mustNumeric(t, "-123456789012345678901234567890.000000000001"),
				sql.NullString{String: "x", Valid: true}, &at, pgtype.Timestamptz{Time: at.UTC(), Valid: true}, id, int64(math.MinInt64)},
			want: []any{int64(-32768), uint64(65535), math.Inf(-1), true, "héllo 😀 日本 \u200b", []byte{0, 255},
				at, id, mustNumeric(t, "-123456789012345678901234567890.000000000001"), "x", at, at.UTC(), id, int64(math.MinInt64)},
		},
		"NULLs and zero values": {
			in: []any{int16(0), uint16(0), 0.0, false, "", []byte(nil), time.Time{}, pgtype.UUID{}, pgtype.Numeric{},
				sql.NullString{}, (*time.Time)(nil), pgtype.Timestamptz{}, [16]byte{}, int64(0)},
			want: []any{int64(0), uint64(0), 0.0, false, "", nil, time.Time{}, nil, nil, nil, nil, nil, [16]byte{}, int64(0)},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []*paginate.Codec{{Unsigned: true}, {Key: []byte("0123456789abcdef0123456789abcdef")}} {
				tok, err := c.Encode(o, tt.in)
				if err != nil {
					t.Fatal(err)
				}
				if strings.ContainsAny(tok, "+/=") {
					t.Errorf("token %q is not URL-safe", tok)
				}
				got, err := c.Decode(o, tok)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %d values, want %d", len(got), len(tt.want))
				}
				for i := range got {
					if !sameValue(got[i], tt.want[i]) {
						t.Errorf("value %d: got %#v, want %#v", i, got[i], tt.want[i])
					}
				}
			}
		})
	}
}

// sameValue compares decoded values: times by instant and offset, numerics by text.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		_, goff := g.Zone()
		_, woff := w.Zone()
		return ok && g.Equal(w) && goff == woff
	case pgtype.Numeric:
		g, ok := got.(pgtype.Numeric)
		gv, _ := g.Value()
		wv, _ := w.Value()
		return ok && gv == wv
	}
	return reflect.DeepEqual(got, want)
}

func TestCodec_Encode_refusals(t *testing.T) {
	t.Parallel()
	o := mustOrder[Post](t, "created_at")
	tests := map[string]struct {
		codec  *paginate.Codec
		values []any
		want   string
	}{
		"count":         {values: []any{time.Now()}, want: "paginate: encode cursor: 1 values for 2 sort keys"},
		"wrong type":    {values: []any{"2024", int64(1)}, want: "paginate: encode cursor: key created_at: string value where timestamp was expected"},
		"NULL in key":   {values: []any{nil, int64(1)}, want: "paginate: encode cursor: key created_at: NULL in a NOT NULL sort key"},
		"too long":      {codec: &paginate.Codec{MaxLen: 10, Unsigned: true}, values: []any{time.Unix(0, 0), int64(1)}, want: "paginate: encode cursor: token of 22 characters exceeds MaxLen 10 (sort by shorter keys or raise Codec.MaxLen)"},
		"key too short": {codec: &paginate.Codec{Key: []byte("k")}, values: []any{time.Unix(0, 0), int64(1)}, want: "paginate: Codec.Key is 1 bytes, want at least 16"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := tt.codec
			if c == nil {
				c = testCodec
			}
			_, err := c.Encode(o, tt.values)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

// TestCodec_Decode_tampering checks that every altered, forged, truncated, misplaced
// or oversized token is refused with ErrInvalidCursor.
func TestCodec_Decode_tampering(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	signed := &paginate.Codec{Key: key}
	unsigned := &paginate.Codec{Unsigned: true}
	o := mustOrder[Post](t, "-created_at", "title")
	vals := []any{time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC), "tïtle", int64(42)}
	stok := mustEncode(t, signed, o, vals)
	utok := mustEncode(t, unsigned, o, vals)
	raw, err := base64.RawURLEncoding.DecodeString(stok)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		codec *paginate.Codec
		order paginate.Order
		token string
	}
	cases := map[string]tc{
		"empty":                         {signed, o, ""},
		"padding":                       {signed, o, stok + "="},
		"standard base64 alphabet":      {signed, o, strings.NewReplacer("-", "+", "_", "/").Replace(stok) + "+/"},
		"whitespace":                    {signed, o, stok[:5] + " " + stok[5:]},
		"not base64":                    {signed, o, "!!!!"},
		"oversized":                     {signed, o, strings.Repeat("A", paginate.DefaultMaxTokenLen+1)},
		"over a custom MaxLen":          {&paginate.Codec{Key: key, MaxLen: len(stok) - 1}, o, stok},
		"wrong key":                     {&paginate.Codec{Key: []byte("another key, 16 bytes or more")}, o, stok},
		"unsigned token, signed codec":  {signed, o, utok},
		"signed token, unsigned codec":  {unsigned, o, stok},
		"another order":                 {signed, mustOrder[Post](t, "created_at", "title"), stok},
		"another order, unsigned":       {unsigned, mustOrder[Post](t, "-created_at", "-title"), utok},
		"another model, same columns":   {unsigned, mustOrder[Article](t, "-created_at", "title"), utok},
		"reversed order":                {unsigned, o.Reverse(), utok},
		"unknown version":               {unsigned, o, withFirstByte(t, utok, 3)},
		"trailing byte":                 {unsigned, o, reencode(t, utok, func(b []byte) []byte { return append(b, 0) })},
		"NULL in a NOT NULL key":        {unsigned, o, crafted(t, o, 3, 0)},
		"text where timestamp expected": {unsigned, o, crafted(t, o, 3, 6, 1, 'x')},
		"huge count":                    {unsigned, o, crafted(t, o, 0xff, 0xff, 0xff, 0xff, 0x0f)},
	}
	for _, c := range []string{"\r", "\n", "\r\n", "\t", "\x00", "."} {
		for _, tok := range []struct {
			name  string
			codec *paginate.Codec
			token string
		}{{"signed", signed, stok}, {"unsigned", unsigned, utok}} {
			for _, at := range []int{0, 3, len(tok.token) / 2, len(tok.token)} {
				cases[fmt.Sprintf("%q inserted at %d, %s", c, at, tok.name)] = tc{tok.codec, o, tok.token[:at] + c + tok.token[at:]}
			}
		}
	}
	for i := range len(raw) {
		cases["truncated to "+strconv.Itoa(i)] = tc{signed, o, base64.RawURLEncoding.EncodeToString(raw[:i])}
		flipped := append([]byte(nil), raw...)
		flipped[i] ^= 0x01
		cases["bit flipped at "+strconv.Itoa(i)] = tc{signed, o, base64.RawURLEncoding.EncodeToString(flipped)}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := c.codec.Decode(c.order, c.token)
			var ce *paginate.CursorError
			if !errors.Is(err, paginate.ErrInvalidCursor) || !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *CursorError matching ErrInvalidCursor", err)
			}
		})
	}
}

// TestCodec_Decode_craftedValues checks values an unsigned token could carry that the
// column could not hold: refused here, not by the driver.
func TestCodec_Decode_craftedValues(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		order   paginate.Order
		payload []byte // after version and fingerprint
		want    string
	}{
		"int out of range for int32": {
			order: mustOrder[Post](t, "author_id"), payload: []byte{2, 1, 0xfe, 0xff, 0xff, 0xff, 0x1f, 1, 2},
			want: "paginate: invalid cursor: key author_id: 4294967295 out of range for int32",
		},
		"invalid UTF-8": {
			order: mustOrder[Post](t, "title"), payload: []byte{2, 6, 2, 0xc3, 0x28, 1, 2},
			want: "paginate: invalid cursor: key title: text is not valid UTF-8 without NUL",
		},
		"NUL in text": {
			order: mustOrder[Post](t, "title"), payload: []byte{2, 6, 1, 0, 1, 2},
			want: "paginate: invalid cursor: key title: text is not valid UTF-8 without NUL",
		},
		"timestamp out of range": {
			order: mustOrder[Post](t, "created_at"), payload: []byte{2, 8, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 1, 2},
			want: "paginate: invalid cursor: key created_at: timestamp out of range",
		},
		"zone offset out of range": {
			order: mustOrder[Post](t, "created_at"), payload: []byte{2, 8, 0, 0, 0x80, 0x8c, 0x15, 1, 2},
			want: "paginate: invalid cursor: key created_at: zone offset out of range",
		},
		"nanoseconds out of range": {
			order: mustOrder[Post](t, "created_at"), payload: []byte{2, 8, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0, 1, 2},
			want: "paginate: invalid cursor: key created_at: nanoseconds out of range",
		},
		"truncated value": {
			order: mustOrder[Post](t, "title"), payload: []byte{2, 6, 9, 'a'},
			want: "paginate: invalid cursor: key title: truncated",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tok := crafted(t, tt.order, tt.payload...)
			_, err := testCodec.Decode(tt.order, tok)
			if err == nil || err.Error() != tt.want || !errors.Is(err, paginate.ErrInvalidCursor) {
				t.Fatalf("got %v, want %s", err, tt.want)
			}
		})
	}
}

// TestCodec_Decode_numeric checks numeric text: what PostgreSQL prints is accepted,
// anything else refused.
func TestCodec_Decode_numeric(t *testing.T) {
	t.Parallel()
	o := mustOrder[Typed](t, "num")
	tests := map[string]bool{
		"0": true, "-1.50": true, "NaN": true, "Infinity": true, "-Infinity": true, "123456789012345678901234567890.1": true,
		"": false, "1e5": false, "1.": false, ".5": false, "--1": false, "0x10": false, "1,5": false, "nan": false,
	}
	for text, ok := range tests {
		t.Run(text, func(t *testing.T) {
			t.Parallel()
			payload := append([]byte{2, 10, byte(len(text))}, text...)
			payload = append(payload, 1, 2)
			_, err := testCodec.Decode(o, crafted(t, o, payload...))
			if ok && err != nil {
				t.Fatalf("got %v, want accepted", err)
			}
			if !ok && !errors.Is(err, paginate.ErrInvalidCursor) {
				t.Fatalf("got %v, want ErrInvalidCursor", err)
			}
		})
	}
}

func mustEncode(t testing.TB, c *paginate.Codec, o paginate.Order, vals []any) string {
	t.Helper()
	tok, err := c.Encode(o, vals)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// crafted returns an unsigned token with o's version byte and fingerprint followed by
// payload (count and values, hand-encoded). It borrows the header from a valid token.
func crafted(t testing.TB, o paginate.Order, payload ...byte) string {
	t.Helper()
	vals := make([]any, 0, len(o.Keys()))
	for _, k := range o.Keys() {
		vals = append(vals, validValue[k.Column])
	}
	raw, err := base64.RawURLEncoding.DecodeString(mustEncode(t, testCodec, o, vals))
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(append(raw[:9:9], payload...))
}

// validValue holds a valid value for each sort column used with crafted.
var validValue = map[string]any{
	"id": int64(1), "author_id": int64(1), "created_at": time.Unix(0, 0), "title": "",
	"num": pgtype.Numeric{Valid: true, NaN: true},
}

func withFirstByte(t testing.TB, tok string, b byte) string {
	return reencode(t, tok, func(raw []byte) []byte { raw[0] = b; return raw })
}

func reencode(t testing.TB, tok string, edit func([]byte) []byte) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(edit(raw))
}
