package pgserver_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/jackc/pgx/v5"
)

// uniqueName returns a database name no other test uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%016x", prefix, rand.Uint64())
}

// mustCreateDatabase creates a database from template and drops it in t.Cleanup.
func mustCreateDatabase(t testing.TB, ctx context.Context, adminURL, name, template string) string {
	t.Helper()
	url, err := pgserver.CreateDatabase(ctx, adminURL, name, template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := pgserver.DropDatabase(context.WithoutCancel(ctx), adminURL, name); err != nil {
			t.Error(err)
		}
	})
	return url
}

func databaseExists(t testing.TB, ctx context.Context, adminURL, name string) bool {
	t.Helper()
	return mustQueryInt(t, ctx, adminURL, "SELECT count(*) FROM pg_database WHERE datname = '"+name+"'") == 1
}

func TestCreateDatabase_fromTemplate_clonesTable(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	admin := mustShared(t, ctx)
	tmplName := uniqueName("tmpl")
	tmplURL := mustCreateDatabase(t, ctx, admin, tmplName, "")
	mustExec(t, ctx, tmplURL, "CREATE TABLE film (id int PRIMARY KEY, title text); INSERT INTO film VALUES (1, 'Alien'), (2, 'Heat')")

	name := uniqueName("clone")
	url, err := pgserver.CreateDatabase(ctx, admin, name, tmplName)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustQueryString(t, ctx, url, "SELECT current_database()"); got != name {
		t.Errorf("URL connects to %q, want %q", got, name)
	}
	if got := mustQueryInt(t, ctx, url, "SELECT count(*) FROM film"); got != 2 {
		t.Errorf("clone has %d films, want 2", got)
	}

	// An open connection does not stop DropDatabase.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := pgserver.DropDatabase(ctx, admin, name); err != nil {
		t.Fatal(err)
	}
	if databaseExists(t, ctx, admin, name) {
		t.Errorf("database %s still exists after DropDatabase", name)
	}
	if err := pgserver.DropDatabase(ctx, admin, name); err != nil {
		t.Errorf("DropDatabase of a missing database: %v", err)
	}
}

func TestCreateDatabase_errors(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	admin := mustShared(t, ctx)
	existingName := uniqueName("dup")
	mustCreateDatabase(t, ctx, admin, existingName, "")
	tests := map[string]struct {
		name, template string
		want           string
	}{
		"empty name":       {"", "", "want 1 to 63 bytes"},
		"name too long":    {strings.Repeat("x", 64), "", "want 1 to 63 bytes"},
		"already exists":   {existingName, "", "already exists"},
		"missing template": {uniqueName("orphan"), uniqueName("nosuch"), "does not exist"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := pgserver.CreateDatabase(ctx, admin, tc.name, tc.template)
			if err == nil || !strings.HasPrefix(err.Error(), "pgserver: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in, db string
		want   string
	}{
		"URL":                {"postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "app", "postgres://u:p@127.0.0.1:5432/app?sslmode=disable"},
		"postgresql scheme":  {"postgresql://h/db", "app", "postgresql://h/app"},
		"no path":            {"postgres://h:5432", "app", "postgres://h:5432/app"},
		"query without path": {"postgres://h?sslmode=disable", "app", "postgres://h/app?sslmode=disable"},
		"dbname param":       {"postgres://h/a?dbname=b&sslmode=disable&database=c", "app", "postgres://h/app?sslmode=disable"},
		"multiple hosts":     {"postgres://u@h1:5432,h2:5433/db?target_session_attrs=any", "app", "postgres://u@h1:5432,h2:5433/app?target_session_attrs=any"},
		"escaped name":       {"postgres://h/db", "my db/ü", "postgres://h/my%20db%2F%C3%BC"},
		"password with '/'":  {"postgres://u:p%2Fq@h/db", "app", "postgres://u:p%2Fq@h/app"},
		"keyword/value":      {"host=h dbname=db", "app", "host=h dbname=db dbname='app'"},
		"empty":              {"", "it's", `dbname='it\'s'`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := pgserver.WithDatabase(tc.in, tc.db)
			if err != nil || got != tc.want {
				t.Fatalf("WithDatabase(%q, %q) = %q, %v; want %q", tc.in, tc.db, got, err, tc.want)
			}
			cfg, err := pgx.ParseConfig(got)
			if err != nil {
				t.Fatalf("pgx cannot parse %q: %v", got, err)
			}
			if cfg.Database != tc.db {
				t.Errorf("pgx reads database %q, want %q", cfg.Database, tc.db)
			}
		})
	}
}

func TestWithDatabase_invalid(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, db string }{
		"empty database": {"postgres://h/db", ""},
		"other scheme":   {"mysql://u:secret@h/db", "app"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := pgserver.WithDatabase(tc.in, tc.db)
			if err == nil {
				t.Fatalf("WithDatabase = %q, want an error", got)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}
