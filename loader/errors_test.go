package loader_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestPreload_badPath(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	tests := map[string]struct {
		path string
		want loader.RelationError
	}{
		"unknown relation": {path: "Postz", want: loader.RelationError{
			Model: "loader_test.User", Path: "Postz", Segment: "Postz", Reason: "unknown relation",
			Relations: []string{"Edited", "Manager", "Posts", "Profile", "Reports"},
		}},
		"unknown nested relation lists the nested model's relations": {path: "Posts.Coments", want: loader.RelationError{
			Model: "loader_test.Post", Path: "Posts.Coments", Segment: "Coments", Reason: "unknown relation",
			Relations: []string{"Author", "Comments", "Editor", "Tags"},
		}},
		"empty segment": {path: "Posts..Comments", want: loader.RelationError{
			Model: "loader_test.Post", Path: "Posts..Comments", Segment: "", Reason: "empty segment",
			Relations: []string{"Author", "Comments", "Editor", "Tags"},
		}},
		"empty path": {path: "", want: loader.RelationError{
			Model: "loader_test.User", Path: "", Segment: "", Reason: "empty segment",
			Relations: []string{"Edited", "Manager", "Posts", "Profile", "Reports"},
		}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			users := []User{{ID: 1}}
			var err error
			ormtest.AssertCounts(t, ctx, ormtest.Counts{}, func(ctx context.Context) {
				err = loader.Preload(ctx, db, users, "Profile", tt.path)
			})
			var re *loader.RelationError
			if !errors.As(err, &re) {
				t.Fatalf("want a *RelationError, got %v", err)
			}
			if re.Model != tt.want.Model || re.Path != tt.want.Path || re.Segment != tt.want.Segment ||
				re.Reason != tt.want.Reason || strings.Join(re.Relations, ",") != strings.Join(tt.want.Relations, ",") {
				t.Errorf("want %+v, got %+v", tt.want, *re)
			}
			if !strings.HasPrefix(err.Error(), "loader: ") || !strings.Contains(err.Error(), strings.Join(tt.want.Relations, ", ")) {
				t.Errorf("message should start with loader: and list the relations: %v", err)
			}
		})
	}
}

func TestPreload_missingPrimaryKey(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	// The second user was read without its id: no statement may go out.
	users := []User{{ID: 1, Name: "a"}, {Name: "read without its id"}}
	var err error
	ormtest.AssertCounts(t, ctx, ormtest.Counts{}, func(ctx context.Context) {
		err = loader.Preload(ctx, db, users, "Profile", "Posts")
	})
	var fe *loader.FieldError
	if !errors.Is(err, loader.ErrMissingKey) || !errors.As(err, &fe) {
		t.Fatalf("want ErrMissingKey in a *FieldError, got %v", err)
	}
	if fe.Field != "ID" || fe.Model != "loader_test.User" || fe.Path != "Profile" {
		t.Errorf("want the field named, got %+v", *fe)
	}
	want := `loader: "Profile": loader_test.User.ID: parent 1 has no primary key value (zero or NULL); read the parents with their id column`
	if err.Error() != want {
		t.Errorf("want %q, got %q", want, err.Error())
	}
}

func TestPreload_zeroForeignKeyIsNoParent(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	posts := []Post{{ID: 1}, {ID: 2}} // AuthorID 0, EditorID nil: nothing to load
	ormtest.AssertCounts(t, ctx, ormtest.Counts{}, func(ctx context.Context) {
		if err := loader.Preload(ctx, db, posts, "Author", "Editor"); err != nil {
			t.Fatal(err)
		}
	})
	for _, p := range posts {
		if p.Author != nil || p.Editor != nil {
			t.Fatalf("want nil relations, got %+v", p)
		}
	}
}

// Models that cannot be preloaded.
type mismatchOwner struct {
	ID    int64
	Items []mismatchItem `orm:"has-many,fk:owner"`
}

type mismatchItem struct {
	ID    int64
	Owner string
}

type gridCell struct {
	X     float32    `orm:"pk"`
	Y     float32    `orm:"pk"`
	Marks []gridMark `orm:"has-many,fk:x+y"`
}

type gridMark struct {
	ID int64
	X  float32
	Y  float32
}

