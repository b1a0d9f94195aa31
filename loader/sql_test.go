package loader_test

import (
	"github.com/batchorm/batchorm/internal/sqlw"
	"reflect"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
)

const (
	usersList = `"users"."id", "users"."name", "users"."manager_id", "users"."created_at"`
	postsList = `"posts"."id", "posts"."author_id", "posts"."editor_id", "posts"."title", "posts"."score", "posts"."published", "posts"."created_at"`
)

func mustModel[T any](t testing.TB) *model.Model {
	t.Helper()
	m, err := model.Of[T]()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPlan_Statements(t *testing.T) {
	t.Parallel()
	users, posts, orders := mustModel[User](t), mustModel[Post](t), mustModel[Order](t)
	orgs, countries, sensors := mustModel[Org](t), mustModel[Country](t), mustModel[Sensor](t)
	tests := map[string]struct {
		model *model.Model
		specs []loader.Spec
		want  []loader.Statement
	}{
		"belongs-to: no ORDER BY unless asked": {
			model: posts, specs: specs("Author"),
			want: []loader.Statement{{Path: "Author", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT ` + usersList + ` FROM "users" WHERE "users"."id" = ANY($1)`}},
		},
		"belongs-to with an order": {
			model: posts, specs: []loader.Spec{loader.Path("Author", loader.OrderBy("name"))},
			want: []loader.Statement{{Path: "Author", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT ` + usersList + ` FROM "users" WHERE "users"."id" = ANY($1) ORDER BY "users"."name", "users"."id"`}},
		},
		"has-one: no ORDER BY, the lowest primary key is picked in memory": {
			model: users, specs: specs("Profile"),
			want: []loader.Statement{{Path: "Profile", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT "profiles"."id", "profiles"."user_id", "profiles"."bio" FROM "profiles" WHERE "profiles"."user_id" = ANY($1)`}},
		},
		"has-one with an order: sorted on the server, the first row wins": {
			model: users, specs: []loader.Spec{loader.Path("Profile", loader.OrderBy("-bio"))},
			want: []loader.Statement{{Path: "Profile", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT "profiles"."id", "profiles"."user_id", "profiles"."bio" FROM "profiles" WHERE "profiles"."user_id" = ANY($1) ORDER BY "profiles"."bio" DESC, "profiles"."id"`}},
		},
		"has-many: no ORDER BY, put in primary-key order in memory": {
			model: users, specs: specs("Posts"),
			want: []loader.Statement{{Path: "Posts", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT ` + postsList + ` FROM "posts" WHERE "posts"."author_id" = ANY($1)`}},
		},
		"has-many with an order: grouped by the foreign key on the server, then the order and the primary key": {
			model: users, specs: []loader.Spec{loader.Path("Posts", loader.OrderBy("-created_at"))},
			want: []loader.Statement{{Path: "Posts", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT ` + postsList + ` FROM "posts" WHERE "posts"."author_id" = ANY($1) ORDER BY "posts"."author_id", "posts"."created_at" DESC, "posts"."id"`}},
		},
		"has-many whose primary key has no order in Go: grouped and sorted on the server": {
			model: sensors, specs: specs("Readings"),
			want: []loader.Statement{{Path: "Readings", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT "readings"."at", "readings"."sensor_id", "readings"."value" FROM "readings" WHERE "readings"."sensor_id" = ANY($1) ORDER BY "readings"."sensor_id", "readings"."at"`}},
		},
		"many-to-many: one statement joining the link table": {
			model: posts, specs: specs("Tags"),
			want: []loader.Statement{{Path: "Tags", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT "post_tags"."post_id", "tags"."id", "tags"."name" FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id" WHERE "post_tags"."post_id" = ANY($1)`}},
		},
		"where with args and columns": {
			model: posts, specs: []loader.Spec{loader.Path("Comments", loader.Where("score > ?", 3), loader.Columns("body"))},
			want: []loader.Statement{{Path: "Comments", Depth: 1, KeyParams: 1, Args: []any{nil, 3},
				SQL: `SELECT "comments"."id", "comments"."post_id", "comments"."body" FROM "comments" WHERE "comments"."post_id" = ANY($1) AND (score > $2)`}},
		},
		"where with orm conditions: names resolved against the related model and qualified by its table": {
			model: users, specs: []loader.Spec{loader.Path("Posts", loader.Where(orm.Eq{"EditorID": nil}), loader.Where(orm.Or{orm.Eq{"score": 3}, orm.Gt{"score": 15}}))},
			want: []loader.Statement{{Path: "Posts", Depth: 1, KeyParams: 1, Args: []any{nil, 3, 15},
				SQL: `SELECT ` + postsList + ` FROM "posts" WHERE "posts"."author_id" = ANY($1)` +
					` AND (("posts"."editor_id" IS NULL) AND (("posts"."score" = $2) OR ("posts"."score" > $3)))`}},
		},
		"where with a squirrel Sqlizer and a list": {
			model: posts, specs: []loader.Spec{loader.Path("Comments", loader.Where(sq.Eq{"published": true}), loader.Where(orm.Eq{"author_id": []int64{1, 2}}))},
			want: []loader.Statement{{Path: "Comments", Depth: 1, KeyParams: 1, Args: []any{nil, true, []int64{1, 2}},
				SQL: `SELECT "comments"."id", "comments"."post_id", "comments"."author_id", "comments"."body", "comments"."score" FROM "comments" WHERE "comments"."post_id" = ANY($1)` +
					` AND ((published = $2) AND ("comments"."author_id" = ANY($3)))`}},
		},
		"per-parent limit: one LIMIT subquery per distinct key, joined LATERAL": {
			model: users, specs: []loader.Spec{loader.Path("Posts", loader.OrderBy("-created_at"), loader.Limit(3))},
			want: []loader.Statement{{Path: "Posts", Depth: 1, KeyParams: 1, Args: []any{nil, 3},
				SQL: `SELECT ` + postsList + ` FROM (SELECT DISTINCT * FROM unnest($1::int8[])) AS "_keys"("_k0")` +
					` CROSS JOIN LATERAL (SELECT ` + postsList + ` FROM "posts" WHERE "posts"."author_id" BETWEEN "_keys"."_k0" AND "_keys"."_k0"` +
					` ORDER BY "posts"."author_id", "posts"."created_at" DESC, "posts"."id" LIMIT $2) AS "posts"` +
					` ORDER BY "_keys"."_k0", "posts"."created_at" DESC, "posts"."id"`}},
		},
		"per-parent limit with where, columns and NULLS FIRST: order keys selected inside, args in text order": {
			model: users, specs: []loader.Spec{loader.Path("Posts", loader.Where("score > ?", 3), loader.OrderBy("editor_id NULLS FIRST", "-score"), loader.Limit(2), loader.Columns("title"))},
			want: []loader.Statement{{Path: "Posts", Depth: 1, KeyParams: 1, Args: []any{nil, 3, 2},
				SQL: `SELECT "posts"."id", "posts"."author_id", "posts"."title" FROM (SELECT DISTINCT * FROM unnest($1::int8[])) AS "_keys"("_k0")` +
					` CROSS JOIN LATERAL (SELECT "posts"."id", "posts"."author_id", "posts"."title", "posts"."editor_id", "posts"."score" FROM "posts"` +
					` WHERE "posts"."author_id" BETWEEN "_keys"."_k0" AND "_keys"."_k0" AND (score > $2)` +
					` ORDER BY "posts"."author_id", "posts"."editor_id" NULLS FIRST, "posts"."score" DESC, "posts"."id" LIMIT $3) AS "posts"` +
					` ORDER BY "_keys"."_k0", "posts"."editor_id" NULLS FIRST, "posts"."score" DESC, "posts"."id"`}},
		},
		"per-parent limit on many-to-many: the unnested keys lead the row": {
			model: posts, specs: []loader.Spec{loader.Path("Tags", loader.Limit(2))},
			want: []loader.Statement{{Path: "Tags", Depth: 1, KeyParams: 1, Args: []any{nil, 2},
				SQL: `SELECT "_keys"."_k0", "tags"."id", "tags"."name" FROM (SELECT DISTINCT * FROM unnest($1::int8[])) AS "_keys"("_k0")` +
					` CROSS JOIN LATERAL (SELECT "tags"."id", "tags"."name" FROM "tags" JOIN "post_tags" ON "post_tags"."tag_id" = "tags"."id"` +
					` WHERE "post_tags"."post_id" BETWEEN "_keys"."_k0" AND "_keys"."_k0" ORDER BY "post_tags"."post_id", "tags"."id" LIMIT $2) AS "tags"` +
					` ORDER BY "_keys"."_k0", "tags"."id"`}},
		},
		"per-parent limit on uuid keys: a uuid array": {
			model: orgs, specs: []loader.Spec{loader.Path("Teams", loader.Limit(2))},
			want: []loader.Statement{{Path: "Teams", Depth: 1, KeyParams: 1, Args: []any{nil, 2},
				SQL: `SELECT "teams"."id", "teams"."org_id", "teams"."name" FROM (SELECT DISTINCT * FROM unnest($1::uuid[])) AS "_keys"("_k0")` +
					` CROSS JOIN LATERAL (SELECT "teams"."id", "teams"."org_id", "teams"."name" FROM "teams" WHERE "teams"."org_id" BETWEEN "_keys"."_k0" AND "_keys"."_k0"` +
					` ORDER BY "teams"."org_id", "teams"."id" LIMIT $2) AS "teams" ORDER BY "_keys"."_k0", "teams"."id"`}},
		},
		"per-parent limit on composite keys: the keyCasts arrays, one BETWEEN per column": {
			model: orders, specs: []loader.Spec{loader.Path("Lines", loader.OrderBy("-qty"), loader.Limit(1)), loader.Path("Products", loader.Limit(2))},
			want: []loader.Statement{{Path: "Lines", Depth: 1, KeyParams: 2, Args: []any{nil, nil, 1},
				SQL: `SELECT "order_lines"."id", "order_lines"."region", "order_lines"."order_number", "order_lines"."item", "order_lines"."qty"` +
					` FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::int8[])) AS "_keys"("_k0", "_k1")` +
					` CROSS JOIN LATERAL (SELECT "order_lines"."id", "order_lines"."region", "order_lines"."order_number", "order_lines"."item", "order_lines"."qty" FROM "order_lines"` +
					` WHERE "order_lines"."region" BETWEEN "_keys"."_k0" AND "_keys"."_k0" AND "order_lines"."order_number" BETWEEN "_keys"."_k1" AND "_keys"."_k1"` +
					` ORDER BY "order_lines"."region", "order_lines"."order_number", "order_lines"."qty" DESC, "order_lines"."id" LIMIT $3) AS "order_lines"` +
					` ORDER BY "_keys"."_k0", "_keys"."_k1", "order_lines"."qty" DESC, "order_lines"."id"`,
			}, {Path: "Products", Depth: 1, KeyParams: 2, Args: []any{nil, nil, 2},
				SQL: `SELECT "_keys"."_k0", "_keys"."_k1", "products"."id", "products"."name" FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::int8[])) AS "_keys"("_k0", "_k1")` +
					` CROSS JOIN LATERAL (SELECT "products"."id", "products"."name" FROM "products" JOIN "order_products" ON "order_products"."product_id" = "products"."id"` +
					` WHERE "order_products"."region" BETWEEN "_keys"."_k0" AND "_keys"."_k0" AND "order_products"."order_number" BETWEEN "_keys"."_k1" AND "_keys"."_k1"` +
					` ORDER BY "order_products"."region", "order_products"."order_number", "products"."id" LIMIT $3) AS "products"` +
					` ORDER BY "_keys"."_k0", "_keys"."_k1", "products"."id"`,
			}},
		},
		"per-parent limit on a one-column text key: the window form, the array typed from the column": {
			model: countries, specs: []loader.Spec{loader.Path("Cities", loader.Limit(2))},
			want: []loader.Statement{{Path: "Cities", Depth: 1, KeyParams: 1, Args: []any{nil, 2},
				SQL: `SELECT "cities"."id", "cities"."country_code", "cities"."name" FROM (SELECT "cities"."id", "cities"."country_code", "cities"."name",` +
					` row_number() OVER (PARTITION BY "cities"."country_code" ORDER BY "cities"."id") AS "_rn" FROM "cities" WHERE "cities"."country_code" = ANY($1)) AS "cities"` +
					` WHERE "cities"."_rn" <= $2 ORDER BY "cities"."country_code", "cities"."id"`}},
		},
		"composite keys: one typed array per column through unnest": {
			model: orders, specs: specs("Lines", "Products"),
			want: []loader.Statement{{Path: "Lines", Depth: 1, KeyParams: 2, Args: []any{nil, nil},
				SQL: `SELECT "order_lines"."id", "order_lines"."region", "order_lines"."order_number", "order_lines"."item", "order_lines"."qty" FROM "order_lines" WHERE ("order_lines"."region", "order_lines"."order_number") IN (SELECT * FROM unnest($1::text[], $2::int8[]))`,
			}, {Path: "Products", Depth: 1, KeyParams: 2, Args: []any{nil, nil},
				SQL: `SELECT "order_products"."region", "order_products"."order_number", "products"."id", "products"."name" FROM "products" JOIN "order_products" ON "order_products"."product_id" = "products"."id" WHERE ("order_products"."region", "order_products"."order_number") IN (SELECT * FROM unnest($1::text[], $2::int8[]))`,
			}},
		},
		"nested paths: columns keep the keys the children need": {
			model: users, specs: []loader.Spec{loader.Path("Posts", loader.Columns("title")), loader.Path("Posts.Comments", loader.Columns("body")), loader.Path("Posts.Comments.Author")},
			want: []loader.Statement{{Path: "Posts", Depth: 1, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT "posts"."id", "posts"."author_id", "posts"."title" FROM "posts" WHERE "posts"."author_id" = ANY($1)`,
			}, {Path: "Posts.Comments", Depth: 2, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT "comments"."id", "comments"."post_id", "comments"."author_id", "comments"."body" FROM "comments" WHERE "comments"."post_id" = ANY($1)`,
			}, {Path: "Posts.Comments.Author", Depth: 3, KeyParams: 1, Args: []any{nil},
				SQL: `SELECT ` + usersList + ` FROM "users" WHERE "users"."id" = ANY($1)`,
			}},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := loader.NewPlan(tt.model, tt.specs...)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Statements()
			if len(got) != len(tt.want) {
				t.Fatalf("want %d statements, got %d: %+v", len(tt.want), len(got), got)
			}
			for i := range got {
				checkSampleArgs(t, got[i])
				got[i].SampleArgs = nil
				if !reflect.DeepEqual(got[i], tt.want[i]) {
					t.Errorf("statement %d:\nwant %+v\ngot  %+v", i, tt.want[i], got[i])
				}
			}
		})
	}
}

