package loader_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// largeParents is above the 65,535 bind parameters an expanded IN list could carry.
const largeParents = 70_001

// largeData: user i has a post when i % 3 != 0 (two when i % 5 == 0), a profile when i
// is even, and a tag on each post when i % 7 == 0.
var largeData = fmt.Sprintf(`
INSERT INTO users (id, name, created_at)
SELECT g, 'user-' || g, timestamptz '2024-01-01 00:00:00+00' FROM generate_series(1, %[1]d) g;
INSERT INTO profiles (user_id, bio) SELECT g, 'bio ' || g FROM generate_series(2, %[1]d, 2) g;
INSERT INTO posts (author_id, title, score, published, created_at)
SELECT g, 'post ' || g || '-' || k, 0, true, timestamptz '2024-01-01 00:00:00+00'
FROM generate_series(1, %[1]d) g CROSS JOIN generate_series(1, 2) k
WHERE g %% 3 <> 0 AND (k = 1 OR g %% 5 = 0) ORDER BY g, k;
INSERT INTO tags (name) VALUES ('seven');
INSERT INTO post_tags (post_id, tag_id) SELECT p.id, 1 FROM posts p WHERE p.author_id %% 7 = 0;
`, largeParents)

func wantPosts(id int64) int {
	switch {
	case id%3 == 0:
		return 0
	case id%5 == 0:
		return 2
	default:
		return 1
	}
}

func TestPreload_70001ParentKeysInOneStatement(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schemaDDL), ormtest.Schema(largeData))
	ctx := testCtx(t)
	users := rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users ORDER BY id")
	if len(users) != largeParents {
		t.Fatalf("want %d users, got %d", largeParents, len(users))
	}
	log := ormtest.AssertCounts(t, ctx, counts(3, 2), func(ctx context.Context) {
		if err := loader.Preload(ctx, db, users, "Posts.Tags", "Profile"); err != nil {
			t.Fatal(err)
		}
	})
	for _, e := range log.Entries() {
		if e.Args != 1 {
			t.Errorf("want one array parameter, got %d: %s", e.Args, e.SQL)
		}
	}
	for _, u := range users {
		if len(u.Posts) != wantPosts(u.ID) {
			t.Fatalf("user %d: want %d posts, got %d", u.ID, wantPosts(u.ID), len(u.Posts))
		}
		for _, p := range u.Posts {
			if p.AuthorID != u.ID || len(p.Tags) != map[bool]int{true: 1, false: 0}[u.ID%7 == 0] {
				t.Fatalf("user %d: wrong post %+v", u.ID, p)
			}
		}
		if (u.Profile != nil) != (u.ID%2 == 0) || (u.Profile != nil && u.Profile.UserID != u.ID) {
			t.Fatalf("user %d: wrong profile %+v", u.ID, u.Profile)
		}
	}
}

// TestPreload_countsDoNotGrowWithParents runs one preload tree over 10, 1,000 and
// 70,001 parents: the preload statements sent are the same, text included.
func TestPreload_countsDoNotGrowWithParents(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schemaDDL), ormtest.Schema(largeData))
	ctx := testCtx(t)
	var first []string
	for _, n := range []int{10, 1000, largeParents} {
		log := ormtest.AssertCounts(t, ctx, counts(4, 3), func(ctx context.Context) {
			users, err := orm.Query[User](db).Limit(n).OrderBy("id").
				PreloadWith(loader.Path("Posts", loader.Limit(1)), loader.Path("Posts.Tags"), loader.Path("Profile")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != n {
				t.Fatalf("want %d users, got %d", n, len(users))
			}
		})
		preloads := log.SQL()[1:] // the parents' statement carries LIMIT n
		if first == nil {
			first = preloads
		} else if !slices.Equal(first, preloads) {
			t.Fatalf("the statements changed with the number of parents:\n%v\n%v", first, log.SQL())
		}
	}
}
