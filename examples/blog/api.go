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
	"github.com/batchorm/batchorm/paginate"
)

// Author, Post, Comment and Tag are the blog's models.
type Author struct {
	ID   int64  `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}

type Post struct {
	ID        int64     `db:"id" json:"id"`
	AuthorID  int64     `db:"author_id" json:"author_id"`
	Title     string    `db:"title" json:"title"`
	Body      string    `db:"body" json:"body,omitempty"`
	Score     *int32    `db:"score" json:"score"`
	CreatedAt time.Time `db:"created_at" orm:"default" json:"created_at"`
	Author    *Author   `orm:"belongs-to" json:"author,omitempty"`
	Tags      []Tag     `orm:"many-to-many,through:post_tags" json:"tags,omitempty"`
	Comments  []Comment `orm:"has-many" json:"comments,omitempty"`
}

type Comment struct {
	ID     int64  `db:"id" json:"id"`
	PostID int64  `db:"post_id" json:"-"`
	Body   string `db:"body" json:"body"`
}

type Tag struct {
	ID   int64  `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}

// API serves the blog: every handler sends a fixed number of statements, whatever
// the number of rows, and refuses bad input with a 400 before sending any.
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
	return orm.GuardRequests(mux, append([]orm.GuardOption{orm.StatementsHeader("X-Statements")}, guard...)...)
}

const maxLimit = 100

// page is the JSON of a list page.
type page struct {
	Items []Post `json:"items"`
	Next  string `json:"next,omitempty"`
	Prev  string `json:"prev,omitempty"`
}

// listPosts answers GET /posts?sort=-created_at&limit=20&after=…: a keyset page of
// posts with their authors (Join, same statement) and tags (Preload, one statement).
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
	p, err := q.Join("Author").Preload("Tags").Paginate(r.Context(), paginate.Request{
		Order: order, Limit: limit, After: params.Get("after"), Before: params.Get("before"), Codec: a.Codec})
	switch {
	case errors.Is(err, paginate.ErrInvalidCursor):
		fail(w, http.StatusBadRequest, "invalid cursor: start again from the first page")
	case err != nil:
		internal(w, r, err)
	default:
		reply(w, http.StatusOK, page{Items: nonNil(p.Items), Next: p.Next, Prev: p.Prev})
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
