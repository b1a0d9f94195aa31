// Command blog is a JSON API over a blog's posts on net/http's router, written the way
// batchorm invites: list and detail endpoints that load authors with Join and tags and
// comments with Preload, keyset pages from ?after= with an allowlisted ?sort=, posts
// created with one bulk INSERT, the statement count of every request in X-Statements,
// the N+1 guard as middleware, and a tenant scope: a middleware reads the tenant from
// X-Tenant and every statement is restricted to that tenant's rows, with no handler
// naming it. It creates its tables from the models (schema.DDL) on a throwaway
// database with two tenants, walks through the API, prints what each request sent,
// and exits.
//
//	go run ./examples/blog
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB); otherwise it
// starts a PostgreSQL cluster from the local binaries and removes it at the end.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
	"github.com/batchorm/batchorm/paginate"
)

// models are the blog's models: schema.DDL writes their tables, and main checks the
// live database against them (schema.Drift) before serving.
var models = []any{&Author{}, &Post{}, &Comment{}, &Tag{}}

// seed fills the tables of two tenants, 1 (acme) and 2 (globex), interleaved: row ids
// and creation times alternate between them. Each tenant has 20 authors, 1,000 posts
// (a quarter without a score; acme's scores are 0..49, globex's 50..99), 3,000
// comments, 10 tags and 2 tags per post. Odd ids are acme's, even ids globex's.
const seed = `
INSERT INTO authors (tenant_id, name)
SELECT 1 + g % 2, (ARRAY['acme', 'globex'])[1 + g % 2] || ' author ' || (1 + g / 2) FROM generate_series(0, 39) g ORDER BY g;
INSERT INTO posts (tenant_id, author_id, title, body, score, created_at)
SELECT 1 + g % 2, 1 + 2 * ((g / 2) % 20) + g % 2, (ARRAY['acme', 'globex'])[1 + g % 2] || ' post ' || (1 + g / 2), '',
	CASE WHEN (g / 2) % 4 <> 0 THEN (g / 2) % 50 + 50 * (g % 2) END, timestamptz '2026-01-01' + g * interval '30 minutes'
FROM generate_series(0, 1999) g ORDER BY g;
INSERT INTO comments (tenant_id, post_id, body)
SELECT 1 + g % 2, 1 + 2 * ((g / 2) % 1000) + g % 2, (ARRAY['acme', 'globex'])[1 + g % 2] || ' comment ' || (1 + g / 2)
FROM generate_series(0, 5999) g ORDER BY g;
INSERT INTO tags (tenant_id, name)
SELECT 1 + g % 2, (ARRAY['acme', 'globex'])[1 + g % 2] || ' tag ' || (1 + g / 2) FROM generate_series(0, 19) g ORDER BY g;
INSERT INTO post_tags (post_id, tag_id)
SELECT 1 + g, 1 + 2 * ((g / 2 + k * 3) % 10) + g % 2 FROM generate_series(0, 1999) g, generate_series(1, 2) k;
ANALYZE;`

// Schema returns the blog's DDL, written by schema.DDL from the models; a real
// service would put it in a migration file (batchorm runs no migrations).
func Schema() (string, error) { return schema.DDL(models...) }

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) (err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	ddl, err := Schema()
	if err != nil {
		return err
	}
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(ddl), ormtest.Schema(seed))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, done()) }()
	// At startup, check the live tables, keys and indexes against the models (one
	// catalog read): on a real database the schema comes from migrations, and this
	// fails fast when they and the models disagree.
	rep, err := schema.Drift(ctx, db, models...)
	if err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return err
	}

	// A real service loads the key from its secrets, the same on every instance.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	api := &API{DB: db, Codec: &paginate.Codec{Key: key}}
	srv := httptest.NewServer(api.Routes(orm.ReportTo(func(_ context.Context, r orm.NPlusOne) {
		log.Printf("N+1: %s", r) // a request that loops over parents would show here
	})))
	defer srv.Close()

	var first page
	steps := []struct{ tenant, method, path, body string }{
		{"1", "GET", "/posts?limit=3", ""},
		{"2", "GET", "/posts?limit=3", ""},
		{"1", "GET", "/posts?limit=3&sort=-score", ""},
		{"1", "GET", "/authors/7/posts?limit=2&sort=title", ""},
		{"1", "GET", "/posts/43", ""},
		{"1", "GET", "/posts/42", ""}, // globex's post: not found for acme
		{"1", "POST", "/posts", `[{"author_id": 1, "title": "hello"}, {"author_id": 3, "title": "world", "score": 5}]`},
		{"1", "POST", "/posts", `[{"author_id": 2, "title": "globex's author"}]`},
		{"1", "GET", "/posts?sort=body", ""},
		{"1", "GET", "/posts?after=forged", ""},
		{"", "GET", "/posts", ""},
	}
	for i, s := range steps {
		status, n, body, err := send(ctx, srv.URL, s.tenant, s.method, s.path, s.body)
		if err != nil {
			return err
		}
		fmt.Printf("%-9s %-4s %-37s %d  %s statements  %s\n", tenantLabel(s.tenant), s.method, s.path, status, n, summary(body))
		if i == 0 {
			if err := json.Unmarshal(body, &first); err != nil {
				return err
			}
		}
	}
	status, n, body, err := send(ctx, srv.URL, "1", "GET", "/posts?limit=3&after="+first.Next, "")
	if err != nil {
		return err
	}
	fmt.Printf("%-9s %-4s %-37s %d  %s statements  %s\n", tenantLabel("1"), "GET", "/posts?limit=3&after=<next>", status, n, summary(body))
	return nil
}

// tenantLabel names the tenant of a tour step.
func tenantLabel(tenant string) string {
	if tenant == "" {
		return "no tenant"
	}
	return "tenant " + tenant
}

// send makes one request as tenant (no X-Tenant header when empty) and returns its
// status, X-Statements and body.
func send(ctx context.Context, base, tenant, method, path, body string) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	if tenant != "" {
		req.Header.Set("X-Tenant", tenant)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Statements"), b, err
}

// summary shortens a response body for the tour's output.
func summary(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 90 {
		s = s[:90] + "…"
	}
	return s
}