func TestPreload_badModel(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	t.Run("key type mismatch names the field", func(t *testing.T) {
		err := loader.Preload(ctx, db, []mismatchOwner{{ID: 1}}, "Items")
		if !errors.Is(err, model.ErrInvalidModel) || !strings.Contains(err.Error(), "field Items") || !strings.Contains(err.Error(), "key types differ") {
			t.Fatalf("want an invalid-model error naming Items, got %v", err)
		}
	})
	t.Run("composite key of a type without SQL name", func(t *testing.T) {
		err := loader.Preload(ctx, db, []gridCell{{X: 1, Y: 2}}, "Marks")
		var fe *loader.FieldError
		if !errors.Is(err, loader.ErrUnsupported) || !errors.As(err, &fe) || fe.Field != "X" || fe.Path != "Marks" {
			t.Fatalf("want ErrUnsupported naming X, got %v", err)
		}
	})
}

// TestPreloadWith_badOptions: every mistake in a spec is found before the querier is
// even looked at (here nil), so before any statement could be sent.
func TestPreloadWith_badOptions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	const postCols = "(columns: id, author_id, editor_id, title, score, published, created_at)"
	tests := map[string]struct {
		preload func() error
		err     string
	}{
		"limit on a to-one relation": {
			preload: posts(loader.Path("Author", loader.Limit(1))),
			err:     `loader: Path("Author"): Limit: belongs-to relation Author loads at most one row per parent; Limit is for has-many and many-to-many`,
		},
		"non-positive limit": {
			preload: users(loader.Path("Posts", loader.Limit(0))),
			err:     `loader: Path("Posts"): Limit: must be positive, got 0`,
		},
		"unknown order column": {
			preload: users(loader.Path("Posts", loader.OrderBy("-nope"))),
			err:     `loader: Path("Posts"): OrderBy: unknown column: unknown column "nope" on model loader_test.Post ` + postCols,
		},
		"malformed order key": {
			preload: users(loader.Path("Posts", loader.OrderBy("title sideways"))),
			err:     `loader: Path("Posts"): OrderBy: "title sideways": direction must be ASC or DESC`,
		},
		"unknown column": {
			preload: users(loader.Path("Posts", loader.Columns("titel"))),
			err:     `loader: Path("Posts"): Columns: unknown column: unknown column "titel" on model loader_test.Post ` + postCols,
		},
		"different options for one path": {
			preload: users(loader.Path("Posts", loader.Limit(2)), loader.Path("Posts", loader.Limit(3))),
			err:     `loader: Path("Posts"): Path: two specs give different options to the same path; give them once`,
		},
		"different conditions for one path": {
			preload: users(loader.Path("Posts", loader.Where(orm.Eq{"score": 1})), loader.Path("Posts", loader.Where(orm.Eq{"score": 2}))),
			err:     `loader: Path("Posts"): Path: two specs give different options to the same path; give them once`,
		},
		"unsupported condition type": {
			preload: users(loader.Path("Posts", loader.Where(42))),
			err:     `loader: Path("Posts"): Where: unsupported condition type int (want a SQL string, an orm condition or a squirrel Sqlizer)`,
		},
		"unknown column in an orm condition": {
			preload: users(loader.Path("Posts", loader.Where(orm.Or{orm.Eq{"score": 1}, orm.Gt{"scor": 2}}))),
			err:     `loader: Path("Posts"): Where: part 1: unknown column "scor" on model loader_test.Post ` + postCols,
		},
		"empty orm condition": {
			preload: users(loader.Path("Posts", loader.Where(orm.Eq{}))),
			err:     `loader: Path("Posts"): Where: empty Eq: name at least one column`,
		},
		"'?' and args that do not match": {
			preload: users(loader.Path("Posts", loader.Where("score > ? AND score < ?", 1))),
			err:     `loader: Path("Posts"): Where: 2 '?' placeholders or more for 1 args (write a literal '?' as '??')`,
		},
		"empty condition": {
			preload: users(loader.Path("Posts", loader.Where(" "))),
			err:     `loader: Path("Posts"): Where: empty condition`,
		},
		"nil option": {
			preload: users(loader.Path("Posts", nil)),
			err:     `loader: Path("Posts"): nil Option`,
		},
		"valid specs reach the querier": {
			preload: users(loader.Path("Posts", loader.Where(sq.Or{})), loader.Path("Posts", loader.Where(sq.Or{})), loader.Path("Posts.Tags")),
			err:     `loader: nil Querier`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := tt.preload(); err == nil || err.Error() != tt.err {
				t.Fatalf("want %q, got %v", tt.err, err)
			}
		})
	}
	t.Run("unknown column is a ColumnError", func(t *testing.T) {
		for _, opt := range []loader.Option{loader.Columns("titel"), loader.Where(orm.Eq{"titel": 1})} {
			err := loader.PreloadWith(ctx, nil, []User{{ID: 1}}, loader.Path("Posts", opt))
			var ce *loader.ColumnError
			var oe *loader.OptionError
			if !errors.As(err, &ce) || !errors.As(err, &oe) || ce.Name != "titel" || oe.Path != "Posts" {
				t.Fatalf("want an OptionError wrapping a ColumnError, got %v", err)
			}
		}
	})
}

