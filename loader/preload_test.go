package loader_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// preloadCase compares a preload with the naive per-parent loop on the same parents.
type preloadCase[T any] struct {
	name    string
	parents string // SQL selecting the parents, with $1 = how many
	scan    func(pgx.CollectableRow) (T, error)
	specs   []loader.Spec
	want    ormtest.Counts // what the preload sends
	naive   func(t testing.TB, ctx context.Context, db *orm.DB, parents []T)
}

// run loads the first 10 parents, then all of them, both ways, and requires equal rows
// and the same statement counts for both sizes.
func (c preloadCase[T]) run(t *testing.T, db *orm.DB) {
	t.Run(c.name, func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		for _, n := range []int{10, 100000} {
			got := rowtest.MustQuery(t, ctx, db, c.scan, c.parents, n)
			want := rowtest.MustQuery(t, ctx, db, c.scan, c.parents, n)
			ormtest.AssertCounts(t, ctx, c.want, func(ctx context.Context) {
				if err := loader.PreloadWith(ctx, db, got, c.specs...); err != nil {
					t.Fatal(err)
				}
			})
			c.naive(t, ctx, db, want)
			rowtest.RequireEqual(t, want, got)
		}
	})
}

func one(n int) ormtest.Counts { return ormtest.Counts{Statements: n, RoundTrips: 1} }

func counts(statements, roundTrips int) ormtest.Counts {
	return ormtest.Counts{Statements: statements, RoundTrips: roundTrips}
}

const (
	usersSQL   = "SELECT " + userCols + " FROM users ORDER BY id DESC LIMIT $1"
	postsSQL   = "SELECT " + postCols + " FROM posts ORDER BY id LIMIT $1"
	tagsSQL    = "SELECT " + tagCols + " FROM tags ORDER BY id LIMIT $1"
	profileSQL = "SELECT " + profileCols + " FROM profiles WHERE user_id = $1"
)

// Naive per-parent loaders: one query per parent.