func TestJoinPlan_SQL(t *testing.T) {
	t.Parallel()
	posts, comments, lines := mustModel[Post](t), mustModel[Comment](t), mustModel[OrderLine](t)
	tests := map[string]struct {
		model *model.Model
		specs []loader.JoinSpec
		from  string
		list  string
	}{
		"belongs-to": {
			model: posts, specs: []loader.JoinSpec{{Path: "Author"}},
			from: `"posts" LEFT JOIN "users" AS "Author" ON "Author"."id" = "posts"."author_id"`,
			list: `"Author"."id", "Author"."name", "Author"."manager_id", "Author"."created_at"`,
		},
		"nested has-one and the same table twice, one INNER": {
			model: posts, specs: []loader.JoinSpec{{Path: "Author.Profile"}, {Path: "Editor", Inner: true}, {Path: "Author"}},
			from: `"posts" LEFT JOIN "users" AS "Author" ON "Author"."id" = "posts"."author_id"` +
				` LEFT JOIN "profiles" AS "Author.Profile" ON "Author.Profile"."user_id" = "Author"."id"` +
				` INNER JOIN "users" AS "Editor" ON "Editor"."id" = "posts"."editor_id"`,
			list: `"Author"."id", "Author"."name", "Author"."manager_id", "Author"."created_at", ` +
				`"Author.Profile"."id", "Author.Profile"."user_id", "Author.Profile"."bio", ` +
				`"Editor"."id", "Editor"."name", "Editor"."manager_id", "Editor"."created_at"`,
		},
		"INNER on a nested path makes every edge of it INNER": {
			model: comments, specs: []loader.JoinSpec{{Path: "Post.Author", Inner: true}},
			from: `"comments" INNER JOIN "posts" AS "Post" ON "Post"."id" = "comments"."post_id"` +
				` INNER JOIN "users" AS "Post.Author" ON "Post.Author"."id" = "Post"."author_id"`,
			list: `"Post"."id", "Post"."author_id", "Post"."editor_id", "Post"."title", "Post"."score", "Post"."published", "Post"."created_at", ` +
				`"Post.Author"."id", "Post.Author"."name", "Post.Author"."manager_id", "Post.Author"."created_at"`,
		},
		"composite key": {
			model: lines, specs: []loader.JoinSpec{{Path: "Order"}},
			from: `"order_lines" LEFT JOIN "orders" AS "Order" ON "Order"."region" = "order_lines"."region" AND "Order"."number" = "order_lines"."order_number"`,
			list: `"Order"."region", "Order"."number", "Order"."customer"`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := loader.NewJoinPlan(tt.model, tt.specs...)
			if err != nil {
				t.Fatal(err)
			}
			var w sqlw.Writer
			if err := p.WriteFrom(&w); err != nil {
				t.Fatal(err)
			}
			if got := w.String(); got != tt.from {
				t.Errorf("From:\nwant %s\ngot  %s", tt.from, got)
			}
			if got := p.SelectList(); got != tt.list {
				t.Errorf("SelectList:\nwant %s\ngot  %s", tt.list, got)
			}
		})
	}
}

