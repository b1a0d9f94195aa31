package dataload_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func mustRelation[P, C any](t testing.TB, name string, opts ...loader.Option) *dataload.RelationLoader[P, C, int64] {
	t.Helper()
	l, err := dataload.Relation[P, C, int64](name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRelationLoader_Load_thousandGoroutines: the comments of 1,000 posts asked for by
// 1,000 goroutines cost ceil(1000/maxBatch) statements, and each post gets the
// comments a query for that post alone returns, in primary-key order.
func TestRelationLoader_Load_thousandGoroutines(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	comments := mustRelation[Post, Comment](t, "Comments")
	const n, maxBatch = 1000, 250
	got := make([][]*Comment, n)
	errs := make([]error, n)
	log := ormtest.Record(ctx, func(ctx context.Context) {
		rctx := mustRequest(t, ctx, db, dataload.WithMaxBatch(maxBatch), dataload.WithWait(fillWait))
		runAll(n, func(i int) { got[i], errs[i] = comments.Load(rctx, int64(i+1)) })
	})
	if s := log.Statements(); s > (n+maxBatch-1)/maxBatch {
		t.Errorf("1,000 posts, max batch %d: %d statements, want at most %d\n%s", maxBatch, s, (n+maxBatch-1)/maxBatch, log)
	}
	total := 0
	for i := range n {
		want, err := orm.Query[Comment](db).Where(orm.Eq{"post_id": i + 1}).OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total += len(want)
		if errs[i] != nil || len(got[i]) != len(want) {
			t.Fatalf("post %d: got %d comments, %v; want %d", i+1, len(got[i]), errs[i], len(want))
		}
		for j := range want {
			if *got[i][j] != want[j] {
				t.Errorf("post %d comment %d: got %+v, want %+v", i+1, j, *got[i][j], want[j])
			}
		}
	}
	if total < 500 {
		t.Fatalf("only %d comments on the first 1,000 posts: the data does not test much", total)
	}
}

// TestRelationLoader_Load_shapes: many-to-many, belongs-to (at most one row), options,
// the zero key and duplicate keys, each compared with a query per key.
func TestRelationLoader_Load_shapes(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	tags := mustRelation[Post, Tag](t, "Tags")
	author := mustRelation[Post, Author](t, "Author")
	latest := mustRelation[Author, Post](t, "Posts", loader.OrderBy("-id"), loader.Limit(1))
	keys := []int64{1, 2, 3, 4, 5, 5, 0, 6, 7, 8}
	gotTags := make([][]*Tag, len(keys))
	gotAuthor := make([][]*Author, len(keys))
	gotLatest := make([][]*Post, len(keys))
	errs := make([]error, 3*len(keys))
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 1}, func(ctx context.Context) {
		rctx := mustRequest(t, ctx, db, dataload.WithWait(roundWait))
		runAll(3*len(keys), func(j int) {
			switch i := j / 3; j % 3 {
			case 0:
				gotTags[i], errs[j] = tags.Load(rctx, keys[i])
			case 1:
				gotAuthor[i], errs[j] = author.Load(rctx, keys[i]) // key: the author id
			default:
				gotLatest[i], errs[j] = latest.Load(rctx, keys[i])
			}
		})
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, k := range keys {
		wantTags, err := orm.Raw[Tag](ctx, db, `SELECT t.id, t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = $1 ORDER BY t.id`, k)
		if err != nil {
			t.Fatal(err)
		}
		if deref(gotTags[i]) == nil && len(wantTags) == 0 {
			wantTags = nil
		}
		if !reflect.DeepEqual(deref(gotTags[i]), wantTags) {
			t.Errorf("tags of post %d: got %+v, want %+v", k, deref(gotTags[i]), wantTags)
		}
		wantAuthor := perKeyAuthor(t, ctx, db, k) // author 7 soft-deleted: none
		if wantAuthor == nil && len(gotAuthor[i]) != 0 || wantAuthor != nil && (len(gotAuthor[i]) != 1 || !reflect.DeepEqual(gotAuthor[i][0], wantAuthor)) {
			t.Errorf("author %d through belongs-to: got %+v, want %+v", k, gotAuthor[i], wantAuthor)
		}
		wantLatest, err := orm.Query[Post](db).Where(orm.Eq{"author_id": k}).OrderBy("-id").Limit(1).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(wantLatest) == 0 {
			wantLatest = nil
		}
		if !reflect.DeepEqual(deref(gotLatest[i]), wantLatest) {
			t.Errorf("latest post of author %d: got %+v, want %+v", k, deref(gotLatest[i]), wantLatest)
		}
	}
}

func deref[T any](ps []*T) []T {
	var out []T
	for _, p := range ps {
		out = append(out, *p)
	}
	return out
}

// TestRelation_errors: an unknown relation lists the model's relations; a path, a
// wrong child type and a wrong key type are refused, all before anything is sent.
func TestRelation_errors(t *testing.T) {
	t.Parallel()
	_, err := dataload.Relation[Post, Comment, int64]("Comment")
	var re *dataload.RelationError
	if !errors.As(err, &re) || re.Segment != "Comment" || !reflect.DeepEqual(re.Relations, []string{"Author", "Comments", "Tags"}) {
		t.Errorf("unknown relation: %v, want a *RelationError listing Author, Comments, Tags", err)
	}
	if _, err := dataload.Relation[Author, Comment, int64]("Posts.Comments"); err == nil {
		t.Error("a path: no error")
	}
	if _, err := dataload.Relation[Post, Tag, int64]("Comments"); err == nil {
		t.Error("Comments loaded as Tag: no error")
	}
	var ke *dataload.KeyError
	if _, err := dataload.Relation[Post, Comment, string]("Comments"); !errors.As(err, &ke) || ke.Field != "ID" {
		t.Errorf("string key for Post.Comments: %v, want a *KeyError naming ID", err)
	}
	var oe *loader.OptionError
	if _, err := dataload.Relation[Post, Comment, int64]("Comments", loader.OrderBy("nope")); !errors.As(err, &oe) {
		t.Errorf("OrderBy on an unknown column: %v, want a *loader.OptionError", err)
	}
}
