package paginate_test

import (
	"errors"
	"testing"

	"github.com/batchorm/batchorm/paginate"
)

// FuzzDecodeCursor feeds arbitrary tokens to Decode, signed and unsigned: it must never
// panic, every failure must be ErrInvalidCursor, and a token it accepts must re-encode
// to a token that decodes to the same values. Seeds: testdata/fuzz/FuzzDecodeCursor.
func FuzzDecodeCursor(f *testing.F) {
	order, err := paginate.OrderBy[Typed](typedKeys...)
	if err != nil {
		f.Fatal(err)
	}
	small, err := paginate.OrderBy[Post]("-created_at", "score")
	if err != nil {
		f.Fatal(err)
	}
	codecs := []*paginate.Codec{{Unsigned: true}, {Key: []byte("fuzzing key, at least 16 bytes")}}
	f.Fuzz(func(t *testing.T, token string) {
		for _, o := range []paginate.Order{order, small} {
			for _, c := range codecs {
				vals, err := c.Decode(o, token)
				if err != nil {
					var ce *paginate.CursorError
					if !errors.Is(err, paginate.ErrInvalidCursor) || !errors.As(err, &ce) {
						t.Fatalf("Decode(%q): error %v is not a *CursorError", token, err)
					}
					continue
				}
				again, err := c.Encode(o, vals)
				if err != nil {
					t.Fatalf("Decode(%q) gave %#v, which does not encode: %v", token, vals, err)
				}
				vals2, err := c.Decode(o, again)
				if err != nil {
					t.Fatalf("re-encoded token %q does not decode: %v", again, err)
				}
				if third, err := c.Encode(o, vals2); err != nil || third != again {
					t.Fatalf("values of %q do not survive a round trip: %q vs %q (%v)", token, third, again, err)
				}
			}
		}
	})
}

// FuzzParseSort feeds arbitrary specs to ParseSort: it must never panic, every failure
// must be ErrInvalidSort, and an accepted spec names only allowed columns (plus the
// primary key) and parses back from its String form. Seeds: testdata/fuzz/FuzzParseSort.
func FuzzParseSort(f *testing.F) {
	allowed := []string{"created_at", "title", "score"}
	f.Fuzz(func(t *testing.T, spec string) {
		o, err := paginate.ParseSort[Post](spec, allowed...)
		if err != nil {
			var se *paginate.SortError
			if !errors.Is(err, paginate.ErrInvalidSort) || !errors.As(err, &se) {
				t.Fatalf("ParseSort(%q): error %v is not a *SortError", spec, err)
			}
			return
		}
		if o.IsZero() {
			if spec != "" {
				t.Fatalf("ParseSort(%q) gave the zero Order", spec)
			}
			return
		}
		keys := o.Keys()
		for _, k := range keys[:len(keys)-1] {
			if k.Column != "created_at" && k.Column != "title" && k.Column != "score" {
				t.Fatalf("ParseSort(%q) let %q through", spec, k.Column)
			}
		}
		if last := keys[len(keys)-1]; last.Column != "id" {
			t.Fatalf("ParseSort(%q) does not end with the primary key: %v", spec, keys)
		}
		// Without the tie-breaker, String reads back as a spec.
		back := ""
		for i, k := range keys[:len(keys)-1] {
			if i > 0 {
				back += ","
			}
			back += k.String()
		}
		o2, err := paginate.ParseSort[Post](back, allowed...)
		if err != nil || o2.String() != o.String() {
			t.Fatalf("ParseSort(%q) = %q does not parse back: %q, %v", spec, o.String(), o2.String(), err)
		}
	})
}