func TestJoinPlan_Column(t *testing.T) {
	t.Parallel()
	p, err := loader.NewJoinPlan(mustModel[Post](t), loader.JoinSpec{Path: "Author.Profile"})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		name string
		want string
		err  string
	}{
		"joined column":             {name: "Author.name", want: `"Author"."name"`},
		"joined column by Go field": {name: "Author.CreatedAt", want: `"Author"."created_at"`},
		"nested joined column":      {name: "Author.Profile.bio", want: `"Author.Profile"."bio"`},
		"base column":               {name: "title", want: `"posts"."title"`},
		"unknown joined column":     {name: "Author.nope", err: `"Author.nope": unknown column "nope" on model loader_test.User (columns: id, name, manager_id, created_at)`},
		"relation not joined":       {name: "Editor.name", err: `"Editor.name" names relation "Editor", which is not joined (joined: Author, Author.Profile): add Join("Editor")`},
		"not a relation":            {name: "Nope.name", err: `unknown relation "Nope" in path "Nope" on model loader_test.Post (relations: Author, Comments, Editor, Tags)`},
		"unknown base column":       {name: "nope", err: `unknown column "nope" on model loader_test.Post (columns: id, author_id, editor_id, title, score, published, created_at)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := p.Column(tt.name)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("want error %q, got %q, %v", tt.err, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("want %s, got %s, %v", tt.want, got, err)
			}
		})
	}
}

// checkSampleArgs checks that st's SampleArgs are its Args with a one-key array in
// place of each key array.
func checkSampleArgs(t *testing.T, st loader.Statement) {
	t.Helper()
	if len(st.SampleArgs) != len(st.Args) || !reflect.DeepEqual(st.SampleArgs[st.KeyParams:], st.Args[st.KeyParams:]) {
		t.Fatalf("%s: SampleArgs %v for Args %v", st.Path, st.SampleArgs, st.Args)
	}
	for _, a := range st.SampleArgs[:st.KeyParams] {
		if v := reflect.ValueOf(a); v.Kind() != reflect.Slice || v.Len() != 1 {
			t.Fatalf("%s: sample key array %#v", st.Path, a)
		}
	}
}

// Every kind of statement plans with its SampleArgs: the sample keys encode as the
// key types PostgreSQL expects (integers, uuid, text, composite keys, the link table
// of many-to-many, the lateral Limit form and the window form).
func TestPlan_SampleArgsPlan(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	for name, p := range map[string]*loader.Plan{
		"users": mustPlan(t, mustModel[User](t), loader.Path("Posts.Tags", loader.Limit(2)), loader.Path("Posts.Comments"),
			loader.Path("Manager"), loader.Path("Profile"), loader.Path("Reports", loader.Limit(1))),
		"tags":      mustPlan(t, mustModel[Tag](t), loader.Path("Posts", loader.Limit(3))),
		"orgs":      mustPlan(t, mustModel[Org](t), loader.Path("Teams", loader.Limit(1)), loader.Path("Teams.Org")),
		"countries": mustPlan(t, mustModel[Country](t), loader.Path("Cities", loader.Limit(2)), loader.Path("Cities.Country")),
		"orders":    mustPlan(t, mustModel[Order](t), loader.Path("Lines", loader.Limit(2)), loader.Path("Products", loader.Limit(1))),
	} {
		for _, st := range p.Statements() {
			var plan []byte
			if err := db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+st.SQL, st.SampleArgs...).Scan(&plan); err != nil {
				t.Errorf("%s %s: %v\n%s", name, st.Path, err, st.SQL)
			}
		}
	}
}

func mustPlan(t *testing.T, m *model.Model, specs ...loader.Spec) *loader.Plan {
	t.Helper()
	p, err := loader.NewPlan(m, specs...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
