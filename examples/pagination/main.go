// Command pagination serves keyset pages of 100,000 articles the way a JSON API
// would (GET /articles?sort=-published_at,title&limit=20&after=<cursor>), on a
// throwaway database, then calls it as a client: forward, back, deep into the table
// (by keyset, and by offset for contrast), with other sorts and with bad input,
// printing for each request its status, statements, time and first items.
//
//	go run ./examples/pagination
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB); otherwise it
// starts a PostgreSQL cluster from the local binaries and removes it at the end.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
	"github.com/batchorm/batchorm/paginate"
)

// Article ids follow published_at (three articles per 20 minutes), and one in five
// has no score yet.
const seed = `
INSERT INTO articles (title, published_at, score, author_id)
SELECT (ARRAY['Why', 'How', 'When', 'Where', 'What'])[1 + g % 5] || ' ' ||
       (ARRAY['indexes', 'cursors', 'vacuum', 'replicas', 'locks', 'joins', 'plans'])[1 + g * 3 % 7] || ' ' ||
       (ARRAY['matter', 'break', 'scale', 'lie', 'help'])[1 + g * 7 % 5],
       timestamptz '2024-01-01 00:00Z' + (g / 3) * interval '20 minutes',
       CASE WHEN g % 5 <> 0 THEN g * 7919 % 1000 END,
       1 + g % 400
FROM generate_series(1, 100000) g;
ANALYZE articles;
`

// Article is both the model and the JSON item.
type Article struct {
	ID          int64     `db:"id" json:"id"`
	Title       string    `db:"title" json:"title"`
	PublishedAt time.Time `db:"published_at" json:"published_at"`
	Score       *int32    `db:"score" json:"score"` // a pointer: the column is nullable
	AuthorID    int64     `db:"author_id" json:"author_id"`
}

// Indexes serves the sorts: newest first (both ways), and best first with the
// unscored last ("score NULLS LAST" in the allowlist below).
func (Article) Indexes() []schema.Index {
	return []schema.Index{
		{Name: "articles_published", Columns: []string{"published_at", "id"}},
		{Name: "articles_best", Columns: []string{"-score NULLS LAST", "-id"}},
	}
}

const maxLimit = 100

// sortable is the allowlist for ?sort=: anything else, even a real column, is a 400.
// PostgreSQL puts NULLs first in descending order, so "-score" (best first) would open
// with 20,000 unscored articles: "score NULLS LAST" puts them last whichever way the
// user sorts, which matches the (score DESC NULLS LAST, id DESC) index.
var sortable = []string{"published_at", "title", "score NULLS LAST"}

// sortOrder turns ?sort= into an Order; no sort means newest first.
func sortOrder(spec string) (paginate.Order, error) {
	o, err := paginate.ParseSort[Article](spec, sortable...)
	if err != nil || !o.IsZero() {
		return o, err
	}
	return paginate.OrderBy[Article]("-published_at")
}

// pageJSON is the body of a GET /articles response.
type pageJSON struct {
	Items   []Article `json:"items"`
	Next    string    `json:"next,omitempty"`
	Prev    string    `json:"prev,omitempty"`
	HasNext bool      `json:"has_next"`
	HasPrev bool      `json:"has_prev"`
	Error   string    `json:"error,omitempty"` // read by the client: error responses are {"error": "..."}
}

// articles serves GET /articles; codec signs the cursors it hands out.
type articles struct {
	db    *orm.DB
	codec *paginate.Codec
}

