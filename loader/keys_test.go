package loader_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// recorder is a loader.Querier that records the arguments of every statement it sends,
// batched or not.
type recorder struct {
	q    loader.Querier
	mu   sync.Mutex
	sent []sent
}

type sent struct {
	sql  string
	args []any
}

func (r *recorder) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	r.mu.Lock()
	r.sent = append(r.sent, sent{sql, args})
	r.mu.Unlock()
	return r.q.Query(ctx, sql, args...)
}

func (r *recorder) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	r.mu.Lock()
	for _, q := range b.QueuedQueries {
		r.sent = append(r.sent, sent{q.SQL, q.Arguments})
	}
	r.mu.Unlock()
	return r.q.SendBatch(ctx, b)
}

// TestPreload_keyArrayHoldsEachDistinctKeyOnce looks at the = ANY array itself: parents
// sharing keys (posts by one author, every user twice) send each key once, and zero
// or NULL foreign keys not at all.
func TestPreload_keyArrayHoldsEachDistinctKeyOnce(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	posts := rowtest.MustQuery(t, ctx, db, scanPost, postsSQL, 1000)
	users := rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users CROSS JOIN generate_series(1, 2) ORDER BY id")

	rec := &recorder{q: db}
	ormtest.AssertCounts(t, ctx, one(2), func(ctx context.Context) {
		if err := loader.Preload(ctx, rec, posts, "Author", "Editor"); err != nil {
			t.Fatal(err)
		}
	})
	var authors, editors []int64
	for _, p := range posts {
		authors = append(authors, p.AuthorID)
		if p.EditorID != nil {
			editors = append(editors, *p.EditorID)
		}
	}
	requireKeys(t, rec.sent[0].args[0], authors)
	requireKeys(t, rec.sent[1].args[0], editors)

	rec = &recorder{q: db}
	ormtest.AssertCounts(t, ctx, counts(2, 2), func(ctx context.Context) {
		if err := loader.Preload(ctx, rec, users, "Posts.Comments"); err != nil {
			t.Fatal(err)
		}
	})
	var ids, postIDs []int64
	for _, u := range users {
		ids = append(ids, u.ID)
		for _, p := range u.Posts {
			postIDs = append(postIDs, p.ID)
		}
	}
	requireKeys(t, rec.sent[0].args[0], ids)
	requireKeys(t, rec.sent[1].args[0], postIDs)
	if len(rec.sent[1].args) != 1 {
		t.Fatalf("want the key array as the only argument, got %d", len(rec.sent[1].args))
	}
}

// requireKeys fails unless arg is a []int64 holding each of want once, in any order.
func requireKeys(t *testing.T, arg any, want []int64) {
	t.Helper()
	got, ok := arg.([]int64)
	if !ok {
		t.Fatalf("want a []int64 key array, got %T", arg)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if sorted := slices.Sorted(slices.Values(got)); !reflect.DeepEqual(sorted, want) {
		t.Fatalf("want each of %d distinct keys once, got %d keys: %v", len(want), len(got), got)
	}
}

// TestSelect_PreloadWith_ormConditions: loader.Where takes orm's conditions through
// orm's query chain too.
func TestSelect_PreloadWith_ormConditions(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	var got []User
	ormtest.AssertCounts(t, ctx, counts(2, 2), func(ctx context.Context) {
		var err error
		got, err = orm.Query[User](db).OrderBy("-id").Limit(100).
			PreloadWith(loader.Path("Posts", loader.Where(orm.Eq{"editor_id": nil}), loader.Where(orm.Or{orm.Eq{"score": 3}, orm.Gt{"score": 15}}))).
			All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	want := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 100)
	loaded := 0
	for i := range want {
		want[i].Posts = rowtest.MustQuery(t, ctx, db, scanPost,
			"SELECT "+postCols+" FROM posts WHERE author_id = $1 AND editor_id IS NULL AND (score = 3 OR score > 15) ORDER BY id", want[i].ID)
		loaded += len(want[i].Posts)
	}
	if loaded == 0 {
		t.Fatal("the data should have posts matching the conditions")
	}
	rowtest.RequireEqual(t, want, got)
}
