package route

import (
	"errors"
	"testing"
)

// FuzzDecodeSessionToken: Decode never panics; every failure wraps ErrInvalidToken; a
// token it accepts is exactly what Encode makes of the position (so a signed token
// cannot be respelled); and Encode's tokens decode to their position, with and without
// a key, and are refused under the other key setting.
func FuzzDecodeSessionToken(f *testing.F) {
	key := []byte("fuzz-key")
	for _, s := range []string{"", "s1.0", "s1.1f", "s1.+1f", "s1.01f", "s1.1F", "s1.-1", "s1.", "s1..x", "s1.10.c2ln",
		"s2.10", "x", "s1.7fffffffffffffff", "s1.8000000000000000", "s1.ffffffffffffffffff", Encode(42, key),
		Encode(42, nil) + ".", Encode(0, key)} {
		f.Add(s, int64(len(s)), len(s)%2 == 0)
	}
	f.Fuzz(func(t *testing.T, token string, pos int64, signed bool) {
		k := []byte(nil)
		if signed {
			k = key
		}
		got, err := Decode(token, k)
		switch {
		case err != nil:
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Decode(%q): %v, want an error wrapping ErrInvalidToken", token, err)
			}
		case token == "":
			if got != 0 {
				t.Fatalf("Decode(\"\") = %d, want 0", got)
			}
		case got < 0 || Encode(got, k) != token:
			t.Fatalf("Decode(%q) accepted %d, whose token is %q", token, got, Encode(got, k))
		}

		if pos < 0 {
			pos = -(pos + 1)
		}
		tok := Encode(pos, k)
		if back, err := Decode(tok, k); err != nil || back != pos {
			t.Fatalf("Decode(Encode(%d)) = %d, %v", pos, back, err)
		}
		other := key
		if signed {
			other = nil
		}
		if _, err := Decode(tok, other); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("Decode(%q) under the other key setting: %v, want ErrInvalidToken", tok, err)
		}
	})
}
