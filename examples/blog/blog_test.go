package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

func TestMain(m *testing.M) { ormtest.Main(m) }

// The seed's two tenants; acme's rows have odd ids, globex's even ones.
const (
	acme   = "1"
	globex = "2"
)

var tenantName = map[string]string{acme: "acme", globex: "globex"}

// newAPI serves the blog on a fresh database made from schema.DDL and the seed; an
// N+1 fails the request (Strict) and the test. It returns the database too, for
// checks that read past the scope.
func newAPI(t *testing.T) (*httptest.Server, *orm.DB) {
	t.Helper()
	ddl, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	db := ormtest.New(t, ormtest.Schema(ddl), ormtest.Schema(seed))
	var mu sync.Mutex
	var found []orm.NPlusOne
	api := &API{DB: db, Codec: &paginate.Codec{Key: []byte("a test key of at least 16 bytes")}}
	srv := httptest.NewServer(api.Routes(orm.Strict(), orm.ReportTo(func(_ context.Context, r orm.NPlusOne) {
		mu.Lock()
		defer mu.Unlock()
		found = append(found, r)
	})))
	t.Cleanup(func() {
		srv.Close()
		if len(found) != 0 {
			t.Errorf("N+1 queries: %v", found)
		}
	})
	return srv, db
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// do sends one request as tenant ("" sends no X-Tenant) and returns its status,
// X-Statements and body.
func do(t *testing.T, srv *httptest.Server, tenant, method, path, body string) (int, string, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, n, b, err := send(ctx, srv.URL, tenant, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, n, b
}

// mustGet sends a request as tenant and fails the test unless it answers want with
// the given number of statements.
func mustGet(t *testing.T, srv *httptest.Server, tenant, path string, want int, statements string) []byte {
	t.Helper()
	status, n, body := do(t, srv, tenant, "GET", path, "")
	if status != want || n != statements {
		t.Fatalf("tenant %s GET %s: status %d with %s statements, want %d with %s: %s", tenant, path, status, n, want, statements, body)
	}
	return body
}

// checkOwn fails the test when the post, or anything loaded with it, is not tenant's.
func checkOwn(t *testing.T, tenant, what string, p Post) {
	t.Helper()
	name := tenantName[tenant]
	leak := func(format string, a ...any) {
		t.Helper()
		t.Errorf("tenant %s (%s) %s: another tenant's row leaked: %s", tenant, name, what, fmt.Sprintf(format, a...))
	}
	parity := int64(1) // the seed's acme rows have odd ids, globex's even ones
	if tenant == globex {
		parity = 0
	}
	if !strings.HasPrefix(p.Title, name+" ") || p.ID <= 2000 && p.ID%2 != parity {
		leak("post %d %q", p.ID, p.Title)
	}
	if p.Author != nil && !strings.HasPrefix(p.Author.Name, name+" ") {
		leak("author %d %q of post %d", p.Author.ID, p.Author.Name, p.ID)
	}
	for _, tag := range p.Tags {
		if !strings.HasPrefix(tag.Name, name+" ") {
			leak("tag %d %q of post %d", tag.ID, tag.Name, p.ID)
		}
	}
	for _, c := range p.Comments {
		if !strings.HasPrefix(c.Body, name+" ") {
			leak("comment %d %q of post %d", c.ID, c.Body, p.ID)
		}
	}
}

// Every endpoint sends a fixed number of statements, whatever the number of rows.
func TestAPI_statementCounts(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	for _, tc := range []struct {
		method, path, body string
		status             int
		statements         string
		check              func(t *testing.T, body []byte)
	}{
		{"GET", "/posts?limit=50", "", 200, "2", func(t *testing.T, b []byte) {
			var p page
			mustJSON(t, b, &p)
			if len(p.Items) != 50 || p.Next == "" || p.Items[0].Author == nil || len(p.Items[0].Tags) != 2 || p.Total != nil {
				t.Errorf("page: %d items, next %q, total %s (want none), first %+v", len(p.Items), p.Next, total(p), p.Items[0])
			}
		}},
		{"GET", "/posts?limit=50&total=true", "", 200, "3", func(t *testing.T, b []byte) {
			var p page
			mustJSON(t, b, &p)
			if len(p.Items) != 50 || p.Total == nil || *p.Total != 1000 {
				t.Errorf("page: %d items, total %s, want 50 of acme's 1000", len(p.Items), total(p))
			}
		}},
		{"GET", "/posts?limit=100&sort=-score", "", 200, "2", func(t *testing.T, b []byte) {
			var p page
			mustJSON(t, b, &p)
			if p.Items[0].Score == nil || *p.Items[0].Score != 49 {
				t.Errorf("acme's best score first: %+v", p.Items[0])
			}
		}},
		{"GET", "/authors/5/posts?sort=title&limit=10", "", 200, "2", func(t *testing.T, b []byte) {
			var p page
			mustJSON(t, b, &p)
			for _, post := range p.Items {
				if post.AuthorID != 5 || post.Author.Name != "acme author 3" {
					t.Errorf("another author's post: %+v", post)
				}
			}
		}},
		{"GET", "/posts/43", "", 200, "3", func(t *testing.T, b []byte) {
			var p Post
			mustJSON(t, b, &p)
			if p.ID != 43 || p.Author == nil || len(p.Comments) != 3 || len(p.Tags) != 2 {
				t.Errorf("post: %+v", p)
			}
		}},
		{"GET", "/posts/999999", "", 404, "1", nil},
		{"POST", "/posts", `[{"author_id": 1, "title": "acme a"}, {"author_id": 3, "title": "acme b"}, {"author_id": 5, "title": "acme c"}]`, 201, "1",
			func(t *testing.T, b []byte) {
				var ps []Post
				mustJSON(t, b, &ps)
				if len(ps) != 3 || ps[0].ID == 0 || ps[2].ID != ps[0].ID+2 || ps[0].CreatedAt.IsZero() {
					t.Errorf("created: %+v", ps)
				}
			}},
	} {
		status, n, body := do(t, srv, acme, tc.method, tc.path, tc.body)
		if status != tc.status || n != tc.statements {
			t.Errorf("%s %s: status %d with %s statements, want %d with %s: %s", tc.method, tc.path, status, n, tc.status, tc.statements, body)
			continue
		}
		if tc.check != nil {
			tc.check(t, body)
		}
	}
}

// Each tenant walks every page of every order, forward with next and back with prev,
// and sees its own 1,000 posts exactly once (with their authors and tags), and its
// count; never a row of the other tenant, whose rows alternate with its own.
func TestAPI_tenantSeesOnlyItsPosts(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	for _, tenant := range []string{acme, globex} {
		for _, sort := range []string{"created_at", "-created_at", "title", "-score"} {
			seen := map[int64]bool{}
			var pages []string // the cursors that led to each page after the first
			path := "/posts?limit=100&total=true&sort=" + sort
			for range 20 {
				var p page
				mustJSON(t, mustGet(t, srv, tenant, path, 200, "3"), &p)
				if p.Total == nil || *p.Total != 1000 {
					t.Fatalf("tenant %s %s: total %s, want 1000 (its own posts)", tenant, path, total(p))
				}
				for _, post := range p.Items {
					checkOwn(t, tenant, "GET /posts", post)
					if seen[post.ID] {
						t.Fatalf("tenant %s %s: post %d twice", tenant, path, post.ID)
					}
					seen[post.ID] = true
					if post.Author == nil || len(post.Tags) != 2 {
						t.Fatalf("tenant %s %s: post %d lost its author or tags: %+v", tenant, path, post.ID, post)
					}
				}
				if p.Next == "" {
					break
				}
				pages = append(pages, p.Next)
				path = "/posts?limit=100&total=true&sort=" + sort + "&after=" + p.Next
			}
			if len(seen) != 1000 {
				t.Fatalf("tenant %s sort %s: walked %d posts, want 1000", tenant, sort, len(seen))
			}
			// One page back from the last: the 100 posts before it, all the tenant's.
			var back page
			last := pages[len(pages)-1]
			mustJSON(t, mustGet(t, srv, tenant, "/posts?limit=100&sort="+sort+"&after="+last, 200, "2"), &back)
			mustJSON(t, mustGet(t, srv, tenant, "/posts?limit=100&sort="+sort+"&before="+back.Prev, 200, "2"), &back)
			if len(back.Items) != 100 {
				t.Errorf("tenant %s sort %s: a page back has %d posts, want 100", tenant, sort, len(back.Items))
			}
			for _, post := range back.Items {
				checkOwn(t, tenant, "GET /posts?before=", post)
			}
		}
	}
}

// The detail of another tenant's post is a 404, as for a post that does not exist,
// with the same one statement; another tenant's author has no posts.
func TestAPI_otherTenantsRowsAreNotFound(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	for _, tc := range []struct {
		tenant   string
		own, not int64 // a post id of the tenant, and one of the other
	}{{acme, 43, 42}, {globex, 42, 43}} {
		var p Post
		mustJSON(t, mustGet(t, srv, tc.tenant, fmt.Sprintf("/posts/%d", tc.own), 200, "3"), &p)
		checkOwn(t, tc.tenant, "GET /posts/{id}", p)
		if len(p.Comments) != 3 || len(p.Tags) != 2 || p.Author == nil {
			t.Errorf("tenant %s post %d: %+v", tc.tenant, tc.own, p)
		}
		body := mustGet(t, srv, tc.tenant, fmt.Sprintf("/posts/%d", tc.not), 404, "1")
		if !strings.Contains(string(body), "no such post") {
			t.Errorf("tenant %s post %d: %s", tc.tenant, tc.not, body)
		}

		// Authors 5 (acme) and 6 (globex) wrote 50 posts each.
		ownAuthor, otherAuthor := 5, 6
		if tc.tenant == globex {
			ownAuthor, otherAuthor = 6, 5
		}
		var ap page
		mustJSON(t, mustGet(t, srv, tc.tenant, fmt.Sprintf("/authors/%d/posts?limit=100&total=true", ownAuthor), 200, "3"), &ap)
		if len(ap.Items) != 50 || ap.Total == nil || *ap.Total != 50 {
			t.Errorf("tenant %s author %d: %d posts of %s, want 50", tc.tenant, ownAuthor, len(ap.Items), total(ap))
		}
		for _, post := range ap.Items {
			checkOwn(t, tc.tenant, "GET /authors/{id}/posts", post)
		}
		mustJSON(t, mustGet(t, srv, tc.tenant, fmt.Sprintf("/authors/%d/posts?limit=100&total=true", otherAuthor), 200, "2"), &ap)
		if len(ap.Items) != 0 || ap.Total == nil || *ap.Total != 0 {
			t.Errorf("tenant %s sees %d posts (total %s) of the other tenant's author %d", tc.tenant, len(ap.Items), total(ap), otherAuthor)
		}
	}
}

// A cursor carries sort keys, not rows: one tenant's cursor given by another tenant
// pages through the other tenant's own posts.
func TestAPI_cursorOfAnotherTenantPagesItsOwnRows(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	var a, b page
	mustJSON(t, mustGet(t, srv, acme, "/posts?limit=10", 200, "2"), &a)
	mustJSON(t, mustGet(t, srv, globex, "/posts?limit=10&after="+a.Next, 200, "2"), &b)
	if len(b.Items) != 10 {
		t.Fatalf("globex with acme's cursor: %d posts", len(b.Items))
	}
	for _, post := range b.Items {
		checkOwn(t, globex, "GET /posts with another tenant's cursor", post)
	}
}

// Nested preloads stay in the tenant even when a link row points across tenants:
// post 43 (acme's) is linked to tag 2 (globex's) below, and acme still sees only its
// own two tags, in the detail and in the list.
func TestAPI_nestedPreloadsStayInTenant(t *testing.T) {
	t.Parallel()
	srv, db := newAPI(t)
	if _, err := db.Exec(testCtx(t), `INSERT INTO post_tags (post_id, tag_id) VALUES (43, 2), (42, 1)`); err != nil {
		t.Fatal(err)
	}
	var p Post
	mustJSON(t, mustGet(t, srv, acme, "/posts/43", 200, "3"), &p)
	checkOwn(t, acme, "GET /posts/43", p)
	if len(p.Tags) != 2 {
		t.Errorf("post 43 tags: %+v, want acme's 2", p.Tags)
	}
	var g Post
	mustJSON(t, mustGet(t, srv, globex, "/posts/42", 200, "3"), &g)
	checkOwn(t, globex, "GET /posts/42", g)
	var pg page
	mustJSON(t, mustGet(t, srv, acme, "/posts?limit=30", 200, "2"), &pg)
	i := slices.IndexFunc(pg.Items, func(p Post) bool { return p.ID == 43 })
	if i < 0 {
		t.Fatalf("post 43 not on acme's first page: %s", mustGet(t, srv, acme, "/posts?limit=30", 200, "2"))
	}
	for _, post := range pg.Items {
		checkOwn(t, acme, "GET /posts", post)
	}
	if len(pg.Items[i].Tags) != 2 {
		t.Errorf("post 43 tags in the list: %+v, want acme's 2", pg.Items[i].Tags)
	}
}

// A created post belongs to the request's tenant: the middleware's, never the body's
// (a tenant_id in the body is refused), and an author of another tenant is "no such
// author", refused by the (tenant_id, author_id) foreign key with nothing stored.
func TestAPI_createWritesTheRequestsTenant(t *testing.T) {
	t.Parallel()
	srv, db := newAPI(t)
	ctx := testCtx(t)
	status, n, body := do(t, srv, globex, "POST", "/posts", `[{"author_id": 2, "title": "globex new 1"}, {"author_id": 4, "title": "globex new 2"}]`)
	if status != 201 || n != "1" {
		t.Fatalf("create: %d with %s statements: %s", status, n, body)
	}
	var created []Post
	mustJSON(t, body, &created)
	stored, err := orm.Query[Post](db).Unscoped().Where(orm.Eq{"id": []int64{created[0].ID, created[1].ID}}).OrderBy("id").All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0].TenantID != 2 || stored[1].TenantID != 2 {
		t.Fatalf("stored rows: %+v, want 2 of tenant 2", stored)
	}
	for _, p := range created {
		mustGet(t, srv, globex, fmt.Sprintf("/posts/%d", p.ID), 200, "3")
		mustGet(t, srv, acme, fmt.Sprintf("/posts/%d", p.ID), 404, "1")
	}

	for _, tc := range []struct {
		name, body, statements, msg string
	}{
		{"tenant_id in the body", `[{"author_id": 2, "title": "x", "tenant_id": 1}]`, "0", "non-empty JSON array"},
		{"TenantID in the body", `[{"author_id": 2, "title": "x", "TenantID": 1}]`, "0", "non-empty JSON array"},
		{"another tenant's author", `[{"author_id": 2, "title": "ok"}, {"author_id": 1, "title": "acme's author"}]`, "1", "post 1: no such author"},
	} {
		status, n, body := do(t, srv, globex, "POST", "/posts", tc.body)
		if status != 400 || n != tc.statements || !strings.Contains(string(body), tc.msg) {
			t.Errorf("%s: %d with %s statements: %s; want 400 with %s, %q", tc.name, status, n, body, tc.statements, tc.msg)
		}
	}
	total, err := orm.Query[Post](db).Unscoped().Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2002 {
		t.Fatalf("%d posts stored, want 2002: a refused batch left a row", total)
	}
}

// A request without a valid tenant is a 400 on every endpoint and sends nothing.
func TestAPI_missingTenantIs400WithNoStatement(t *testing.T) {
	t.Parallel()
	srv, _ := newAPI(t)
	for _, tenant := range []string{"", "abc", "0", "-1", "1.0", "1,2", "0x1", "9223372036854775808"} {
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/posts", ""},
			{"GET", "/posts/43", ""},
			{"GET", "/authors/5/posts", ""},
			{"POST", "/posts", `[{"author_id": 1, "title": "x"}]`},
		} {
			status, n, body := do(t, srv, tenant, tc.method, tc.path, tc.body)
			if status != http.StatusBadRequest || n != "0" || !strings.Contains(string(body), "X-Tenant") {
				t.Errorf("X-Tenant %q %s %s: status %d with %s statements: %s", tenant, tc.method, tc.path, status, n, body)
			}
		}
	}
}

