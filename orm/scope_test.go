package orm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// The soft-delete models: every one can be deleted, and every relation kind links them.
type SAuthor struct {
	ID        int64      `db:"id"`
	Name      string     `db:"name"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
	Posts     []SPost    `orm:"has-many,fk:author_id"`
	Profile   *SProfile  `orm:"has-one,fk:author_id"`
}

func (SAuthor) TableName() string { return "s_authors" }

type SProfile struct {
	ID        int64      `db:"id"`
	AuthorID  int64      `db:"author_id"`
	Bio       string     `db:"bio"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
}

func (SProfile) TableName() string { return "s_profiles" }

type SPost struct {
	ID        int64      `db:"id"`
	AuthorID  int64      `db:"author_id"`
	Title     string     `db:"title"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
	Author    *SAuthor   `orm:"belongs-to,fk:author_id"`
	Comments  []SComment `orm:"has-many,fk:post_id"`
	Tags      []STag     `orm:"many-to-many,through:s_post_tags,through_owner:post_id,through_target:tag_id"`
}

func (SPost) TableName() string { return "s_posts" }

type SComment struct {
	ID        int64      `db:"id"`
	PostID    int64      `db:"post_id"`
	Body      string     `db:"body"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
}

func (SComment) TableName() string { return "s_comments" }

