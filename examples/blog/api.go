package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/schema"
	"github.com/batchorm/batchorm/paginate"
)

// Author, Post, Comment and Tag are the blog's models. Every table carries the tenant
// that owns the row, tagged `orm:"scope:tenant"`: with orm.WithScope(ctx, "tenant", id)
// in the request's context (see TenantHeader), every statement batchorm sends for
// these models compares tenant_id with the request's tenant, and a context without one
// sends nothing. The handlers never name the tenant.
//
// The relations join on (tenant_id, id), so the database itself refuses a post of one
// tenant pointing at another tenant's author or a comment on another tenant's post.
type Author struct {
	ID       int64  `db:"id" json:"id"`
	TenantID int64  `db:"tenant_id" orm:"scope:tenant" json:"-"`
	Name     string `db:"name" json:"name"`
}

// Indexes makes (tenant_id, id) a key that posts reference.
func (Author) Indexes() []schema.Index {
	return []schema.Index{{Columns: []string{"tenant_id", "id"}, Unique: true}}
}

// Post is a blog post; Author is loaded with Join, Tags and Comments with Preload.
type Post struct {
	ID        int64     `db:"id" json:"id"`
	TenantID  int64     `db:"tenant_id" orm:"scope:tenant" json:"-"`
	AuthorID  int64     `db:"author_id" json:"author_id"`
	Title     string    `db:"title" json:"title"`
	Body      string    `db:"body" json:"body,omitempty"`
	Score     *int32    `db:"score" json:"score"`
	CreatedAt time.Time `db:"created_at" orm:"default:now()" json:"created_at"`
	Author    *Author   `orm:"belongs-to,fk:tenant_id+author_id,ref:tenant_id+id" json:"author,omitempty"`
	Tags      []Tag     `orm:"many-to-many,through:post_tags" json:"tags,omitempty"`
	Comments  []Comment `orm:"has-many,ref:tenant_id+id,fk:tenant_id+post_id" json:"comments,omitempty"`
}

// Indexes serves the pages of one tenant, in each allowlisted order, for all posts
// and for one author's; (tenant_id, id) is the key comments reference.
func (Post) Indexes() []schema.Index {
	return []schema.Index{
		{Columns: []string{"tenant_id", "id"}, Unique: true},
		{Columns: []string{"tenant_id", "author_id", "created_at", "id"}},
		{Columns: []string{"tenant_id", "created_at", "id"}},
		{Columns: []string{"tenant_id", "title", "id"}},
		{Columns: []string{"tenant_id", "-score NULLS LAST", "-id"}}, // ?sort=-score: best first, unscored last
	}
}

// Comment is a comment on a post.
type Comment struct {
	ID       int64  `db:"id" json:"id"`
	TenantID int64  `db:"tenant_id" orm:"scope:tenant" json:"-"`
	PostID   int64  `db:"post_id" json:"-"`
	Body     string `db:"body" json:"body"`
}

// Tag is a tag of posts, through the post_tags link table.
type Tag struct {
	ID       int64  `db:"id" json:"id"`
	TenantID int64  `db:"tenant_id" orm:"scope:tenant" json:"-"`
	Name     string `db:"name" json:"name"`
}

// API serves the blog: every handler sends a fixed number of statements, whatever
// the number of rows, and refuses bad input with a 400 before sending any. Each
// request sees the rows of its tenant only (see TenantHeader).
type API struct {
	DB    *orm.DB
	Codec *paginate.Codec
}

// Routes returns the API's handler, wrapped in batchorm's N+1 guard, which also puts
// each request's statement count in X-Statements.
func (a *API) Routes(guard ...orm.GuardOption) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /posts", a.listPosts)
	mux.HandleFunc("GET /posts/{id}", a.getPost)
	mux.HandleFunc("GET /authors/{id}/posts", a.authorPosts)
	mux.HandleFunc("POST /posts", a.createPosts)
	return orm.GuardRequests(TenantHeader(mux), append([]orm.GuardOption{orm.StatementsHeader("X-Statements")}, guard...)...)
}

// TenantHeader reads the request's tenant from the X-Tenant header, a positive
// integer, and puts it in the context with orm.WithScope, so that every statement the
// handlers send is restricted to that tenant's rows. A request without a valid tenant
// is a 400 and reaches no handler.
//
// A real service takes the tenant from the authenticated identity (a session, a
// token's claim), never from a header the client may set to anything; the header
// stands in for that here.
func TenantHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.Header.Get("X-Tenant"), 10, 64)
		if err != nil || id < 1 {
			fail(w, http.StatusBadRequest, "the X-Tenant header must be a positive integer")
			return
		}
		next.ServeHTTP(w, r.WithContext(orm.WithScope(r.Context(), "tenant", id)))
	})
}

