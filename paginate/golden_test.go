package paginate_test

import (
	"flag"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/paginate"
)

var printGolden = flag.Bool("golden", false, "print the golden cursor tokens instead of checking them")

// Cursors handed to clients stay valid across releases: users keep ?cursor= links in
// browsers, caches and bookmarks. These tokens were made by the code of this
// repository and pinned; any change to the token layout, the values' encoding or an
// order's fingerprint (the model, table, columns, directions, NULL placement, value
// kinds) breaks this test. A change that must invalidate old cursors needs a new
// token version, not an edit of these strings.
func TestCodec_goldenTokens(t *testing.T) {
	t.Parallel()
	signed := &paginate.Codec{Key: []byte("golden-key-0123456789abcdef")}
	at := time.Date(2023, 11, 5, 14, 30, 15, 123456000, time.FixedZone("", 3600))
	score := int32(7)
	id := [16]byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	sortSpec := func(t *testing.T) paginate.Order {
		o, err := paginate.ParseSort[Post]("-score,title", "title", "score NULLS LAST")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	cases := []struct {
		name     string
		order    func(t *testing.T) paginate.Order
		codec    *paginate.Codec
		included bool
		values   []any
		want     []any // decoded values, when they differ from values
		token    string
	}{
		{name: "primary key, unsigned", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t) },
			values: []any{int64(42)}, token: "ASSJWcJqbAbMAQFU"},
		{name: "primary key, signed", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t) },
			codec: signed, values: []any{int64(42)}, token: "ASSJWcJqbAbMAQFUNFEesAIjw-yZlDahfqJlJ04YCMTRL8JDrYIf4CizzEg"},
		{name: "descending time", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t, "-created_at") },
			values: []any{at, int64(9)}, token: "AVgMTpXzXNs2AgjO47zUDICU7zqgOAES"},
		{name: "mixed directions", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t, "-created_at", "title") },
			values: []any{at, "héllo", int64(9)}, token: "AWpXMr32S-QgAwjO47zUDICU7zqgOAYGaMOpbGxvARI"},
		{name: "nullable key, NULL value", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t, "score") },
			values: []any{nil, int64(3)}, token: "AUs3w7rIoE-XAgABBg"},
		{name: "NULLS LAST descending", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t, "-score NULLS LAST") },
			values: []any{&score, int64(3)}, want: []any{int64(7), int64(3)}, token: "AXpb9kMf__lzAgEOAQY"},
		{name: "NULLS FIRST ascending, signed", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t, "score NULLS FIRST") },
			codec: signed, values: []any{nil, int64(3)}, token: "AbCito1xtR_gAgABBlPR7cPCjN4qmk0V6Pbd4tcfw3rcpTCOkA3In3QhZ7HQ"},
		{name: "ParseSort with NULLS LAST allowlist", order: sortSpec,
			values: []any{&score, "t", int64(5)}, want: []any{int64(7), "t", int64(5)}, token: "AaI_O2KiXd6SAwEOBgF0AQo"},
		{name: "included position (empty page)", order: func(t *testing.T) paginate.Order { return mustOrder[Post](t, "-created_at") },
			included: true, values: []any{at, int64(9)}, token: "AlgMTpXzXNs2AgjO47zUDICU7zqgOAES"},
		{name: "typed keys", order: func(t *testing.T) paginate.Order { return mustOrder[Typed](t, typedKeys...) },
			values: []any{int16(-5), uint16(65535), math.Pi, true, "日本", []byte{0, 1, 255}, at,
				pgtype.UUID{Bytes: id, Valid: true}, mustNumeric(t, "-12.3400"), nil, &at,
				pgtype.Timestamptz{Time: at.UTC(), Valid: true}, id, int64(1) << 40},
			want: []any{int64(-5), uint64(65535), math.Pi, true, "日本", []byte{0, 1, 255}, at,
				id, mustNumeric(t, "-12.3400"), nil, at, at.UTC(), id, int64(1) << 40},
			token: "AZjJECwfR_siDgEJAv__AwNACSH7VEQtGAUGBuaXpeacrAcDAAH_CM7jvNQMgJTvOqA4Cd6tvu8BAgMEBQYHCAkKCwwKCC0xMi4zNDAwAAjO47zUDICU7zqgOAjO47zUDICU7zoACd6tvu8BAgMEBQYHCAkKCwwBgICAgIBA"},
		{name: "typed keys, signed", order: func(t *testing.T) paginate.Order { return mustOrder[Typed](t, "-at", "s", "uid") },
			codec: signed, values: []any{at, "s", id, int64(-1)}, token: "Ab-zY8cQV4qfBAjO47zUDICU7zqgOAYBcwnerb7vAQIDBAUGBwgJCgsMAQGk7rY5pNEHO8U8dppKbjqeGcK_chPPDe5Wu3hMUdVbUQ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.order(t)
			if tc.codec == nil {
				tc.codec = &paginate.Codec{Unsigned: true}
			}
			var got string
			var err error
			if tc.included {
				got, err = paginate.EncodeIncluded(tc.codec, o, tc.values)
			} else {
				got, err = tc.codec.Encode(o, tc.values)
			}
			if err != nil {
				t.Fatal(err)
			}
			if *printGolden {
				fmt.Printf("%s\t%q\n", tc.name, got)
				return
			}
			if got != tc.token {
				t.Errorf("cursor token changed: old links would break\n got: %s\nwant: %s", got, tc.token)
			}
			vals, included, err := paginate.DecodeIncluded(tc.codec, o, tc.token)
			if err != nil {
				t.Fatalf("the pinned token no longer decodes: %v", err)
			}
			want := tc.want
			if want == nil {
				want = tc.values
			}
			if included != tc.included || !sameValues(vals, want) {
				t.Errorf("pinned token decodes to %#v (included %v), want %#v (included %v)", vals, included, want, tc.included)
			}
		})
	}
}

// sameValues compares decoded cursor values, times by instant and offset.
func sameValues(got, want []any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		gt, ok1 := got[i].(time.Time)
		wt, ok2 := want[i].(time.Time)
		if ok1 && ok2 {
			_, go1 := gt.Zone()
			_, wo := wt.Zone()
			if !gt.Equal(wt) || go1 != wo {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			return false
		}
	}
	return true
}
