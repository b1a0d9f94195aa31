// Command blog is a JSON API over a blog's posts on net/http's router, written the way
// batchorm invites: list and detail endpoints that load authors with Join and tags and
// comments with Preload, keyset pages from ?after= with an allowlisted ?sort=, posts
// created with one bulk INSERT, the statement count of every request in X-Statements,
// and the N+1 guard as middleware. It starts the API on a throwaway database, walks
// through it, prints what each request sent, and exits.
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
	"github.com/batchorm/batchorm/paginate"
)

// Schema is the blog's schema; seed fills it with 20 authors, 1,000 posts, 3,000
// comments and 2 of 10 tags per post.
const (
	Schema = `
CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE posts (
	id         bigserial PRIMARY KEY,
	author_id  bigint NOT NULL REFERENCES authors,
	title      text NOT NULL,
	body       text NOT NULL DEFAULT '',
	score      integer,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON posts (author_id, created_at, id);
CREATE INDEX ON posts (created_at, id);
CREATE INDEX ON posts (title, id);
CREATE INDEX ON posts (score DESC NULLS LAST, id DESC);
CREATE TABLE comments (id bigserial PRIMARY KEY, post_id bigint NOT NULL REFERENCES posts, body text NOT NULL);
CREATE INDEX ON comments (post_id);
CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE post_tags (post_id bigint NOT NULL REFERENCES posts, tag_id bigint NOT NULL REFERENCES tags, PRIMARY KEY (post_id, tag_id));`
	seed = `
INSERT INTO authors (name) SELECT 'author ' || g FROM generate_series(1, 20) g;
INSERT INTO posts (author_id, title, score, created_at)
SELECT 1 + g % 20, 'post ' || g, CASE WHEN g % 4 <> 0 THEN g % 50 END, timestamptz '2026-01-01' + g * interval '1 hour'
FROM generate_series(1, 1000) g;
INSERT INTO comments (post_id, body) SELECT 1 + g % 1000, 'comment ' || g FROM generate_series(1, 3000) g;
INSERT INTO tags (name) SELECT 'tag ' || g FROM generate_series(1, 10) g;
INSERT INTO post_tags SELECT p, 1 + (p + k * 3) % 10 FROM generate_series(1, 1000) p, generate_series(1, 2) k;
ANALYZE;`
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) (err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(Schema), ormtest.Schema(seed))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, done()) }()

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
	steps := []struct{ method, path, body string }{
		{"GET", "/posts?limit=3", ""},
		{"GET", "/posts?limit=3&sort=-score", ""},
		{"GET", "/authors/7/posts?limit=2&sort=title", ""},
		{"GET", "/posts/42", ""},
		{"POST", "/posts", `[{"author_id": 1, "title": "hello"}, {"author_id": 2, "title": "world", "score": 5}]`},
		{"GET", "/posts?sort=body", ""},
		{"GET", "/posts?after=forged", ""},
		{"POST", "/posts", `[{"author_id": 999, "title": "nobody wrote this"}]`},
	}
	for i, s := range steps {
		status, n, body, err := send(ctx, srv.URL, s.method, s.path, s.body)
		if err != nil {
			return err
		}
		fmt.Printf("%-4s %-40s %d  %s statements  %s\n", s.method, s.path, status, n, summary(body))
		if i == 0 {
			if err := json.Unmarshal(body, &first); err != nil {
				return err
			}
		}
	}
	status, n, body, err := send(ctx, srv.URL, "GET", "/posts?limit=3&after="+first.Next, "")
	if err != nil {
		return err
	}
	fmt.Printf("%-4s %-40s %d  %s statements  %s\n", "GET", "/posts?limit=3&after=<next>", status, n, summary(body))
	return nil
}

// send makes one request and returns its status, X-Statements and body.
func send(ctx context.Context, base, method, path, body string) (int, string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", nil, err
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
