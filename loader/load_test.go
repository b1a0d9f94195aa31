package loader_test

import (
	"context"
	"sync"
	"testing"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestPreload_emptyKeySetSendsNothing(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	t.Run("no parents", func(t *testing.T) {
		ormtest.AssertCounts(t, ctx, ormtest.Counts{}, func(ctx context.Context) {
			if err := loader.Preload(ctx, db, []User{}, "Posts.Comments"); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("no editor among the parents", func(t *testing.T) {
		posts := rowtest.MustQuery(t, ctx, db, scanPost, "SELECT "+postCols+" FROM posts WHERE editor_id IS NULL ORDER BY id LIMIT 50")
		ormtest.AssertCounts(t, ctx, one(1), func(ctx context.Context) {
			if err := loader.Preload(ctx, db, posts, "Editor.Posts", "Author"); err != nil {
				t.Fatal(err)
			}
		})
		for _, p := range posts {
			if p.Editor != nil || p.Author == nil || p.Author.ID != p.AuthorID {
				t.Fatalf("want no editor and the author, got %+v", p)
			}
		}
	})
	t.Run("no children at depth 1: depth 2 is not sent", func(t *testing.T) {
		users := rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users u WHERE NOT EXISTS (SELECT FROM posts WHERE author_id = u.id) ORDER BY id")
		if len(users) == 0 {
			t.Fatal("the data should have users without posts")
		}
		ormtest.AssertCounts(t, ctx, one(1), func(ctx context.Context) {
			if err := loader.Preload(ctx, db, users, "Posts.Comments.Author"); err != nil {
				t.Fatal(err)
			}
		})
		for _, u := range users {
			if u.Posts == nil || len(u.Posts) != 0 {
				t.Fatalf("want an empty, non-nil slice, got %#v", u.Posts)
			}
		}
	})
}

func TestPreload_nilMeansNotLoaded(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	users := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 300)
	if err := loader.Preload(ctx, db, users, "Posts", "Profile"); err != nil {
		t.Fatal(err)
	}
	var empty, withProfile, without int
	for _, u := range users {
		if u.Posts == nil {
			t.Fatalf("user %d: a loaded has-many must not be nil", u.ID)
		}
		if len(u.Posts) == 0 {
			empty++
		}
		if u.Reports != nil || u.Edited != nil || u.Manager != nil {
			t.Fatalf("user %d: relations not asked for must stay nil", u.ID)
		}
		if u.Profile != nil {
			withProfile++
			if u.Profile.UserID != u.ID {
				t.Fatalf("user %d got the profile of %d", u.ID, u.Profile.UserID)
			}
		} else {
			without++
		}
	}
	if empty == 0 || withProfile == 0 || without == 0 {
		t.Fatalf("the data should cover every case: %d empty, %d with a profile, %d without", empty, withProfile, without)
	}
}

func TestPlan_Load_parentForms(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	p, err := loader.NewPlan(mustModel[User](t), loader.Path("Posts"), loader.Path("Manager"))
	if err != nil {
		t.Fatal(err)
	}
	want := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 30)
	if err := p.Load(ctx, db, want); err != nil {
		t.Fatal(err)
	}
	t.Run("pointer to slice", func(t *testing.T) {
		got := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 30)
		if err := p.Load(ctx, db, &got); err != nil {
			t.Fatal(err)
		}
		rowtest.RequireEqual(t, want, got)
	})
	t.Run("slice of pointers with nil elements", func(t *testing.T) {
		vals := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 30)
		got := append([]*User{nil}, ptrs(vals)...)
		got = append(got, nil)
		ormtest.AssertCounts(t, ctx, one(2), func(ctx context.Context) {
			if err := loader.Preload(ctx, db, got, "Posts", "Manager"); err != nil {
				t.Fatal(err)
			}
		})
		rowtest.RequireEqual(t, want, vals)
	})
	t.Run("one struct", func(t *testing.T) {
		got := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 1)[0]
		if err := p.Load(ctx, db, &got); err != nil {
			t.Fatal(err)
		}
		rowtest.RequireEqual(t, want[:1], []User{got})
	})
	t.Run("loading again replaces", func(t *testing.T) {
		got := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 30)
		for range 2 {
			if err := p.Load(ctx, db, got); err != nil {
				t.Fatal(err)
			}
		}
		rowtest.RequireEqual(t, want, got)
	})
}

