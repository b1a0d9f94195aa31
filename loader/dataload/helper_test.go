package dataload_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// schemaDDL: 1,000 authors with 0-3 posts each, 0-4 comments per post, tags through a
// link table, and a soft-deleted author.
const schemaDDL = `
CREATE TABLE authors (
	id         bigserial PRIMARY KEY,
	name       text NOT NULL,
	deleted_at timestamptz
);
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
CREATE TABLE tags (
	id   bigserial PRIMARY KEY,
	name text NOT NULL
);
CREATE TABLE post_tags (
	post_id bigint NOT NULL REFERENCES posts(id),
	tag_id  bigint NOT NULL REFERENCES tags(id),
	PRIMARY KEY (post_id, tag_id)
);
SELECT setseed(0.13);
INSERT INTO authors (name, deleted_at)
SELECT 'author-' || g, CASE WHEN g = 7 THEN now() END FROM generate_series(1, 1000) g;
INSERT INTO posts (author_id, title)
SELECT a.id, 'post ' || a.id || '-' || k FROM authors a CROSS JOIN generate_series(1, 3) k
WHERE random() < 0.6 ORDER BY a.id, k;
INSERT INTO comments (post_id, body)
SELECT p.id, 'comment ' || p.id || '-' || k FROM posts p CROSS JOIN generate_series(1, 4) k
WHERE random() < 0.5 ORDER BY random();
INSERT INTO tags (name) SELECT 'tag-' || g FROM generate_series(1, 10) g;
INSERT INTO post_tags SELECT p.id, t.id FROM posts p CROSS JOIN tags t WHERE random() < 0.2;
`

type Author struct {
	ID        int64
	Name      string
	DeletedAt *time.Time `orm:"softdelete"`

	Posts []Post `orm:"has-many"`
}

type Post struct {
	ID       int64
	AuthorID int64
	Title    string

	Author   *Author   `orm:"belongs-to"`
	Comments []Comment `orm:"has-many"`
	Tags     []*Tag    `orm:"many-to-many,through:post_tags"`
}

type Comment struct {
	ID     int64
	PostID int64
	Body   string
}

type Tag struct {
	ID   int64
	Name string
}

// Missing is a model whose table does not exist: its statements fail.
type Missing struct {
	ID   int64
	Name string
}

// Waits of the tests that count statements or round trips: no count may depend on a
// window being met by goroutines still starting on a loaded machine under -race.
const (
	// roundWait is the window of a test whose loaders must share a round trip: far
	// longer than it takes every goroutine started to ask.
	roundWait = time.Second
	// fillWait is the window of a test whose batches close because they are full (its
	// keys a multiple of the max batch): never reached unless the test is wrong.
	fillWait = 30 * time.Second
)

func mustDB(t testing.TB) *orm.DB {
	t.Helper()
	return ormtest.New(t, ormtest.Schema(schemaDDL), ormtest.MaxConns(8))
}

func mustCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustRequest(t testing.TB, ctx context.Context, q loader.Querier, opts ...dataload.Option) context.Context {
	t.Helper()
	ctx, err := dataload.NewRequest(ctx, q, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

func mustAuthor(t testing.TB, ctx context.Context, k int64) *Author {
	t.Helper()
	a, err := authors.Load(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// recorder is a Querier that records the arguments of every statement sent through
// it: a request's statements must carry that request's keys only.
type recorder struct {
	q    loader.Querier
	mu   sync.Mutex
	args [][]any
}

func (r *recorder) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.mu.Lock()
	r.args = append(r.args, args)
	r.mu.Unlock()
	return r.q.Query(ctx, sql, args...)
}

func (r *recorder) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	r.mu.Lock()
	for _, qq := range b.QueuedQueries {
		r.args = append(r.args, qq.Arguments)
	}
	r.mu.Unlock()
	return r.q.SendBatch(ctx, b)
}

// keys returns the int64 keys of every statement recorded, sorted.
func (r *recorder) keys() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for _, a := range r.args {
		out = append(out, a[0].([]int64)...)
	}
	slices.Sort(out)
	return out
}

// perKey returns what one query per key returns: the row of key k or nil.
func perKeyAuthor(t testing.TB, ctx context.Context, db *orm.DB, k int64) *Author {
	t.Helper()
	rows, err := orm.Query[Author](db).Where(orm.Eq{"id": k}).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		return nil
	}
	return &rows[0]
}

// runAll runs fn(i) in n goroutines started together and waits for them.
func runAll(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}
