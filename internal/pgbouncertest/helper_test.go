package pgbouncertest_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// schema holds a relation of every kind: authors with a mentor (belongs-to, to the
// same table) and an optional profile (has-one), books (has-many) with tags
// (many-to-many) and reviews (has-many, nested).
const schema = `
CREATE TABLE authors (
	id        bigserial PRIMARY KEY,
	name      text NOT NULL UNIQUE,
	mentor_id bigint REFERENCES authors(id)
);
CREATE TABLE profiles (
	id        bigserial PRIMARY KEY,
	author_id bigint NOT NULL UNIQUE REFERENCES authors(id),
	bio       text NOT NULL
);
CREATE TABLE books (
	id        bigserial PRIMARY KEY,
	author_id bigint NOT NULL REFERENCES authors(id),
	title     text NOT NULL UNIQUE,
	year      integer NOT NULL,
	stock     integer NOT NULL DEFAULT 0
);
CREATE INDEX ON books (author_id, year);
CREATE TABLE tags (
	id   bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE
);
CREATE TABLE book_tags (
	book_id bigint NOT NULL REFERENCES books(id) ON DELETE CASCADE,
	tag_id  bigint NOT NULL REFERENCES tags(id),
	PRIMARY KEY (book_id, tag_id)
);
CREATE TABLE reviews (
	id      bigserial PRIMARY KEY,
	book_id bigint NOT NULL REFERENCES books(id) ON DELETE CASCADE,
	stars   integer NOT NULL,
	body    text NOT NULL
);
`

// data: 10 authors (every third has a mentor), profiles for even ids, 3 books for
// each of authors 1-9 (author 10 has none), 5 tags spread over the books, and 2
// reviews on every odd book.
const data = `
INSERT INTO authors (name, mentor_id)
SELECT 'author-' || g, CASE WHEN g % 3 = 0 THEN g - 1 END FROM generate_series(1, 10) g;
INSERT INTO profiles (author_id, bio) SELECT id, 'bio of ' || name FROM authors WHERE id % 2 = 0;
INSERT INTO books (author_id, title, year)
SELECT a, 'book-' || a || '-' || k, 1990 + (a * 7 + k * 3) % 20 FROM generate_series(1, 9) a, generate_series(1, 3) k
ORDER BY a, k;
INSERT INTO tags (name) SELECT 'tag-' || g FROM generate_series(1, 5) g;
INSERT INTO book_tags (book_id, tag_id) SELECT b.id, t.id FROM books b, tags t WHERE (b.id + t.id) % 3 = 0;
INSERT INTO reviews (book_id, stars, body)
SELECT b.id, 1 + (b.id + k) % 5, 'review ' || b.id || '-' || k FROM books b, generate_series(1, 2) k WHERE b.id % 2 = 1
ORDER BY b.id, k;
`

const (
	authorCount = 10
	bookCount   = 27
)

type Author struct {
	ID       int64
	Name     string
	MentorID *int64

	Mentor  *Author  `orm:"belongs-to,fk:mentor_id"`
	Profile *Profile `orm:"has-one"`
	Books   []Book   `orm:"has-many"`
}

type Profile struct {
	ID       int64
	AuthorID int64
	Bio      string
}

type Book struct {
	ID       int64
	AuthorID int64
	Title    string
	Year     int32
	Stock    int32 `orm:"default"`

	Author  *Author  `orm:"belongs-to"`
	Tags    []Tag    `orm:"many-to-many,through:book_tags"`
	Reviews []Review `orm:"has-many"`
}

type Tag struct {
	ID   int64
	Name string
}

type Review struct {
	ID     int64
	BookID int64
	Stars  int32
	Body   string
}

// newDB returns a DB on a fresh copy of the schema and data, connected through the
// PgBouncer with the PgBouncerTransaction profile.
func newDB(t testing.TB) *orm.DB {
	t.Helper()
	return ormtest.New(t, ormtest.Schema(schema), ormtest.Schema(data), ormtest.PgBouncer())
}

// testCtx returns a context that ends with the test or after 30 seconds.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Reference rows, read with hand-written SQL.

func scanAuthor(r pgx.CollectableRow) (Author, error) {
	var a Author
	err := r.Scan(&a.ID, &a.Name, &a.MentorID)
	return a, err
}

func scanProfile(r pgx.CollectableRow) (Profile, error) {
	var p Profile
	err := r.Scan(&p.ID, &p.AuthorID, &p.Bio)
	return p, err
}

func scanBook(r pgx.CollectableRow) (Book, error) {
	var b Book
	err := r.Scan(&b.ID, &b.AuthorID, &b.Title, &b.Year, &b.Stock)
	return b, err
}

func scanTag(r pgx.CollectableRow) (Tag, error) {
	var g Tag
	err := r.Scan(&g.ID, &g.Name)
	return g, err
}

func scanReview(r pgx.CollectableRow) (Review, error) {
	var v Review
	err := r.Scan(&v.ID, &v.BookID, &v.Stars, &v.Body)
	return v, err
}

const (
	authorCols = "id, name, mentor_id"
	bookCols   = "id, author_id, title, year, stock"
)

func mustAuthors(t testing.TB, ctx context.Context, db *orm.DB, where string, args ...any) []Author {
	t.Helper()
	return rowtest.MustQuery(t, ctx, db, scanAuthor, "SELECT "+authorCols+" FROM authors WHERE "+where+" ORDER BY id", args...)
}

func mustBooks(t testing.TB, ctx context.Context, db *orm.DB, where string, args ...any) []Book {
	t.Helper()
	return rowtest.MustQuery(t, ctx, db, scanBook, "SELECT "+bookCols+" FROM books WHERE "+where+" ORDER BY id", args...)
}

func mustCount(t testing.TB, ctx context.Context, db *orm.DB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// plainAuthors returns authors without their relations, for comparison with reference
// rows.
func plainAuthors(as []Author) []Author {
	out := make([]Author, len(as))
	for i, a := range as {
		out[i] = Author{ID: a.ID, Name: a.Name, MentorID: a.MentorID}
	}
	return out
}

// plainBooks returns books without their relations.
func plainBooks(bs []Book) []Book {
	out := make([]Book, len(bs))
	for i, b := range bs {
		out[i] = Book{ID: b.ID, AuthorID: b.AuthorID, Title: b.Title, Year: b.Year, Stock: b.Stock}
	}
	return out
}

// sortedBooks returns bs sorted by id (a preload's order is the order of its own
// statement, not the one the reference queries use).
func sortedBooks(bs []Book) []Book {
	return slices.SortedFunc(slices.Values(bs), func(a, b Book) int { return cmp.Compare(a.ID, b.ID) })
}

func sortedTags(gs []Tag) []Tag {
	return slices.SortedFunc(slices.Values(gs), func(a, b Tag) int { return cmp.Compare(a.ID, b.ID) })
}

func sortedReviews(vs []Review) []Review {
	return slices.SortedFunc(slices.Values(vs), func(a, b Review) int { return cmp.Compare(a.ID, b.ID) })
}

// testCodec makes the cursors of the tests: unsigned, so tests can craft them.
var testCodec = &paginate.Codec{Unsigned: true}