// users and posts return a PreloadWith of specs on one parent, with a nil querier.
func users(specs ...loader.Spec) func() error {
	return func() error { return loader.PreloadWith(context.Background(), nil, []User{{ID: 1}}, specs...) }
}

func posts(specs ...loader.Spec) func() error {
	return func() error { return loader.PreloadWith(context.Background(), nil, []Post{{ID: 1}}, specs...) }
}

func TestNewPlan_sameOptionsTwiceAreMerged(t *testing.T) {
	t.Parallel()
	p, err := loader.NewPlan(mustModel[User](t), loader.Path("Posts", loader.Limit(2), loader.Where(orm.Eq{"score": 1})),
		loader.Path("Posts", loader.Limit(2), loader.Where(orm.Eq{"score": 1})), loader.Path("Posts.Tags"))
	if err != nil || len(p.Statements()) != 2 {
		t.Fatalf("want 2 statements, got %v", err)
	}
}

func TestPlan_Load_badParents(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	p, err := loader.NewPlan(mustModel[User](t), loader.Path("Posts"))
	if err != nil {
		t.Fatal(err)
	}
	var nilUsers *[]User
	for name, parents := range map[string]any{
		"other model":        []Post{{ID: 1}},
		"struct by value":    User{ID: 1},
		"nil":                nil,
		"nil pointer":        nilUsers,
		"pointer to pointer": &[]**User{},
	} {
		ormtest.AssertCounts(t, ctx, ormtest.Counts{}, func(ctx context.Context) {
			err := p.Load(ctx, db, parents)
			if err == nil || !strings.HasPrefix(err.Error(), "parents must be []loader_test.User, []*loader_test.User, *[]loader_test.User or *loader_test.User, got ") {
				t.Errorf("%s: want a parents error, got %v", name, err)
			}
		})
	}
	if err := p.Load(ctx, nil, []User{{ID: 1}}); err == nil || err.Error() != "nil Querier" {
		t.Errorf("want nil Querier error, got %v", err)
	}
}

func TestJoinPlan_badPath(t *testing.T) {
	t.Parallel()
	users, posts := mustModel[User](t), mustModel[Post](t)
	tests := map[string]struct {
		model *model.Model
		path  string
		err   string
	}{
		"to-many says to preload": {
			model: users, path: "Posts",
			err: `cannot join has-many relation "Posts" in path "Posts" on model loader_test.User (relations: Edited, Manager, Posts, Profile, Reports): load it with Preload("Posts") instead`,
		},
		"nested many-to-many says to preload the path": {
			model: posts, path: "Author.Posts",
			err: `cannot join has-many relation "Posts" in path "Author.Posts" on model loader_test.User (relations: Edited, Manager, Posts, Profile, Reports): load it with Preload("Author.Posts") instead`,
		},
		"unknown relation": {
			model: posts, path: "Auther",
			err: `unknown relation "Auther" in path "Auther" on model loader_test.Post (relations: Author, Comments, Editor, Tags)`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := loader.NewJoinPlan(tt.model, loader.JoinSpec{Path: tt.path})
			var re *loader.RelationError
			if !errors.As(err, &re) || err.Error() != tt.err {
				t.Fatalf("want %q, got %v", tt.err, err)
			}
		})
	}
}

func TestPreload_statementError(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	users := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 20)
	for name, tt := range map[string]struct {
		specs  []loader.Spec
		prefix string
	}{
		"alone": {
			specs:  []loader.Spec{loader.Path("Posts", loader.Where("no_such_column"))},
			prefix: `loader: preload "Posts": `,
		},
		"in batch": {
			specs:  []loader.Spec{loader.Path("Profile"), loader.Path("Posts", loader.Where("no_such_column")), loader.Path("Reports")},
			prefix: `loader: preload "Profile", "Posts", "Reports" (one batch): `,
		},
	} {
		err := loader.PreloadWith(ctx, db, users, tt.specs...)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42703" || !strings.HasPrefix(err.Error(), tt.prefix) {
			t.Errorf("%s: want the PgError wrapped with the path, got %v", name, err)
		}
	}
	// The connection went back to the pool: the next preload works.
	if err := loader.Preload(ctx, db, users, "Posts"); err != nil {
		t.Fatal(err)
	}
}