func naiveUser(t testing.TB, ctx context.Context, db *orm.DB, id *int64) *User {
	if id == nil {
		return nil
	}
	return rowtest.MustQueryOne(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users WHERE id = $1", *id)
}

func naivePosts(t testing.TB, ctx context.Context, db *orm.DB, fk string, id int64) []Post {
	return rowtest.MustQuery(t, ctx, db, scanPost, "SELECT "+postCols+" FROM posts WHERE "+fk+" = $1 ORDER BY id", id)
}

func naiveComments(t testing.TB, ctx context.Context, db *orm.DB, postID int64) []Comment {
	return rowtest.MustQuery(t, ctx, db, scanComment, "SELECT "+commentCols+" FROM comments WHERE post_id = $1 ORDER BY id", postID)
}

func naiveTags(t testing.TB, ctx context.Context, db *orm.DB, postID int64) []*Tag {
	return ptrs(rowtest.MustQuery(t, ctx, db, scanTag,
		"SELECT t.id, t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = $1 ORDER BY t.id", postID))
}

func TestPreload_matchesNaiveLoop_users(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	cases := []preloadCase[User]{{
		name: "has-many", specs: specs("Posts"), want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Posts = naivePosts(t, ctx, db, "author_id", us[i].ID)
			}
		},
	}, {
		name: "has-many of pointers on a nullable foreign key", specs: specs("Edited"), want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Edited = ptrs(naivePosts(t, ctx, db, "editor_id", us[i].ID))
			}
		},
	}, {
		name: "has-one", specs: specs("Profile"), want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Profile = rowtest.MustQueryOne(t, ctx, db, scanProfile, profileSQL, us[i].ID)
			}
		},
	}, {
		name: "self reference belongs-to, nested", specs: specs("Manager.Manager"), want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				if m := naiveUser(t, ctx, db, us[i].ManagerID); m != nil {
					m.Manager = naiveUser(t, ctx, db, m.ManagerID)
					us[i].Manager = m
				}
			}
		},
	}, {
		name: "self reference has-many, nested", specs: specs("Reports.Reports"), want: counts(2, 2),
		parents: "SELECT " + userCols + " FROM users ORDER BY id LIMIT $1", // the first users manage the others
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Reports = rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users WHERE manager_id = $1 ORDER BY id", us[i].ID)
				for j := range us[i].Reports {
					r := &us[i].Reports[j]
					r.Reports = rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users WHERE manager_id = $1 ORDER BY id", r.ID)
				}
			}
		},
	}, {
		name: "nested three deep", specs: specs("Posts.Comments.Author"), want: counts(3, 3),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Posts = naivePosts(t, ctx, db, "author_id", us[i].ID)
				for j := range us[i].Posts {
					p := &us[i].Posts[j]
					p.Comments = naiveComments(t, ctx, db, p.ID)
					for k := range p.Comments {
						p.Comments[k].Author = naiveUser(t, ctx, db, &p.Comments[k].AuthorID)
					}
				}
			}
		},
	}, {
		name:  "overlapping paths, siblings pipelined",
		specs: specs("Posts", "Posts.Comments", "Profile", "Posts.Tags", "Posts.Comments.Author", "Posts"),
		want:  counts(5, 3),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Profile = rowtest.MustQueryOne(t, ctx, db, scanProfile, profileSQL, us[i].ID)
				us[i].Posts = naivePosts(t, ctx, db, "author_id", us[i].ID)
				for j := range us[i].Posts {
					p := &us[i].Posts[j]
					p.Tags = naiveTags(t, ctx, db, p.ID)
					p.Comments = naiveComments(t, ctx, db, p.ID)
					for k := range p.Comments {
						p.Comments[k].Author = naiveUser(t, ctx, db, &p.Comments[k].AuthorID)
					}
				}
			}
		},
	}, {
		name: "where, order, columns and a per-parent limit, also on many-to-many",
		specs: []loader.Spec{
			loader.Path("Posts", loader.Where("published"), loader.OrderBy("-score"), loader.Limit(2), loader.Columns("title", "score")),
			loader.Path("Posts.Tags", loader.OrderBy("name DESC"), loader.Limit(2)),
		},
		want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Posts = rowtest.MustQuery(t, ctx, db, func(r pgx.CollectableRow) (Post, error) {
					var p Post
					err := r.Scan(&p.ID, &p.AuthorID, &p.Title, &p.Score)
					return p, err
				}, "SELECT id, author_id, title, score FROM posts WHERE author_id = $1 AND published ORDER BY score DESC, id LIMIT 2", us[i].ID)
				for j := range us[i].Posts {
					p := &us[i].Posts[j]
					p.Tags = ptrs(rowtest.MustQuery(t, ctx, db, scanTag,
						"SELECT t.id, t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = $1 ORDER BY t.name DESC, t.id LIMIT 2", p.ID))
				}
			}
		},
	}, {
		name: "per-parent limit ordered NULLS FIRST on a nullable column not selected, where args and columns",
		specs: []loader.Spec{
			loader.Path("Posts", loader.Where("score > ?", 3), loader.OrderBy("editor_id NULLS FIRST", "-score"), loader.Limit(2), loader.Columns("title")),
		},
		want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Posts = rowtest.MustQuery(t, ctx, db, func(r pgx.CollectableRow) (Post, error) {
					var p Post
					err := r.Scan(&p.ID, &p.AuthorID, &p.Title)
					return p, err
				}, "SELECT id, author_id, title FROM posts WHERE author_id = $1 AND score > $2 ORDER BY editor_id NULLS FIRST, score DESC, id LIMIT 2", us[i].ID, 3)
			}
		},
	}, {
		name: "per-parent limits at every depth: nullable foreign key, self reference, nested has-many",
		specs: []loader.Spec{
			loader.Path("Edited", loader.OrderBy("-created_at"), loader.Limit(1)),
			loader.Path("Reports", loader.OrderBy("name DESC NULLS LAST"), loader.Limit(2)),
			loader.Path("Posts", loader.OrderBy("score", "-created_at"), loader.Limit(3)),
			loader.Path("Posts.Comments", loader.OrderBy("-score"), loader.Limit(2)),
		},
		want: counts(4, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				u := &us[i]
				u.Edited = ptrs(rowtest.MustQuery(t, ctx, db, scanPost, "SELECT "+postCols+" FROM posts WHERE editor_id = $1 ORDER BY created_at DESC, id LIMIT 1", u.ID))
				u.Reports = rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users WHERE manager_id = $1 ORDER BY name DESC NULLS LAST, id LIMIT 2", u.ID)
				u.Posts = rowtest.MustQuery(t, ctx, db, scanPost, "SELECT "+postCols+" FROM posts WHERE author_id = $1 ORDER BY score, created_at DESC, id LIMIT 3", u.ID)
				for j := range u.Posts {
					p := &u.Posts[j]
					p.Comments = rowtest.MustQuery(t, ctx, db, scanComment, "SELECT "+commentCols+" FROM comments WHERE post_id = $1 ORDER BY score DESC, id LIMIT 2", p.ID)
				}
			}
		},
	}, {
		name: "where with orm conditions: Eq with nil, an Or of Eq and Gt, names checked against the related model",
		specs: []loader.Spec{
			loader.Path("Posts", loader.Where(orm.Eq{"editor_id": nil}), loader.Where(orm.Or{orm.Eq{"Score": 3}, orm.Gt{"score": 15}})),
			loader.Path("Posts.Tags", loader.Where(orm.Lte{"id": 10}), loader.Where(orm.NotEq{"name": []string(nil)})),
		},
		want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Posts = rowtest.MustQuery(t, ctx, db, scanPost,
					"SELECT "+postCols+" FROM posts WHERE author_id = $1 AND editor_id IS NULL AND (score = 3 OR score > 15) ORDER BY id", us[i].ID)
				for j := range us[i].Posts {
					p := &us[i].Posts[j]
					p.Tags = ptrs(rowtest.MustQuery(t, ctx, db, scanTag,
						"SELECT t.id, t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = $1 AND t.id <= 10 ORDER BY t.id", p.ID))
				}
			}
		},
	}, {
		name:    "per-parent limit with every parent twice: children are not duplicated",
		parents: "SELECT " + userCols + " FROM users CROSS JOIN generate_series(1, 2) ORDER BY id DESC LIMIT $1",
		specs: []loader.Spec{
			loader.Path("Posts", loader.OrderBy("-score"), loader.Limit(2)),
			loader.Path("Posts.Tags", loader.Limit(1)),
		},
		want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, us []User) {
			for i := range us {
				us[i].Posts = rowtest.MustQuery(t, ctx, db, scanPost, "SELECT "+postCols+" FROM posts WHERE author_id = $1 ORDER BY score DESC, id LIMIT 2", us[i].ID)
				for j := range us[i].Posts {
					p := &us[i].Posts[j]
					p.Tags = ptrs(rowtest.MustQuery(t, ctx, db, scanTag,
						"SELECT t.id, t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = $1 ORDER BY t.id LIMIT 1", p.ID))
				}
			}
		},
	}}
	for _, c := range cases {
		if c.parents == "" {
			c.parents = usersSQL
		}
		c.scan = scanUser
		c.run(t, db)
	}
}

