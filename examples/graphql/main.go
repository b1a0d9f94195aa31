// Command graphql serves a GraphQL API (gqlgen) whose resolvers load nested relations,
// authors → posts → comments, through batchorm's dataloader, on a throwaway database.
// It starts the server on a free port, sends it a few queries, prints each answer's
// size and the statements each request cost, and exits.
//
//	go run .
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB); otherwise it
// starts a PostgreSQL cluster from the local binaries and removes it at the end.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/batchorm/batchorm/orm/ormtest"
)

const schema = `
CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE posts (
	id        bigserial PRIMARY KEY,
	author_id bigint NOT NULL REFERENCES authors(id),
	title     text NOT NULL
);
CREATE INDEX ON posts (author_id);
CREATE TABLE comments (
	id      bigserial PRIMARY KEY,
	post_id bigint NOT NULL REFERENCES posts(id),
	body    text NOT NULL
);
CREATE INDEX ON comments (post_id);
-- 100 authors, 4 posts each, 3 comments per post.
INSERT INTO authors (name) SELECT 'author-' || g FROM generate_series(1, 100) g;
INSERT INTO posts (author_id, title) SELECT 1 + (g - 1) % 100, 'post ' || g FROM generate_series(1, 400) g;
INSERT INTO comments (post_id, body) SELECT 1 + (g - 1) % 400, 'comment ' || g FROM generate_series(1, 1200) g;
ANALYZE;
`

// queries are the requests main sends to the server.
var queries = []struct{ name, query string }{
	{"authors", `{ authors(first: 50) { id name } }`},
	{"authors → posts", `{ authors(first: 50) { name posts { title } } }`},
	{"authors → posts → comments", `{ authors(first: 50) { name posts { title comments { body } } } }`},
	{"authors → posts → author + comments", `{ authors(first: 50) { posts { author { name } comments { id } } } }`},
}

func main() {
	if err := run(); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(schema))
	if err != nil {
		return err
	}
	defer done()
	h, err := newServer(db, 5*time.Millisecond) // a few milliseconds: a level's resolvers all ask in time
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/query"
	fmt.Printf("serving GraphQL on %s\n\n", url)
	for _, q := range queries {
		res, err := post(ctx, url, q.query)
		if err != nil {
			return fmt.Errorf("%s: %w", q.name, err)
		}
		fmt.Printf("%-38s %6d bytes  %d statements, %d round trips\n", q.name, res.size, res.Statements, res.RoundTrips)
	}
	return nil
}

// result is what main reads of a response.
type result struct {
	size       int
	Statements int
	RoundTrips int
	Data       json.RawMessage
}

// post sends query to url and returns its answer and costs; GraphQL errors are errors.
func post(ctx context.Context, url, query string) (*result, error) {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Data       json.RawMessage `json:"data"`
		Errors     []any           `json:"errors"`
		Extensions struct {
			Batchorm struct{ Statements, RoundTrips int } `json:"batchorm"`
		} `json:"extensions"`
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("status %s: %w", resp.Status, err)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("graphql errors: %v", out.Errors)
	}
	return &result{size: len(out.Data), Statements: out.Extensions.Batchorm.Statements,
		RoundTrips: out.Extensions.Batchorm.RoundTrips, Data: out.Data}, nil
}
