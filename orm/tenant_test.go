package orm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	ormschema "github.com/batchorm/batchorm/orm/schema"
	"github.com/batchorm/batchorm/paginate"
)

// The tenant models: every table is scoped by tenant and soft-deletable, and every
// relation kind links them.
type TAuthor struct {
	ID        int64      `db:"id"`
	TenantID  int64      `db:"tenant_id" orm:"scope:tenant"`
	Name      string     `db:"name"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
	Posts     []TPost    `orm:"has-many,fk:author_id"`
	Profile   *TProfile  `orm:"has-one,fk:author_id"`
}

func (TAuthor) TableName() string { return "t_authors" }

type TProfile struct {
	ID       int64  `db:"id"`
	TenantID int64  `db:"tenant_id" orm:"scope:tenant"`
	AuthorID int64  `db:"author_id"`
	Bio      string `db:"bio"`
}

func (TProfile) TableName() string { return "t_profiles" }

type TPost struct {
	ID        int64      `db:"id"`
	TenantID  int64      `db:"tenant_id" orm:"scope:tenant"`
	AuthorID  int64      `db:"author_id"`
	Title     string     `db:"title"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
	Author    *TAuthor   `orm:"belongs-to,fk:author_id"`
	Comments  []TComment `orm:"has-many,fk:post_id"`
	Tags      []TTag     `orm:"many-to-many,through:t_post_tags,through_owner:post_id,through_target:tag_id,through_softdelete:deleted_at,through_scope:tenant:tenant_id"`
}

func (TPost) TableName() string { return "t_posts" }