func TestPreload_matchesNaiveLoop_posts(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	cases := []preloadCase[Post]{{
		name: "belongs-to", specs: specs("Author"), want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, ps []Post) {
			for i := range ps {
				ps[i].Author = naiveUser(t, ctx, db, &ps[i].AuthorID)
			}
		},
	}, {
		name: "belongs-to on a nullable foreign key", specs: specs("Editor.Profile"), want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, ps []Post) {
			for i := range ps {
				if e := naiveUser(t, ctx, db, ps[i].EditorID); e != nil {
					e.Profile = rowtest.MustQueryOne(t, ctx, db, scanProfile, profileSQL, e.ID)
					ps[i].Editor = e
				}
			}
		},
	}, {
		name: "two relations to the same table", specs: specs("Author", "Editor"), want: one(2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, ps []Post) {
			for i := range ps {
				ps[i].Author = naiveUser(t, ctx, db, &ps[i].AuthorID)
				ps[i].Editor = naiveUser(t, ctx, db, ps[i].EditorID)
			}
		},
	}, {
		name: "many-to-many", specs: specs("Tags"), want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, ps []Post) {
			for i := range ps {
				ps[i].Tags = naiveTags(t, ctx, db, ps[i].ID)
			}
		},
	}, {
		name:  "where with args and order on has-many",
		specs: []loader.Spec{loader.Path("Comments", loader.Where("score >= ?", 5), loader.OrderBy("-score", "body"))},
		want:  one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, ps []Post) {
			for i := range ps {
				ps[i].Comments = rowtest.MustQuery(t, ctx, db, scanComment,
					"SELECT "+commentCols+" FROM comments WHERE post_id = $1 AND score >= $2 ORDER BY score DESC, body, id", ps[i].ID, 5)
			}
		},
	}}
	for _, c := range cases {
		c.parents, c.scan = postsSQL, scanPost
		c.run(t, db)
	}
}

