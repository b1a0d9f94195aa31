package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxNameLen is PostgreSQL's identifier limit (NAMEDATALEN-1 bytes). Longer names are
// truncated by the server, so the returned URL would name another database.
const maxNameLen = 63

// CreateDatabase creates database name on the server of adminURL, as a copy of template
// ("" means the server's default, template1), and returns a URL for it: adminURL with
// the database replaced (see [WithDatabase]). The adminURL user needs the CREATEDB
// privilege. The template must have no open connections while it is copied; PostgreSQL
// waits up to 5 seconds for closing ones to go away, then fails with SQLSTATE 55006.
// ctx bounds the connection and the statement.
func CreateDatabase(ctx context.Context, adminURL, name, template string) (dbURL string, err error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	dbURL, err = WithDatabase(adminURL, name)
	if err != nil {
		return "", err
	}
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		if err := checkName(template); err != nil {
			return "", err
		}
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if err := adminExec(ctx, adminURL, sql); err != nil {
		return "", fmt.Errorf("pgserver: create database %q: %w", name, err)
	}
	return dbURL, nil
}

// DropDatabase drops database name on the server of adminURL with
// DROP DATABASE IF EXISTS ... WITH (FORCE) (PostgreSQL 13 or later), so open
// connections to it are terminated, and a missing database is no error. ctx bounds the
// connection and the statement.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	sql := "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
	if err := adminExec(ctx, adminURL, sql); err != nil {
		return fmt.Errorf("pgserver: drop database %q: %w", name, err)
	}
	return nil
}

// adminExec runs one statement on its own connection.
func adminExec(ctx context.Context, connString, sql string) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, sql)
	closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(err, conn.Close(closeCtx))
}

func checkName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("pgserver: database name %q: want 1 to %d bytes", name, maxNameLen)
	}
	return nil
}

// WithDatabase returns connString with its database replaced by dbname; everything
// else, password included, is kept. A postgres:// or postgresql:// URL gets dbname as
// its path, and dbname or database query parameters are removed. Any other string is
// taken as keyword/value settings ("host=... user=...") and gets dbname=... appended,
// which overrides an earlier dbname.
func WithDatabase(connString, dbname string) (string, error) {
	if dbname == "" {
		return "", errors.New("pgserver: WithDatabase: empty database name")
	}
	rest, ok := strings.CutPrefix(connString, "postgres://")
	scheme := "postgres://"
	if !ok {
		rest, ok = strings.CutPrefix(connString, "postgresql://")
		scheme = "postgresql://"
	}
	if !ok {
		if strings.Contains(connString, "://") {
			return "", errors.New("pgserver: WithDatabase: URL scheme is not postgres:// or postgresql://")
		}
		return strings.TrimSpace(connString + " dbname=" + quoteConnValue(dbname)), nil
	}
	// As in libpq, an '@' before the first '/' ends the user info, and the host list
	// ends at the first '/' or '?'.
	authority := ""
	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		authority, rest = rest[:i+1], rest[i+1:]
	}
	hostEnd := strings.IndexAny(rest, "/?")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	authority, rest = authority+rest[:hostEnd], rest[hostEnd:]
	query := ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		query = withoutDBParams(rest[i+1:])
	}
	out := scheme + authority + "/" + escapeURIComponent(dbname)
	if query != "" {
		out += "?" + query
	}
	return out, nil
}

// withoutDBParams drops the dbname and database parameters from a URL query, keeping
// the others as written.
func withoutDBParams(query string) string {
	var kept []string
	for _, pair := range strings.Split(query, "&") {
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.PathUnescape(key); err == nil && (k == "dbname" || k == "database") {
			continue
		}
		if pair != "" {
			kept = append(kept, pair)
		}
	}
	return strings.Join(kept, "&")
}

// escapeURIComponent percent-encodes everything but RFC 3986 unreserved characters.
func escapeURIComponent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
