package pool

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// ConfigError reports an invalid setting. Field is the [Config] field name ("MaxConns"),
// or the connection-string key ("pool_max_conns") when a key's value cannot be parsed.
// Err describes the problem; Unwrap returns it, so errors.Is reaches any cause inside.
//
// The message reads "pool: <Field>: <problem>" and never contains the password.
type ConfigError struct {
	Field string
	Err   error
}

// Error implements error.
func (e *ConfigError) Error() string {
	if e.Err == nil {
		return "pool: " + e.Field + ": invalid"
	}
	return "pool: " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns e.Err.
func (e *ConfigError) Unwrap() error { return e.Err }

func configErrorf(field, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
}

// redactedError carries a message scrubbed of passwords and unwraps to the original error,
// so errors.As still reaches a *pgconn.ParseConfigError or *pgconn.ConnectError.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// withheld replaces a message that may still contain a fragment of a password.
const withheld = "details withheld because they may contain the password"

// redact wraps err as "pool: <what>: <err>", with every password found in connString (and
// any in extra) masked. pgconn masks passwords too, but only on a best-effort basis: a
// malformed string can leak part of one. If a fragment of a password is still in the
// text after masking, the detail is withheld; errors.As on the result reaches err.
func redact(what string, err error, connString string, extra ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	secrets := append(passwords(connString), extra...)
	for _, s := range secrets {
		if len(s) >= 4 { // shorter ones would garble the text; leaks withholds it instead
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	for _, s := range secrets {
		if leaks(msg, s) {
			msg = withheld
			break
		}
	}
	return &redactedError{msg: "pool: " + what + ": " + msg, err: err}
}

// passwordKV matches a keyword/value or URL-query password, quoted or not.
var passwordKV = regexp.MustCompile(`password\s*=\s*('(?:[^'\\]|\\.)*'?|[^\s&]*)`)

// passwords returns every string in connString that may be a password, in raw and
// decoded forms. It errs on the side of finding too much.
func passwords(connString string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if u, err := url.PathUnescape(s); err == nil && u != s {
			out = append(out, u)
		}
	}
	for _, m := range passwordKV.FindAllStringSubmatch(connString, -1) {
		v := strings.TrimPrefix(m[1], "'")
		v = strings.TrimSuffix(v, "'")
		add(v)
		add(strings.ReplaceAll(v, `\'`, `'`))
	}
	if _, rest, ok := strings.Cut(connString, "://"); ok {
		authority, _, _ := strings.Cut(rest, "?")
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(authority[:at], ":"); ok {
				add(pw)
			}
		}
	}
	return out
}

// leaks reports whether msg contains a fragment of secret: any 4-byte window of it, or
// all of it if it is shorter.
func leaks(msg, secret string) bool {
	if secret == "" {
		return false
	}
	n := min(4, len(secret))
	for i := 0; i+n <= len(secret); i++ {
		if strings.Contains(msg, secret[i:i+n]) {
			return true
		}
	}
	return false
}