func TestPreload_matchesNaiveLoop_keyTypes(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	preloadCase[Tag]{
		name: "many-to-many reverse, slice of structs", parents: tagsSQL, scan: scanTag, specs: specs("Posts"), want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, ts []Tag) {
			for i := range ts {
				ts[i].Posts = rowtest.MustQuery(t, ctx, db, scanPost,
					"SELECT p.id, p.author_id, p.editor_id, p.title, p.score, p.published, p.created_at FROM posts p JOIN post_tags pt ON pt.post_id = p.id WHERE pt.tag_id = $1 ORDER BY p.id", ts[i].ID)
			}
		},
	}.run(t, db)
	preloadCase[Org]{
		name: "uuid keys", parents: "SELECT id, name FROM orgs ORDER BY id LIMIT $1", scan: scanOrg, specs: specs("Teams.Org"), want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, os []Org) {
			for i := range os {
				os[i].Teams = rowtest.MustQuery(t, ctx, db, scanTeam, "SELECT id, org_id, name FROM teams WHERE org_id = $1 ORDER BY id", os[i].ID)
				for j := range os[i].Teams {
					os[i].Teams[j].Org = rowtest.MustQueryOne(t, ctx, db, scanOrg, "SELECT id, name FROM orgs WHERE id = $1", os[i].Teams[j].OrgID)
				}
			}
		},
	}.run(t, db)
	preloadCase[Country]{
		name: "text keys", parents: "SELECT code, name FROM countries ORDER BY code LIMIT $1", scan: scanCountry, specs: specs("Cities.Country"), want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, cs []Country) {
			for i := range cs {
				cs[i].Cities = rowtest.MustQuery(t, ctx, db, scanCity, "SELECT id, country_code, name FROM cities WHERE country_code = $1 ORDER BY id", cs[i].Code)
				for j := range cs[i].Cities {
					cs[i].Cities[j].Country = rowtest.MustQueryOne(t, ctx, db, scanCountry, "SELECT code, name FROM countries WHERE code = $1", cs[i].Code)
				}
			}
		},
	}.run(t, db)
	preloadCase[Order]{
		name: "composite keys: has-many, belongs-to and link table", parents: "SELECT region, number, customer FROM orders ORDER BY region, number LIMIT $1",
		scan: scanOrder, specs: specs("Lines.Order", "Products"), want: counts(3, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, os []Order) {
			for i := range os {
				o := &os[i]
				o.Lines = rowtest.MustQuery(t, ctx, db, scanOrderLine, "SELECT id, region, order_number, item, qty FROM order_lines WHERE region = $1 AND order_number = $2 ORDER BY id", o.Region, o.Number)
				for j := range o.Lines {
					o.Lines[j].Order = rowtest.MustQueryOne(t, ctx, db, scanOrder, "SELECT region, number, customer FROM orders WHERE region = $1 AND number = $2", o.Region, o.Number)
				}
				o.Products = rowtest.MustQuery(t, ctx, db, scanProduct, "SELECT p.id, p.name FROM products p JOIN order_products op ON op.product_id = p.id WHERE op.region = $1 AND op.order_number = $2 ORDER BY p.id", o.Region, o.Number)
			}
		},
	}.run(t, db)
	preloadCase[Order]{
		name: "composite keys with a per-parent limit", parents: "SELECT region, number, customer FROM orders ORDER BY region, number LIMIT $1",
		scan: scanOrder, specs: []loader.Spec{loader.Path("Lines", loader.OrderBy("-qty"), loader.Limit(1)), loader.Path("Products", loader.Limit(2))}, want: one(2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, os []Order) {
			for i := range os {
				o := &os[i]
				o.Lines = rowtest.MustQuery(t, ctx, db, scanOrderLine, "SELECT id, region, order_number, item, qty FROM order_lines WHERE region = $1 AND order_number = $2 ORDER BY qty DESC, id LIMIT 1", o.Region, o.Number)
				o.Products = rowtest.MustQuery(t, ctx, db, scanProduct, "SELECT p.id, p.name FROM products p JOIN order_products op ON op.product_id = p.id WHERE op.region = $1 AND op.order_number = $2 ORDER BY p.id LIMIT 2", o.Region, o.Number)
			}
		},
	}.run(t, db)
}