type STag struct {
	ID        int64      `db:"id"`
	Name      string     `db:"name"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
}

func (STag) TableName() string { return "s_tags" }

// The row states: author 2 deleted (with a live post, 3); post 2 deleted; post 4's
// comments all deleted; tag 2 deleted; author 1's profile deleted, author 3's live.
const softDDL = `
CREATE TABLE s_authors (id bigint PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE TABLE s_profiles (id bigint PRIMARY KEY, author_id bigint NOT NULL, bio text NOT NULL, deleted_at timestamptz);
CREATE TABLE s_posts (id bigint PRIMARY KEY, author_id bigint NOT NULL, title text NOT NULL, deleted_at timestamptz);
CREATE TABLE s_comments (id bigint PRIMARY KEY, post_id bigint NOT NULL, body text NOT NULL, deleted_at timestamptz);
CREATE TABLE s_tags (id bigint PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE TABLE s_post_tags (post_id bigint NOT NULL, tag_id bigint NOT NULL, PRIMARY KEY (post_id, tag_id));
INSERT INTO s_authors VALUES (1, 'ann', NULL), (2, 'gone', now()), (3, 'cy', NULL);
INSERT INTO s_profiles VALUES (1, 1, 'old', now()), (2, 3, 'cy''s', NULL);
INSERT INTO s_posts VALUES (1, 1, 'live', NULL), (2, 1, 'deleted', now()), (3, 2, 'orphaned', NULL), (4, 1, 'quiet', NULL), (5, 3, 'cy', NULL);
INSERT INTO s_comments VALUES (1, 1, 'kept', NULL), (2, 1, 'removed', now()), (3, 4, 'removed too', now()), (4, 2, 'on a deleted post', NULL);
INSERT INTO s_tags VALUES (1, 'kept', NULL), (2, 'removed', now());
INSERT INTO s_post_tags VALUES (1, 1), (1, 2), (2, 1), (4, 2);`

func ids[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	slices.Sort(out)
	return out
}

func postID(p SPost) int64       { return p.ID }
func commentID(c SComment) int64 { return c.ID }
func tagID(t STag) int64         { return t.ID }

// The leak matrix: every path that reads or writes rows, against every row state. No
// soft-deleted row is ever returned, counted, joined, preloaded or updated, and no live
// parent is lost because a related row is deleted.
func TestSoftDelete_leakMatrix(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(softDDL))
	ctx := testCtx(t)
	posts := orm.Query[SPost](db).OrderBy("id")
	check := func(path string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
	all, err := posts.All(ctx)
	must(t, err)
	check("query", ids(all, postID), []int64{1, 3, 4, 5})

	joined, err := posts.Join("Author").All(ctx)
	must(t, err)
	check("Join keeps the post whose author is deleted", ids(joined, postID), []int64{1, 3, 4, 5})
	check("Join gives it a nil author", joined[1].Author == nil && joined[0].Author != nil, true)
	inner, err := posts.InnerJoin("Author").All(ctx)
	must(t, err)
	check("InnerJoin", ids(inner, postID), []int64{1, 4, 5})

	loaded, err := posts.Preload("Author", "Comments", "Tags").All(ctx)
	must(t, err)
	check("Preload belongs-to", loaded[1].Author == nil, true)
	check("Preload has-many", ids(loaded[0].Comments, commentID), []int64{1})
	check("Preload has-many, all children deleted", len(loaded[2].Comments) == 0 && loaded[2].Comments != nil, true)
	check("Preload many-to-many", ids(loaded[0].Tags, tagID), []int64{1})
	check("Preload many-to-many, all targets deleted", len(loaded[2].Tags), 0)

	authors, err := orm.Query[SAuthor](db).OrderBy("id").Preload("Profile", "Posts.Comments", "Posts.Tags").All(ctx)
	must(t, err)
	check("nested: authors", ids(authors, func(a SAuthor) int64 { return a.ID }), []int64{1, 3})
	check("nested: has-one deleted", authors[0].Profile == nil && authors[1].Profile != nil, true)
	check("nested: posts", ids(authors[0].Posts, postID), []int64{1, 4})
	check("nested: comments", ids(authors[0].Posts[0].Comments, commentID), []int64{1})

	var standalone []SPost
	standalone = append(standalone, all...)
	must(t, loader.Preload(ctx, db, standalone, "Comments"))
	check("loader.Preload on its own", ids(standalone[0].Comments, commentID), []int64{1})

	n, err := posts.Count(ctx)
	must(t, err)
	check("Count", n, 4)
	ok, err := orm.Query[SPost](db).Where(orm.Eq{"id": 2}).Exists(ctx)
	must(t, err)
	check("Exists of a deleted row", ok, false)

	var walked []int64
	req := paginate.Request{Limit: 1, Codec: testCodec, Count: true}
	for {
		page, err := orm.Query[SPost](db).Paginate(ctx, req)
		must(t, err)
		check("page total", page.Total, 4)
		walked = append(walked, ids(page.Items, postID)...)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	check("pages and cursors", walked, []int64{1, 3, 4, 5})
	var batched []int64
	must(t, orm.Query[SPost](db).Each(ctx, 2, func(p SPost) error { batched = append(batched, p.ID); return nil }))
	check("Batches", batched, []int64{1, 3, 4, 5})

	has, err := posts.Where(orm.Has("Comments")).All(ctx)
	must(t, err)
	check("Has ignores deleted children", ids(has, postID), []int64{1})
	type perAuthor struct {
		AuthorID int64 `db:"author_id"`
		N        int64 `db:"n"`
	}
	groups, err := orm.Scan[perAuthor](ctx, orm.Query[SPost](db).GroupBy("author_id").OrderBy("author_id"), orm.Col("author_id"), orm.Count().As("n"))
	must(t, err)
	check("aggregates", groups, []perAuthor{{1, 2}, {2, 1}, {3, 1}})

	updated, err := orm.Query[SPost](db).Where(orm.AllRows).UpdateAll(ctx, orm.Set{"title": orm.Expr("title || '!'")})
	must(t, err)
	check("UpdateAll touches live rows only", updated, 4)
	var deletedTitle string
	must(t, db.QueryRow(ctx, "SELECT title FROM s_posts WHERE id = 2").Scan(&deletedTitle))
	check("the deleted row is unchanged", deletedTitle, "deleted")
	if err := orm.Update(ctx, db, &SPost{ID: 2, Title: "x"}, "title"); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Update of a deleted row: %v", err)
	}

	every, err := posts.Unscoped().Preload("Comments").All(ctx)
	must(t, err)
	check("Unscoped", ids(every, postID), []int64{1, 2, 3, 4, 5})
	check("Unscoped preloads", ids(every[0].Comments, commentID), []int64{1, 2})
	everyJoined, err := posts.Unscoped().Join("Author").All(ctx)
	must(t, err)
	check("Unscoped joins", everyJoined[2].Author != nil && everyJoined[2].Author.ID == 2, true)
}

// Deletes of a soft-delete model mark rows; hard deletes remove them.
func TestSoftDelete_deletes(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(softDDL))
	ctx := testCtx(t)
	p := SPost{ID: 1}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		must(t, orm.Delete(ctx, db, &p))
	})
	if p.DeletedAt == nil {
		t.Fatal("the deletion time was not read back")
	}
	if err := orm.Delete(ctx, db, &SPost{ID: 1}); !errors.Is(err, orm.ErrNotFound) {
		t.Fatalf("deleting a deleted row: %v", err)
	}
	n, err := orm.Query[SPost](db).Where(orm.Eq{"author_id": 1}).DeleteAll(ctx)
	must(t, err)
	if n != 1 { // post 4: posts 1 and 2 were deleted already
		t.Fatalf("DeleteAll marked %d rows, want 1", n)
	}
	var stored, live int
	must(t, db.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE deleted_at IS NULL) FROM s_posts").Scan(&stored, &live))
	if stored != 5 || live != 2 {
		t.Fatalf("after soft deletes: %d stored, %d live", stored, live)
	}
	must(t, orm.HardDelete(ctx, db, &SPost{ID: 5}))
	gone, err := orm.Query[SPost](db).Unscoped().Where(orm.Eq{"author_id": 1}).HardDeleteAll(ctx)
	must(t, err)
	must(t, db.QueryRow(ctx, "SELECT count(*) FROM s_posts").Scan(&stored))
	if gone != 3 || stored != 1 {
		t.Fatalf("after hard deletes: removed %d, %d stored", gone, stored)
	}
}

func TestSoftDelete_badTags(t *testing.T) {
	type notNullable struct {
		ID        int64
		DeletedAt time.Time `orm:"softdelete"`
	}
	type twice struct {
		ID int64
		A  *time.Time `orm:"softdelete"`
		B  *time.Time `orm:"softdelete"`
	}
	_, _, err1 := orm.Query[notNullable](nil).ToSQL()
	_, _, err2 := orm.Query[twice](nil).ToSQL()
	for name, err := range map[string]error{"not nullable": err1, "twice": err2} {
		if !errors.Is(err, orm.ErrInvalidModel) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
