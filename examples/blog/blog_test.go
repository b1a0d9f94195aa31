package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

func TestMain(m *testing.M) { ormtest.Main(m) }

// newAPI serves the blog on a fresh database; an N+1 fails the request (Strict) and
// the test.
func newAPI(t *testing.T) (*httptest.Server, *[]orm.NPlusOne) {
	t.Helper()
	db := ormtest.New(t, ormtest.Schema(Schema), ormtest.Schema(seed))
	var found []orm.NPlusOne
	api := &API{DB: db, Codec: &paginate.Codec{Key: []byte("a test key of at least 16 bytes")}}
	srv := httptest.NewServer(api.Routes(orm.Strict(), orm.ReportTo(func(_ context.Context, r orm.NPlusOne) {
		found = append(found, r)
	})))
	t.Cleanup(srv.Close)
	return srv, &found
}

func do(t *testing.T, srv *httptest.Server, method, path, body string) (int, string, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, n, b, err := send(ctx, srv.URL, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, n, b
}

// Every endpoint sends a fixed number of statements, whatever the number of rows.
func TestAPI_statementCounts(t *testing.T) {
	t.Parallel()
	srv, found := newAPI(t)
	for _, tc := range []struct {
		method, path, body string
		status             int
		statements         string
		check              func(t *testing.T, body []byte)
	}{
		{"GET", "/posts?limit=50", "", 200, "2", func(t *testing.T, b []byte) {
			var p page
			mustJSON(t, b, &p)
			if len(p.Items) != 50 || p.Next == "" || p.Items[0].Author == nil || len(p.Items[0].Tags) != 2 {
				t.Errorf("page: %d items, next %q, first %+v", len(p.Items), p.Next, p.Items[0])
			}
		}},
		{"GET", "/posts?limit=100&sort=-score", "", 200, "2", func(t *testing.T, b []byte) {
			var p page
			mustJSON(t, b, &p)
			if *p.Items[0].Score != 49 || p.Items[0].Score == nil {
				t.Errorf("best score first: %+v", p.Items[0])
			}
		}},
		{"GET", "/authors/3/posts?sort=title&limit=10", "", 200, "2", func(t *testing.T, b []byte) {
			var p page
			mustJSON(t, b, &p)
			for _, post := range p.Items {
				if post.AuthorID != 3 || post.Author.Name != "author 3" {
					t.Errorf("another author's post: %+v", post)
				}
			}
		}},
		{"GET", "/posts/42", "", 200, "3", func(t *testing.T, b []byte) {
			var p Post
			mustJSON(t, b, &p)
			if p.ID != 42 || p.Author == nil || len(p.Comments) != 3 || len(p.Tags) != 2 {
				t.Errorf("post: %+v", p)
			}
		}},
		{"GET", "/posts/999999", "", 404, "1", nil},
		{"POST", "/posts", `[{"author_id": 1, "title": "a"}, {"author_id": 2, "title": "b"}, {"author_id": 3, "title": "c"}]`, 201, "1",
			func(t *testing.T, b []byte) {
				var ps []Post
				mustJSON(t, b, &ps)
				if len(ps) != 3 || ps[0].ID == 0 || ps[2].ID != ps[0].ID+2 || ps[0].CreatedAt.IsZero() {
					t.Errorf("created: %+v", ps)
				}
			}},
	} {
		status, n, body := do(t, srv, tc.method, tc.path, tc.body)
		if status != tc.status || n != tc.statements {
			t.Errorf("%s %s: status %d with %s statements, want %d with %s: %s", tc.method, tc.path, status, n, tc.status, tc.statements, body)
			continue
		}
		if tc.check != nil {
			tc.check(t, body)
		}
	}
	if len(*found) != 0 {
		t.Fatalf("N+1 queries: %v", *found)
	}
}

// Walking the pages with next reaches every post once.
func TestAPI_walkWithCursors(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	seen := map[int64]bool{}
	path := "/posts?limit=100&sort=-score"
	for range 20 {
		status, _, body := do(t, srv, "GET", path, "")
		if status != 200 {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		var p page
		mustJSON(t, body, &p)
		for _, post := range p.Items {
			if seen[post.ID] {
				t.Fatalf("post %d twice", post.ID)
			}
			seen[post.ID] = true
		}
		if p.Next == "" {
			break
		}
		path = "/posts?limit=100&sort=-score&after=" + p.Next
	}
	if len(seen) != 1000 {
		t.Fatalf("walked %d posts, want 1000", len(seen))
	}
}

// Bad input is a 400 and sends no statement.
func TestAPI_badInputIs400WithNoStatement(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	_, _, body := do(t, srv, "GET", "/posts?limit=2", "")
	var p page
	mustJSON(t, body, &p)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/posts?sort=body", ""},
		{"GET", "/posts?sort=-created_at,created_at", ""},
		{"GET", "/posts?limit=0", ""},
		{"GET", "/posts?limit=1000", ""},
		{"GET", "/posts?after=forged", ""},
		{"GET", "/posts?after=" + p.Next + "x", ""},
		{"GET", "/posts?sort=title&after=" + p.Next, ""}, // a cursor of another order
		{"GET", "/posts?after=" + p.Next + "&before=" + p.Next, ""},
		{"GET", "/posts/abc", ""},
		{"GET", "/authors/-1/posts", ""},
		{"POST", "/posts", `{"title": "not an array"}`},
		{"POST", "/posts", `[]`},
		{"POST", "/posts", `[{"author_id": 1}]`},
		{"POST", "/posts", `[{"author_id": 1, "title": "x", "id": 5}]`},
		{"POST", "/posts", `[{"author_id": 1, "title": "x", "extra": true}]`},
	} {
		status, n, body := do(t, srv, tc.method, tc.path, tc.body)
		if status != http.StatusBadRequest || n != "0" {
			t.Errorf("%s %s %s: status %d with %s statements: %s", tc.method, tc.path, tc.body, status, n, body)
		}
		if strings.Contains(string(body), "batchorm") || strings.Contains(string(body), "SQLSTATE") {
			t.Errorf("%s %s: the error leaks internals: %s", tc.method, tc.path, body)
		}
	}
	// An unknown author is refused by the database, naming the row, and nothing is stored.
	status, _, body := do(t, srv, "POST", "/posts", `[{"author_id": 1, "title": "ok"}, {"author_id": 999, "title": "orphan"}]`)
	if status != http.StatusBadRequest || !strings.Contains(string(body), "post 1: no such author") {
		t.Fatalf("unknown author: %d %s", status, body)
	}
	status, _, body = do(t, srv, "GET", "/posts?sort=-created_at&limit=1", "")
	if status != 200 || strings.Contains(string(body), `"title":"ok"`) {
		t.Fatalf("a refused batch left a row: %s", body)
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}