type TComment struct {
	ID        int64      `db:"id"`
	TenantID  int64      `db:"tenant_id" orm:"scope:tenant"`
	PostID    int64      `db:"post_id"`
	Body      string     `db:"body"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
}

func (TComment) TableName() string { return "t_comments" }

type TTag struct {
	ID       int64  `db:"id"`
	TenantID int64  `db:"tenant_id" orm:"scope:tenant"`
	Name     string `db:"name"`
}

func (TTag) TableName() string { return "t_tags" }

// The row states, seen from tenant 1: post 1 live with a live comment (1), a deleted
// one (2) and another tenant's (3, planted on tenant 1's post); post 2 deleted; post 3
// of tenant 1 written by author 3 of tenant 2 (a cross-tenant link); post 4's comments
// all deleted; post 5 is tenant 2's. Tag 1 is tenant 1's, tag 2 tenant 2's (linked to
// post 1). The link table is scoped too: the link row of post 4 and tag 1 is
// soft-deleted, and the one of post 3 and tag 1 is tenant 2's (planted between two of
// tenant 1's rows). Author 1's profile is tenant 2's (planted), author 2's tenant 1's.
const tenantDDL = `
CREATE TABLE t_authors (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, name text NOT NULL, deleted_at timestamptz);
CREATE TABLE t_profiles (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, author_id bigint NOT NULL, bio text NOT NULL);
CREATE TABLE t_posts (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, author_id bigint NOT NULL, title text NOT NULL, deleted_at timestamptz);
CREATE TABLE t_comments (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, post_id bigint NOT NULL, body text NOT NULL, deleted_at timestamptz);
CREATE TABLE t_tags (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, name text NOT NULL);
CREATE TABLE t_post_tags (post_id bigint NOT NULL, tag_id bigint NOT NULL, tenant_id bigint NOT NULL, deleted_at timestamptz,
	PRIMARY KEY (post_id, tag_id));
INSERT INTO t_authors VALUES (1, 1, 'ann', NULL), (2, 1, 'bo', NULL), (3, 2, 'other', NULL);
INSERT INTO t_profiles VALUES (1, 2, 1, 'planted'), (2, 1, 2, 'bo''s');
INSERT INTO t_posts VALUES (1, 1, 1, 'live', NULL), (2, 1, 1, 'deleted', now()), (3, 1, 3, 'cross', NULL),
	(4, 1, 2, 'quiet', NULL), (5, 2, 3, 'theirs', NULL);
INSERT INTO t_comments VALUES (1, 1, 1, 'kept', NULL), (2, 1, 1, 'removed', now()), (3, 2, 1, 'planted', NULL),
	(4, 1, 4, 'removed too', now()), (5, 2, 5, 'theirs', NULL);
INSERT INTO t_tags VALUES (1, 1, 'mine'), (2, 2, 'theirs');
INSERT INTO t_post_tags VALUES (1, 1, 1, NULL), (1, 2, 2, NULL), (5, 2, 2, NULL), (3, 1, 2, NULL), (4, 1, 1, now());`

func tpostID(p TPost) int64       { return p.ID }
func tcommentID(c TComment) int64 { return c.ID }
func ttagID(t TTag) int64         { return t.ID }

// The tenant leak matrix: every path, against every row state (live, soft-deleted,
// another tenant's, a link to another tenant's row, a removed link row, a parent whose
// children are all deleted). Tenant 1 never sees a row of tenant 2, nor a deleted one,
// and no live parent is lost because its related row is another tenant's.
func TestTenant_leakMatrix(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(tenantDDL))
	ctx := orm.WithScope(testCtx(t), "tenant", int64(1))
	posts := orm.Query[TPost](db).OrderBy("id")
	check := func(path string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: got %v, want %v", path, got, want)
		}
	}
	all, err := posts.All(ctx)
	must(t, err)
	check("query", ids(all, tpostID), []int64{1, 3, 4})

	joined, err := posts.Join("Author").All(ctx)
	must(t, err)
	check("Join keeps the post whose author is another tenant's", ids(joined, tpostID), []int64{1, 3, 4})
	check("Join gives it a nil author", joined[1].Author == nil && joined[0].Author != nil, true)
	inner, err := posts.InnerJoin("Author").All(ctx)
	must(t, err)
	check("InnerJoin", ids(inner, tpostID), []int64{1, 4})
	byName, err := posts.Join("Author").Where(orm.Eq{"Author.name": "other"}).Count(ctx)
	must(t, err)
	check("Join condition on another tenant's row", byName, 0)

	log := ormtest.Record(ctx, func(ctx context.Context) {
		var err error
		all, err = posts.Preload("Author", "Comments", "Tags").All(ctx)
		must(t, err)
	})
	check("Preload: one statement per edge", log.Statements(), 4)
	check("Preload belongs-to of another tenant", all[1].Author == nil && all[0].Author != nil, true)
	check("Preload has-many", ids(all[0].Comments, tcommentID), []int64{1})
	check("Preload has-many, all children deleted", len(all[2].Comments) == 0 && all[2].Comments != nil, true)
	check("Preload many-to-many", ids(all[0].Tags, ttagID), []int64{1})
	check("Preload many-to-many, link row of another tenant", len(all[1].Tags), 0)
	check("Preload many-to-many, link row soft-deleted", len(all[2].Tags), 0)

	authors, err := orm.Query[TAuthor](db).OrderBy("id").Preload("Profile", "Posts.Comments", "Posts.Tags").All(ctx)
	must(t, err)
	check("nested: authors", ids(authors, func(a TAuthor) int64 { return a.ID }), []int64{1, 2})
	check("nested: has-one of another tenant", authors[0].Profile == nil && authors[1].Profile != nil, true)
	check("nested: posts", ids(authors[0].Posts, tpostID), []int64{1})
	check("nested: comments", ids(authors[0].Posts[0].Comments, tcommentID), []int64{1})
	check("nested: tags", ids(authors[0].Posts[0].Tags, ttagID), []int64{1})

	standalone := []TPost{{ID: 1, TenantID: 1}, {ID: 5, TenantID: 2}}
	must(t, loader.Preload(ctx, db, standalone, "Comments"))
	check("loader.Preload on rows in hand", ids(standalone[0].Comments, tcommentID), []int64{1})
	check("loader.Preload never loads another tenant's children", len(standalone[1].Comments), 0)

	n, err := posts.Count(ctx)
	must(t, err)
	check("Count", n, 3)
	ok, err := orm.Query[TPost](db).Where(orm.Eq{"id": 5}).Exists(ctx)
	must(t, err)
	check("Exists of another tenant's row", ok, false)

	var walked []int64
	req := paginate.Request{Limit: 1, Codec: testCodec, Count: true}
	for {
		page, err := orm.Query[TPost](db).Paginate(ctx, req)
		must(t, err)
		check("page total", page.Total, 3)
		walked = append(walked, ids(page.Items, tpostID)...)
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	check("pages and cursors", walked, []int64{1, 3, 4})
	var batched []int64
	must(t, orm.Query[TPost](db).Each(ctx, 2, func(p TPost) error { batched = append(batched, p.ID); return nil }))
	check("Batches", batched, []int64{1, 3, 4})
	var iterated []int64
	for p, err := range posts.Iter(ctx) {
		must(t, err)
		iterated = append(iterated, p.ID)
	}
	check("Iter", iterated, []int64{1, 3, 4})

	has, err := posts.Where(orm.Has("Tags", orm.Eq{"name": "theirs"})).All(ctx)
	must(t, err)
	check("Has ignores another tenant's targets", len(has), 0)
	has, err = posts.Where(orm.Has("Tags")).All(ctx)
	must(t, err)
	check("Has ignores deleted and foreign link rows", ids(has, tpostID), []int64{1})
	sub, err := orm.Query[TAuthor](db).Where(orm.In("id", orm.Query[TPost](nil).Columns("author_id"))).Count(ctx)
	must(t, err)
	check("subquery", sub, 2) // authors 1 and 2; author 3 is tenant 2's
	type perAuthor struct {
		AuthorID int64 `db:"author_id"`
		N        int64 `db:"n"`
	}
	groups, err := orm.Scan[perAuthor](ctx, orm.Query[TPost](db).GroupBy("author_id").OrderBy("author_id"), orm.Col("author_id"), orm.Count().As("n"))
	must(t, err)
	check("aggregates", groups, []perAuthor{{1, 1}, {2, 1}, {3, 1}})

	updated, err := orm.Query[TComment](db).Where(orm.AllRows).UpdateAll(ctx, orm.Set{"body": orm.Expr("body || '!'")})
	must(t, err)
	check("UpdateAll touches the tenant's live rows only", updated, 1)
	if err := orm.Update(ctx, db, &TPost{ID: 5, Title: "x"}, "title"); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("Update of another tenant's row: %v", err)
	}
	if err := orm.HardDelete(ctx, db, &TComment{ID: 5}); !errors.Is(err, orm.ErrNotFound) {
		t.Errorf("HardDelete of another tenant's row: %v", err)
	}
	deleted, err := orm.Query[TComment](db).Unscoped().Where(orm.Eq{"tenant_id": 1}).Where(orm.Gt{"id": 0}).DeleteAll(ctx)
	must(t, err)
	check("Unscoped soft DeleteAll still marks live rows only", deleted, 1)
	var untouched int
	must(t, db.QueryRow(ctx, "SELECT count(*) FROM t_comments WHERE tenant_id = 2 AND body NOT LIKE '%!' AND deleted_at IS NULL").Scan(&untouched))
	check("tenant 2's rows are unchanged", untouched, 2)

	every, err := posts.Unscoped().Preload("Tags").All(ctx)
	must(t, err)
	check("Unscoped lifts the tenant too", ids(every, tpostID), []int64{1, 2, 3, 4, 5})
	check("Unscoped lifts the link table's scopes", ids(every[3].Tags, ttagID), []int64{1})

	theirs, err := posts.All(orm.WithScope(ctx, "tenant", int64(2)))
	must(t, err)
	check("the other tenant sees its own", ids(theirs, tpostID), []int64{5})
}

// A scoped statement whose context carries no tenant is refused with a ScopeError
// before anything is sent, on every path: never "all tenants".
func TestTenant_missingValueSendsNothing(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(tenantDDL))
	ctx := testCtx(t)
	posts := orm.Query[TPost](db)
	paths := map[string]func(ctx context.Context) error{
		"All":    func(ctx context.Context) error { _, err := posts.All(ctx); return err },
		"Count":  func(ctx context.Context) error { _, err := posts.Count(ctx); return err },
		"Exists": func(ctx context.Context) error { _, err := posts.Exists(ctx); return err },
		"Iter": func(ctx context.Context) error {
			for _, err := range posts.Iter(ctx) {
				return err
			}
			return nil
		},
		"Batches": func(ctx context.Context) error { return posts.Each(ctx, 10, func(TPost) error { return nil }) },
		"Paginate": func(ctx context.Context) error {
			_, err := posts.Paginate(ctx, paginate.Request{Limit: 2, Codec: testCodec})
			return err
		},
		"Scan": func(ctx context.Context) error {
			_, err := orm.Scan[struct{ N int64 }](ctx, posts, orm.Count().As("n"))
			return err
		},
		"UpdateAll": func(ctx context.Context) error {
			_, err := posts.Where(orm.AllRows).UpdateAll(ctx, orm.Set{"title": "x"})
			return err
		},
		"DeleteAll":  func(ctx context.Context) error { _, err := posts.Where(orm.AllRows).DeleteAll(ctx); return err },
		"Update":     func(ctx context.Context) error { return orm.Update(ctx, db, &TPost{ID: 1}, "title") },
		"Delete":     func(ctx context.Context) error { return orm.Delete(ctx, db, &TPost{ID: 1}) },
		"HardDelete": func(ctx context.Context) error { return orm.HardDelete(ctx, db, &TPost{ID: 1}) },
		"Insert":     func(ctx context.Context) error { return orm.Insert(ctx, db, &TPost{ID: 9, AuthorID: 1}) },
		// The joined and preloaded models are scoped; the query's own model is not.
		"Join of a scoped model": func(ctx context.Context) error {
			_, err := orm.Query[plainPost](db).Join("Author").All(ctx)
			return err
		},
		"Preload of a scoped model": func(ctx context.Context) error {
			_, err := orm.Query[plainPost](db).Preload("Author").All(ctx)
			return err
		},
		"loader.Preload": func(ctx context.Context) error {
			return loader.Preload(ctx, db, []plainPost{{ID: 1, AuthorID: 1}}, "Author")
		},
		"Has": func(ctx context.Context) error {
			_, err := orm.Query[plainPost](db).Where(orm.Has("Author")).All(ctx)
			return err
		},
	}
	for name, run := range paths {
		var err error
		log := ormtest.Record(ctx, func(ctx context.Context) { err = run(ctx) })
		var se *orm.ScopeError
		if !errors.As(err, &se) || se.Scope != "tenant" {
			t.Errorf("%s without a tenant: got %v, want a ScopeError", name, err)
			continue
		}
		if log.Statements() != 0 {
			t.Errorf("%s without a tenant sent %d statements:\n%s", name, log.Statements(), log)
		}
		if !strings.Contains(err.Error(), `orm.WithScope(ctx, "tenant"`) {
			t.Errorf("%s: the error does not say how to fix it: %v", name, err)
		}
	}
}

// plainPost reads t_posts without a scope of its own, so that the scopes of its joined
// and preloaded models are tested alone.
type plainPost struct {
	ID       int64    `db:"id"`
	AuthorID int64    `db:"author_id"`
	Author   *TAuthor `orm:"belongs-to,fk:author_id"`
}

func (plainPost) TableName() string { return "t_posts" }

// Insert writes the context's tenant into a zero column and refuses a row of another
// tenant; Update refuses to move a row to another tenant.
func TestTenant_writes(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(tenantDDL))
	ctx := orm.WithScope(testCtx(t), "tenant", int64(1))
	p := TPost{ID: 10, AuthorID: 1, Title: "new"}
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { must(t, orm.Insert(ctx, db, &p)) })
	if p.TenantID != 1 {
		t.Fatalf("Insert did not write the context's tenant: %+v", p)
	}
	log := ormtest.Record(ctx, func(ctx context.Context) {
		err := orm.Insert(ctx, db, &TPost{ID: 11, TenantID: 2, AuthorID: 1})
		if err == nil || !strings.Contains(err.Error(), "another scope") {
			t.Errorf("Insert of another tenant's row: %v", err)
		}
		err = orm.Update(ctx, db, &TPost{ID: 10, TenantID: 2}, "tenant_id")
		if err == nil || !strings.Contains(err.Error(), "scope") {
			t.Errorf("Update moving a row to another tenant: %v", err)
		}
		_, err = orm.Query[TPost](db).Where(orm.AllRows).UpdateAll(ctx, orm.Set{"tenant_id": 2})
		if err == nil || !strings.Contains(err.Error(), "scope") {
			t.Errorf("UpdateAll moving rows to another tenant: %v", err)
		}
	})
	if log.Statements() != 0 {
		t.Errorf("refused writes sent %d statements", log.Statements())
	}
	type textTenant struct {
		ID     int64  `db:"id"`
		Tenant string `db:"tenant" orm:"scope:tenant"`
	}
	if err := orm.Insert(ctx, db, &textTenant{ID: 1}); err == nil || !strings.Contains(err.Error(), "cannot hold") {
		t.Errorf("an int64 tenant written into a string column: %v, want refused (not converted to a rune)", err)
	}
	var n int
	must(t, db.QueryRow(ctx, "SELECT count(*) FROM t_posts WHERE tenant_id = 2").Scan(&n))
	if n != 1 {
		t.Fatalf("tenant 2 has %d posts, want 1 (its own)", n)
	}
}

func TestTenant_badTags(t *testing.T) {
	type noName struct {
		ID int64
		T  int64 `orm:"scope:"`
	}
	type badName struct {
		ID int64
		T  int64 `orm:"scope:ten-ant"`
	}
	type twice struct {
		ID int64
		A  int64 `orm:"scope:tenant"`
		B  int64 `orm:"scope:tenant"`
	}
	type linkScopeBad struct {
		ID   int64
		Tags []TTag `orm:"many-to-many,through:x_tags,through_scope:tenant"`
	}
	type linkScopeNotM2M struct {
		ID    int64
		Posts []TPost `orm:"has-many,fk:author_id,through_softdelete:deleted_at"`
	}
	for name, q := range map[string]func() error{
		"through_scope without a column": func() error { _, _, err := orm.Query[linkScopeBad](nil).ToSQL(); return err },
		"through_softdelete on has-many": func() error { _, _, err := orm.Query[linkScopeNotM2M](nil).ToSQL(); return err },
		"no name":                        func() error { _, _, err := orm.Query[noName](nil).ToSQL(); return err },
		"bad name":                       func() error { _, _, err := orm.Query[badName](nil).ToSQL(); return err },
		"twice":                          func() error { _, _, err := orm.Query[twice](nil).ToSQL(); return err },
	} {
		if err := q(); !errors.Is(err, orm.ErrInvalidModel) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The DDL of a scoped join table carries its scope columns.
func TestTenant_linkTableDDL(t *testing.T) {
	ddl, err := ormschema.DDL(TPost{}, TAuthor{}, TComment{}, TTag{}, TProfile{})
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(ddl, `CREATE TABLE "t_post_tags"`)
	if i < 0 {
		t.Fatalf("no join table in:\n%s", ddl)
	}
	table := ddl[i : i+strings.Index(ddl[i:], ";")]
	for _, want := range []string{`"tenant_id" bigint NOT NULL`, `"deleted_at" timestamptz`} {
		if !strings.Contains(table, want) {
			t.Errorf("join table DDL lacks %s:\n%s", want, table)
		}
	}
}
