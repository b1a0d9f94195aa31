// Package route sends a handle's reads to replicas and its writes to the primary, and
// keeps read-your-writes: the WAL position of a scope's last write, learned in the
// write's own round trip, and the replay position of each replica.
package route

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// Session is a read-your-writes scope: the highest primary WAL position (in bytes
// from 0/0) of the writes made in it. It is safe for concurrent use.
type Session struct {
	pos atomic.Int64
}

// Pos returns the position reads in the session must see, 0 when nothing was written.
func (s *Session) Pos() int64 { return s.pos.Load() }

// Advance raises the session's position to pos.
func (s *Session) Advance(pos int64) {
	for {
		cur := s.pos.Load()
		if pos <= cur || s.pos.CompareAndSwap(cur, pos) {
			return
		}
	}
}

type sessionKey struct{}

// WithSession returns ctx carrying s.
func WithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

// SessionFrom returns the session in ctx, or nil.
func SessionFrom(ctx context.Context) *Session {
	s, _ := ctx.Value(sessionKey{}).(*Session)
	return s
}

type primaryKey struct{}

// OnPrimary returns ctx whose reads go to the primary.
func OnPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// Primary reports whether ctx asks for the primary.
func Primary(ctx context.Context) bool { return ctx.Value(primaryKey{}) != nil }

type readKey struct{}

// AsRead returns ctx whose raw statements are reads (routed like queries).
func AsRead(ctx context.Context) context.Context { return context.WithValue(ctx, readKey{}, true) }

// IsRead reports whether ctx marks raw statements as reads.
func IsRead(ctx context.Context) bool { return ctx.Value(readKey{}) != nil }

// ErrInvalidToken is wrapped by every error of [Decode].
var ErrInvalidToken = errors.New("orm: invalid session token")

// tokenVersion starts every token.
const tokenVersion = "s1."

// maxToken bounds the length of a token Decode reads.
const maxToken = 128

// Encode returns the token of position pos: "s1." + the position in hex, then, with a
// key, "." + the base64url HMAC-SHA256 (first 16 bytes) of what precedes it.
func Encode(pos int64, key []byte) string {
	t := tokenVersion + strconv.FormatInt(pos, 16)
	if len(key) > 0 {
		t += "." + base64.RawURLEncoding.EncodeToString(mac(t, key))
	}
	return t
}

// Decode parses a token made by [Encode] with the same key, and only Encode's
// spelling of it (no sign, leading zeros or upper-case digits). Every failure wraps
// [ErrInvalidToken]; the empty token is position 0.
func Decode(token string, key []byte) (int64, error) {
	if token == "" {
		return 0, nil
	}
	if len(token) > maxToken {
		return 0, fmt.Errorf("%w: longer than %d bytes", ErrInvalidToken, maxToken)
	}
	if !strings.HasPrefix(token, tokenVersion) {
		return 0, fmt.Errorf("%w: unknown version", ErrInvalidToken)
	}
	body, sig, signed := token, "", false
	if i := strings.LastIndexByte(token, '.'); i > len(tokenVersion)-1 {
		body, sig, signed = token[:i], token[i+1:], true
	}
	if len(key) > 0 {
		if !signed {
			return 0, fmt.Errorf("%w: not signed", ErrInvalidToken)
		}
		// Compared as text: base64 decoding ignores the unused low bits of the last
		// character, which would let one signature be spelled several ways.
		want := base64.RawURLEncoding.EncodeToString(mac(body, key))
		if !hmac.Equal([]byte(sig), []byte(want)) {
			return 0, fmt.Errorf("%w: bad signature", ErrInvalidToken)
		}
	} else if signed {
		return 0, fmt.Errorf("%w: signed, but no key is configured", ErrInvalidToken)
	}
	hexPos := body[len(tokenVersion):]
	if hexPos == "" || len(hexPos) > 16 {
		return 0, fmt.Errorf("%w: bad position", ErrInvalidToken)
	}
	pos, err := strconv.ParseInt(hexPos, 16, 64)
	// Only Encode's own spelling: no sign, no leading zeros, lower case.
	if err != nil || pos < 0 || strconv.FormatInt(pos, 16) != hexPos {
		return 0, fmt.Errorf("%w: bad position", ErrInvalidToken)
	}
	return pos, nil
}

func mac(body string, key []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(body))
	return h.Sum(nil)[:16]
}