func TestPreload_sharingAndAppend(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	posts := rowtest.MustQuery(t, ctx, db, scanPost, postsSQL, 1000)
	if err := loader.Preload(ctx, db, posts, "Author"); err != nil {
		t.Fatal(err)
	}
	byAuthor := map[int64]*User{}
	for _, p := range posts {
		if prev, ok := byAuthor[p.AuthorID]; ok && prev != p.Author {
			t.Fatalf("posts of author %d should share one author struct", p.AuthorID)
		}
		byAuthor[p.AuthorID] = p.Author
	}

	users := rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users WHERE id IN (SELECT author_id FROM posts) ORDER BY id LIMIT 2")
	if err := loader.Preload(ctx, db, users, "Posts"); err != nil {
		t.Fatal(err)
	}
	second := users[1].Posts[0]
	users[0].Posts = append(users[0].Posts, Post{Title: "appended"})
	if users[1].Posts[0].ID != second.ID || users[1].Posts[0].Title != second.Title {
		t.Fatal("appending to one parent's children overwrote another parent's")
	}
}

func TestPreload_inTransaction(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	want := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 50)
	if err := loader.Preload(ctx, db, want, "Posts.Tags", "Profile"); err != nil {
		t.Fatal(err)
	}
	got := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 50)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 2, TxStatements: 2}, func(ctx context.Context) {
		err := db.Tx(ctx, func(tx *orm.DB) error {
			return loader.Preload(ctx, tx, got, "Posts.Tags", "Profile")
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	rowtest.RequireEqual(t, want, got)
}

func TestPlan_Load_concurrent(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	p, err := loader.NewPlan(mustModel[User](t), loader.Path("Posts.Comments"), loader.Path("Profile"))
	if err != nil {
		t.Fatal(err)
	}
	want := rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 100)
	if err := p.Load(ctx, db, want); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([][]User, 8)
	for i := range results {
		results[i] = rowtest.MustQuery(t, ctx, db, scanUser, usersSQL, 100)
		wg.Go(func() {
			if err := p.Load(ctx, db, results[i]); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, got := range results {
		rowtest.RequireEqual(t, want, got)
	}
}

// TestJoin_matchesPreload loads the same to-one paths both ways: by JOIN in the
// parents' statement and by one ANY statement per edge.
func TestJoin_matchesPreload(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	want := rowtest.MustQuery(t, ctx, db, scanPost, "SELECT "+postCols+" FROM posts ORDER BY id")
	if err := loader.Preload(ctx, db, want, "Author.Profile", "Editor.Manager"); err != nil {
		t.Fatal(err)
	}
	var got []Post
	ormtest.AssertCounts(t, ctx, one(1), func(ctx context.Context) {
		var err error
		got, err = orm.Query[Post](db).Join("Author.Profile", "Editor.Manager").OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	rowtest.RequireEqual(t, want, got)

	t.Run("INNER JOIN, with a LEFT JOIN below it", func(t *testing.T) {
		want := rowtest.MustQuery(t, ctx, db, scanPost, "SELECT "+postCols+" FROM posts WHERE editor_id IS NOT NULL ORDER BY id")
		if err := loader.Preload(ctx, db, want, "Editor.Manager", "Author"); err != nil {
			t.Fatal(err)
		}
		var got []Post
		ormtest.AssertCounts(t, ctx, one(1), func(ctx context.Context) {
			var err error
			got, err = orm.Query[Post](db).InnerJoin("Editor").Join("Editor.Manager", "Author").OrderBy("id").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
		})
		rowtest.RequireEqual(t, want, got)
	})
}