const maxLimit = 100

// page is the JSON of a list page.
type page struct {
	Items []Post `json:"items"`
	Next  string `json:"next,omitempty"`
	Prev  string `json:"prev,omitempty"`
	Total *int64 `json:"total,omitempty"` // with ?total=true: the rows of every page
}

// listPosts answers GET /posts?sort=-created_at&limit=20&after=…: a keyset page of
// posts with their authors (Join, same statement) and tags (Preload, one statement);
// &total=true adds the number of posts (one more statement, in the page's round trip).
func (a *API) listPosts(w http.ResponseWriter, r *http.Request) {
	a.page(w, r, orm.Query[Post](a.DB))
}

// authorPosts answers GET /authors/{id}/posts: the same pages, of one author.
func (a *API) authorPosts(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		fail(w, http.StatusBadRequest, "the author id must be a positive integer")
		return
	}
	a.page(w, r, orm.Query[Post](a.DB).Where(orm.Eq{"author_id": id}))
}

func (a *API) page(w http.ResponseWriter, r *http.Request, q orm.Select[Post]) {
	params := r.URL.Query()
	order, err := paginate.ParseSort[Post](params.Get("sort"), "created_at", "title", "score NULLS LAST")
	if err != nil {
		fail(w, http.StatusBadRequest, "cannot sort that way (sortable: created_at, title, score)")
		return
	}
	limit := paginate.DefaultLimit
	if s := params.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > maxLimit {
			fail(w, http.StatusBadRequest, fmt.Sprintf("limit must be between 1 and %d", maxLimit))
			return
		}
	}
	var total bool
	if s := params.Get("total"); s != "" {
		if total, err = strconv.ParseBool(s); err != nil {
			fail(w, http.StatusBadRequest, "total must be true or false")
			return
		}
	}
	p, err := q.Join("Author").Preload("Tags").Paginate(r.Context(), paginate.Request{
		Order: order, Limit: limit, After: params.Get("after"), Before: params.Get("before"), Codec: a.Codec, Count: total})
	switch {
	case errors.Is(err, paginate.ErrInvalidCursor):
		fail(w, http.StatusBadRequest, "invalid cursor: start again from the first page")
	case err != nil:
		internal(w, r, err)
	default:
		pg := page{Items: nonNil(p.Items), Next: p.Next, Prev: p.Prev}
		if total {
			pg.Total = &p.Total
		}
		reply(w, http.StatusOK, pg)
	}
}

// getPost answers GET /posts/{id}: one post, its author, comments and tags in three
// statements (the post and author in one, then comments and tags in one round trip).
func (a *API) getPost(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		fail(w, http.StatusBadRequest, "the post id must be a positive integer")
		return
	}
	post, err := orm.Query[Post](a.DB).Where(orm.Eq{"id": id}).Join("Author").Preload("Comments", "Tags").One(r.Context())
	switch {
	case errors.Is(err, orm.ErrNotFound):
		fail(w, http.StatusNotFound, "no such post")
	case err != nil:
		internal(w, r, err)
	default:
		reply(w, http.StatusOK, post)
	}
}

// createPosts answers POST /posts with a JSON array of posts: one INSERT for all of
// them, ids and created_at written back; a bad one refuses them all.
func (a *API) createPosts(w http.ResponseWriter, r *http.Request) {
	var posts []Post
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&posts); err != nil || len(posts) == 0 {
		fail(w, http.StatusBadRequest, "the body must be a non-empty JSON array of posts")
		return
	}
	for i, p := range posts {
		if p.Title == "" || p.AuthorID < 1 || p.ID != 0 {
			fail(w, http.StatusBadRequest, fmt.Sprintf("post %d: title and author_id are required, id is not", i))
			return
		}
	}
	err := bulk.Create(r.Context(), a.DB, posts)
	var rowErr *bulk.RowError
	switch {
	case orm.IsForeignKeyViolation(err) && errors.As(err, &rowErr):
		fail(w, http.StatusBadRequest, fmt.Sprintf("post %d: no such author", rowErr.Index))
	case errors.As(err, &rowErr):
		fail(w, http.StatusBadRequest, fmt.Sprintf("post %d: %v", rowErr.Index, rowErr.Err))
	case err != nil:
		internal(w, r, err)
	default:
		reply(w, http.StatusCreated, posts)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // an error here means the client went away
}

func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, map[string]string{"error": msg})
}

// internal logs err for the operator and tells the client nothing more.
func internal(w http.ResponseWriter, r *http.Request, err error) {
	log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	fail(w, http.StatusInternalServerError, "internal error")
}