// Bad input is a 400 and sends no statement, for either tenant.
func TestAPI_badInputIs400WithNoStatement(t *testing.T) {
	t.Parallel()
	srv, db := newAPI(t)
	for _, tenant := range []string{acme, globex} {
		var p page
		mustJSON(t, mustGet(t, srv, tenant, "/posts?limit=2", 200, "2"), &p)
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/posts?sort=body", ""},
			{"GET", "/posts?sort=tenant_id", ""},
			{"GET", "/posts?sort=-created_at,created_at", ""},
			{"GET", "/posts?limit=0", ""},
			{"GET", "/posts?limit=1000", ""},
			{"GET", "/posts?total=maybe", ""},
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
			status, n, body := do(t, srv, tenant, tc.method, tc.path, tc.body)
			if status != http.StatusBadRequest || n != "0" {
				t.Errorf("tenant %s %s %s %s: status %d with %s statements: %s", tenant, tc.method, tc.path, tc.body, status, n, body)
			}
			if strings.Contains(string(body), "batchorm") || strings.Contains(string(body), "SQLSTATE") {
				t.Errorf("%s %s: the error leaks internals: %s", tc.method, tc.path, body)
			}
		}
	}
	// An unknown author is refused by the database, naming the row, and nothing is stored.
	status, _, body := do(t, srv, acme, "POST", "/posts", `[{"author_id": 1, "title": "ok"}, {"author_id": 999, "title": "orphan"}]`)
	if status != http.StatusBadRequest || !strings.Contains(string(body), "post 1: no such author") {
		t.Fatalf("unknown author: %d %s", status, body)
	}
	n, err := orm.Query[Post](db).Unscoped().Where(orm.Eq{"title": "ok"}).Count(testCtx(t))
	if err != nil || n != 0 {
		t.Fatalf("a refused batch left %d rows (%v)", n, err)
	}
}

// The tables schema.DDL wrote are what the models say (the check main makes at
// startup).
func TestSchema_noDrift(t *testing.T) {
	t.Parallel()
	_, db := newAPI(t)
	ormtest.AssertSchema(t, testCtx(t), db, models...)
}

// total shows a page's total, or "none".
func total(p page) string {
	if p.Total == nil {
		return "none"
	}
	return fmt.Sprint(*p.Total)
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}