// ServeHTTP answers GET /articles. X-Statements reports what the request sent to the
// database, counted at the driver; X-Order the order the page was cut in.
func (a *articles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, qlog := orm.WithQueryLog(r.Context())
	reply := func(status int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Statements", strconv.Itoa(qlog.Statements()))
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body) // an error here means the client went away
	}
	fail := func(status int, msg string) { reply(status, map[string]string{"error": msg}) }
	q := r.URL.Query()
	order, err := sortOrder(q.Get("sort"))
	var sortErr *paginate.SortError // errors.Is(err, paginate.ErrInvalidSort) holds for it
	switch {
	case errors.As(err, &sortErr): // its Error() is for logs (it names Go types): build the client's message
		fail(http.StatusBadRequest, fmt.Sprintf("cannot sort by %q: %s (allowed: %s)",
			cmp.Or(sortErr.Field, q.Get("sort")), sortErr.Reason, strings.Join(sortErr.Allowed, ", ")))
		return
	case err != nil:
		log.Printf("GET /articles: %v", err)
		fail(http.StatusInternalServerError, "internal error")
		return
	}
	limit, err := strconv.Atoi(cmp.Or(q.Get("limit"), strconv.Itoa(paginate.DefaultLimit)))
	if err != nil || limit < 1 {
		fail(http.StatusBadRequest, "limit must be a positive integer")
		return
	}
	if q.Get("after") != "" && q.Get("before") != "" { // Paginate refuses it too (ErrInvalidCursor); this message is clearer
		fail(http.StatusBadRequest, "after and before cannot both be set")
		return
	}
	req := paginate.Request{Order: order, Limit: min(limit, maxLimit), After: q.Get("after"), Before: q.Get("before"), Codec: a.codec}
	var page paginate.Page[Article]
	if n, _ := strconv.Atoi(q.Get("page")); n > 0 { // ?page=N, offset pages: here for contrast, slow when deep
		var op paginate.OffsetPage[Article]
		op, err = orm.Query[Article](a.db).PaginateOffset(ctx, paginate.OffsetRequest{Order: order, Page: n, Size: req.Limit})
		page = paginate.Page[Article]{Items: op.Items, HasNext: op.HasNext, HasPrev: op.HasPrev}
	} else {
		page, err = orm.Query[Article](a.db).Paginate(ctx, req)
	}
	w.Header().Set("X-Order", order.String())
	switch {
	case errors.Is(err, paginate.ErrInvalidCursor): // forged, truncated, or made for another sort (sorts were checked above)
		fail(http.StatusBadRequest, "invalid cursor: start again from the first page")
	case err != nil:
		log.Printf("GET /articles: %v", err) // the details stay in the server's log
		fail(http.StatusInternalServerError, "internal error")
	default:
		items := page.Items
		if items == nil {
			items = []Article{} // "items": [] rather than null
		}
		reply(http.StatusOK, pageJSON{Items: items, Next: page.Next, Prev: page.Prev, HasNext: page.HasNext, HasPrev: page.HasPrev})
	}
}

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	ddl, err := schema.DDL(Article{}) // the table and its indexes, from the model
	if err != nil {
		return err
	}
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(ddl), ormtest.Schema(seed))
	if err != nil {
		return err
	}
	defer func() {
		if derr := done(); derr != nil {
			fmt.Fprintln(os.Stderr, derr)
		}
	}()

	// A real app loads the key from its configuration (a secret store), the same on
	// every instance, and keeps it stable: cursors signed with another key are refused,
	// so a new key at each start would break every cursor a client holds.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	api := &articles{db: db, codec: &paginate.Codec{Key: key}}
	mux := http.NewServeMux()
	mux.Handle("GET /articles", api)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	fmt.Println("== Forward with next, back with prev (newest first, the default sort)")
	var pages []pageJSON
	for path := "/articles?limit=4"; len(pages) < 3; {
		p, err := call(ctx, srv, path, http.StatusOK)
		if err != nil {
			return err
		} else if !p.HasNext {
			return errors.New("the walk ended early")
		}
		pages, path = append(pages, p), "/articles?limit=4&after="+p.Next
	}
	back, err := call(ctx, srv, "/articles?limit=4&before="+pages[2].Prev, http.StatusOK)
	if err != nil {
		return err
	}
	if !slices.Equal(ids(back.Items), ids(pages[1].Items)) {
		return errors.New("the page before page 3 is not page 2")
	}
	fmt.Println("   (the page before page 3 is page 2 again)")

	// Positions a client reaches by following next, made here directly from the rows
	// with paginate.CursorFor: the row at position 90,000 newest first (id 10,001), and
	// the last article with a score when best first.
	deep, err := bookmark(ctx, api, orm.Query[Article](db).Where(orm.Eq{"id": 10_001}), "")
	if err != nil {
		return err
	}
	lastScored, err := bookmark(ctx, api, orm.Query[Article](db).Where("score IS NOT NULL").OrderBy("score", "id"), "-score")
	if err != nil {
		return err
	}
	forged := []byte(pages[0].Next) // a client edits its cursor: one character changed
	forged[len(forged)-3] = map[bool]byte{true: 'B', false: 'A'}[forged[len(forged)-3] == 'A']

	var got []pageJSON
	for _, r := range []struct {
		title, path, note string
		want              int
	}{
		{title: "Deep in the table: the page after position 90,000 costs what page 1 costs; an offset page there does not",
			path: "/articles?limit=4&after=" + deep},
		{path: "/articles?limit=4&page=22501", note: "OFFSET 90000: PostgreSQL reads and drops 90,000 rows first"},
		{title: "Other sorts from the allowlist; unscored articles (score NULL) come last", path: "/articles?sort=-score&limit=4"},
		{path: "/articles?sort=-score&limit=4&after=" + lastScored, note: "the page after the last scored article: the lower scores and the NULLs are two index\n" +
			"    ranges, sent as one SELECT each joined by UNION ALL (see README)"},
		{path: "/articles?sort=-published_at,title&limit=4"},
		{path: "/articles?limit=1000", note: "limit clamped to 100"},
		{title: "Bad input is a 400 with a JSON message, before any statement is sent",
			path: "/articles?limit=4&after=" + string(forged), note: "one character changed: the signature fails", want: 400},
		{path: "/articles?sort=title&limit=4&after=" + pages[0].Next, note: "a cursor made for another sort", want: 400},
		{path: "/articles?sort=-author_id&limit=4", note: "a real column, but not in the allowlist", want: 400},
		{path: "/articles?limit=4&after=" + pages[0].Next + "&before=x", note: "checked by the handler", want: 400},
	} {
		if r.title != "" {
			fmt.Printf("\n== %s\n", r.title)
		}
		p, err := call(ctx, srv, r.path, cmp.Or(r.want, http.StatusOK))
		if err != nil {
			return err
		}
		if got = append(got, p); r.note != "" {
			fmt.Printf("   (%s)\n", r.note)
		}
	}
	if !slices.Equal(ids(got[0].Items), ids(got[1].Items)) {
		return errors.New("the keyset and the offset page at position 90,000 differ")
	}
	fmt.Println("\nthe keyset and the offset page at position 90,000 hold the same rows")
	return nil
}