func TestPreload_matchesNaiveLoop_limitKeyTypes(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	preloadCase[Tag]{
		name: "many-to-many reverse on an int4 key", parents: tagsSQL, scan: scanTag,
		specs: []loader.Spec{loader.Path("Posts", loader.OrderBy("-score", "created_at"), loader.Limit(3))}, want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, ts []Tag) {
			for i := range ts {
				ts[i].Posts = rowtest.MustQuery(t, ctx, db, scanPost,
					"SELECT p.id, p.author_id, p.editor_id, p.title, p.score, p.published, p.created_at FROM posts p JOIN post_tags pt ON pt.post_id = p.id WHERE pt.tag_id = $1 ORDER BY p.score DESC, p.created_at, p.id LIMIT 3", ts[i].ID)
			}
		},
	}.run(t, db)
	preloadCase[Org]{
		name: "uuid keys", parents: "SELECT id, name FROM orgs ORDER BY id LIMIT $1", scan: scanOrg,
		specs: []loader.Spec{loader.Path("Teams", loader.OrderBy("-name"), loader.Limit(1)), loader.Path("Teams.Org")}, want: counts(2, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, os []Org) {
			for i := range os {
				os[i].Teams = rowtest.MustQuery(t, ctx, db, scanTeam, "SELECT id, org_id, name FROM teams WHERE org_id = $1 ORDER BY name DESC, id LIMIT 1", os[i].ID)
				for j := range os[i].Teams {
					os[i].Teams[j].Org = rowtest.MustQueryOne(t, ctx, db, scanOrg, "SELECT id, name FROM orgs WHERE id = $1", os[i].Teams[j].OrgID)
				}
			}
		},
	}.run(t, db)
	preloadCase[Country]{
		name: "text keys (the window form)", parents: "SELECT code, name FROM countries ORDER BY code LIMIT $1", scan: scanCountry,
		specs: []loader.Spec{loader.Path("Cities", loader.OrderBy("-name"), loader.Limit(2))}, want: one(1),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, cs []Country) {
			for i := range cs {
				cs[i].Cities = rowtest.MustQuery(t, ctx, db, scanCity, "SELECT id, country_code, name FROM cities WHERE country_code = $1 ORDER BY name DESC, id LIMIT 2", cs[i].Code)
			}
		},
	}.run(t, db)
	preloadCase[Order]{
		name: "composite keys, every order twice, nested", parents: "SELECT region, number, customer FROM orders CROSS JOIN generate_series(1, 2) ORDER BY number, region LIMIT $1",
		scan: scanOrder, specs: []loader.Spec{loader.Path("Lines", loader.OrderBy("item DESC", "-qty"), loader.Limit(2)), loader.Path("Lines.Order"), loader.Path("Products", loader.OrderBy("-name"), loader.Limit(1))},
		want: counts(3, 2),
		naive: func(t testing.TB, ctx context.Context, db *orm.DB, os []Order) {
			for i := range os {
				o := &os[i]
				o.Lines = rowtest.MustQuery(t, ctx, db, scanOrderLine, "SELECT id, region, order_number, item, qty FROM order_lines WHERE region = $1 AND order_number = $2 ORDER BY item DESC, qty DESC, id LIMIT 2", o.Region, o.Number)
				for j := range o.Lines {
					o.Lines[j].Order = rowtest.MustQueryOne(t, ctx, db, scanOrder, "SELECT region, number, customer FROM orders WHERE region = $1 AND number = $2", o.Region, o.Number)
				}
				o.Products = rowtest.MustQuery(t, ctx, db, scanProduct, "SELECT p.id, p.name FROM products p JOIN order_products op ON op.product_id = p.id WHERE op.region = $1 AND op.order_number = $2 ORDER BY p.name DESC, p.id LIMIT 1", o.Region, o.Number)
			}
		},
	}.run(t, db)
}

func specs(paths ...string) []loader.Spec {
	out := make([]loader.Spec, len(paths))
	for i, p := range paths {
		out[i] = loader.Path(p)
	}
	return out
}