// bookmark returns the cursor of the first row q finds, for ?sort=spec.
func bookmark(ctx context.Context, api *articles, q orm.Select[Article], spec string) (string, error) {
	order, err := sortOrder(spec)
	if err != nil {
		return "", err
	}
	row, err := q.First(ctx)
	if err != nil {
		return "", err
	}
	return paginate.CursorFor(api.codec, order, &row)
}

// call sends GET path and prints it (cursors shortened) with the response's status,
// statements, time and first items; a status other than want is an error.
func call(ctx context.Context, srv *httptest.Server, path string, want int) (pageJSON, error) {
	var body pageJSON
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		return body, err
	}
	start := time.Now()
	resp, err := srv.Client().Do(req)
	if err != nil {
		return body, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return body, fmt.Errorf("GET %s: %w", path, err)
	}
	fmt.Printf("GET %s\n   %d, statements %s, %s", shortCursors.ReplaceAllString(path, "${1}…${2}"), resp.StatusCode,
		resp.Header.Get("X-Statements"), time.Since(start).Round(10*time.Microsecond))
	if body.Error != "" {
		fmt.Printf(": %s\n", body.Error)
	} else {
		fmt.Printf(", order %s, has_prev %v, has_next %v, %d items\n", resp.Header.Get("X-Order"), body.HasPrev, body.HasNext, len(body.Items))
	}
	for i, a := range body.Items[:min(4, len(body.Items))] {
		score, _ := json.Marshal(a.Score) // a number or null
		fmt.Printf("   %d. #%-6d %s  %-24s score %s\n", i+1, a.ID, a.PublishedAt.UTC().Format("2006-01-02 15:04"), a.Title, score)
	}
	if resp.StatusCode != want {
		return body, fmt.Errorf("GET %s: status %d, want %d", path, resp.StatusCode, want)
	}
	return body, nil
}

// shortCursors keeps the first 4 and last 6 characters of each cursor in a URL.
var shortCursors = regexp.MustCompile(`((?:after|before)=[\w-]{4})[\w-]+([\w-]{6})`)

func ids(items []Article) []int64 {
	out := make([]int64, len(items))
	for i, a := range items {
		out[i] = a.ID
	}
	return out
}
