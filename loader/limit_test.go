package loader_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Per-parent limits (loader.Limit) are rendered as a LATERAL subquery per parent key;
// these tests check with EXPLAIN ANALYZE what PostgreSQL reads for them.

const (
	limitParents  = 200
	limitChildren = 500 // per parent
	limitN        = 3
)

// limitData: 200 users with 500 posts each (100,000 posts, authored round-robin so that
// each author's posts are spread over the table, created_at distinct), and the index a
// "newest posts per user" limit wants: (author_id, created_at DESC, id).
var limitData = fmt.Sprintf(`
INSERT INTO users (id, name, created_at)
SELECT g, 'user-' || g, timestamptz '2024-01-01 00:00:00+00' FROM generate_series(1, %[1]d) g;
INSERT INTO posts (id, author_id, title, score, published, created_at)
SELECT g, 1 + (g - 1) %% %[1]d, 'post ' || g, g %% 20, g %% 3 <> 0, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
FROM generate_series(1, %[2]d) g;
CREATE INDEX posts_author_created_idx ON posts (author_id, created_at DESC, id);
ANALYZE;
`, limitParents, limitParents*limitChildren)

// limitWindowSQL is the statement Limit was rendered as before the lateral form, for
// Path("Posts", OrderBy("-created_at"), Limit(3)): a row_number() window over every
// child of every parent.
const limitWindowSQL = `SELECT ` + postsList + ` FROM (SELECT ` + postsList + `, row_number() OVER (PARTITION BY "posts"."author_id" ORDER BY "posts"."created_at" DESC, "posts"."id") AS "_rn" FROM "posts" WHERE "posts"."author_id" = ANY($1)) AS "posts" WHERE "posts"."_rn" <= $2 ORDER BY "posts"."author_id", "posts"."created_at" DESC, "posts"."id"`

// limitSpec is the preload measured here and in BenchmarkPreload_Limit: the 3 newest
// posts of each user.
func limitSpec() loader.Spec {
	return loader.Path("Posts", loader.OrderBy("-created_at"), loader.Limit(limitN))
}

// mustStatement returns the statement NewPlan renders for spec on T.
func mustStatement[T any](t testing.TB, spec loader.Spec) string {
	t.Helper()
	p, err := loader.NewPlan(mustModel[T](t), spec)
	if err != nil {
		t.Fatal(err)
	}
	return p.Statements()[0].SQL
}

func userIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	return ids
}

// explainNode is one node of EXPLAIN (ANALYZE, FORMAT JSON) output.
type explainNode struct {
	RelationName   string        `json:"Relation Name"`
	ActualRows     float64       `json:"Actual Rows"`
	ActualLoops    float64       `json:"Actual Loops"`
	RemovedFilter  float64       `json:"Rows Removed by Filter"`
	RemovedRecheck float64       `json:"Rows Removed by Index Recheck"`
	Plans          []explainNode `json:"Plans"`
}

// rowsRead returns the rows the scans of table produced or threw away (by filter or
// recheck), over all loops. Per-loop counts are averages, so this is exact only up to
// rounding.
func (n *explainNode) rowsRead(table string) float64 {
	var sum float64
	if n.RelationName == table {
		sum = (n.ActualRows + n.RemovedFilter + n.RemovedRecheck) * n.ActualLoops
	}
	for i := range n.Plans {
		sum += n.Plans[i].rowsRead(table)
	}
	return sum
}

// mustExplainAnalyze runs EXPLAIN (ANALYZE, FORMAT JSON) on sql and returns the plan.
func mustExplainAnalyze(t testing.TB, ctx context.Context, db *orm.DB, sql string, args ...any) (explainNode, string) {
	t.Helper()
	var out []byte
	if err := db.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+sql, args...).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var plans []struct{ Plan explainNode }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", out, err)
	}
	return plans[0].Plan, string(out)
}

// TestPreload_Limit_explain_readsLimitRowsPerParent: the 3 newest posts of 200 users
// with 500 posts each. With an index on (author_id, created_at DESC, id) the lateral
// statement reads 3 posts per user, 600 in all; the window form it replaced reads all
// 100,000.
func TestPreload_Limit_explain_readsLimitRowsPerParent(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schemaDDL), ormtest.Schema(limitData))
	ctx := testCtx(t)
	ids := userIDs(limitParents)

	plan, raw := mustExplainAnalyze(t, ctx, db, mustStatement[User](t, limitSpec()), ids, limitN)
	lateral := plan.rowsRead("posts")
	if lateral > limitParents*limitN {
		t.Fatalf("lateral: want at most %d posts read (%d per user), got %.0f:\n%s", limitParents*limitN, limitN, lateral, raw)
	}
	plan, raw = mustExplainAnalyze(t, ctx, db, limitWindowSQL, ids, limitN)
	window := plan.rowsRead("posts")
	if window < limitParents*limitChildren {
		t.Fatalf("window: want every post read (%d), got %.0f:\n%s", limitParents*limitChildren, window, raw)
	}
	t.Logf("posts read for %d users x %d posts, Limit(%d): lateral %.0f, window %.0f", limitParents, limitChildren, limitN, lateral, window)

	// Same rows both ways, and from the loader.
	users := rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users ORDER BY id")
	ormtest.AssertCounts(t, ctx, one(1), func(ctx context.Context) {
		if err := loader.PreloadWith(ctx, db, users, limitSpec()); err != nil {
			t.Fatal(err)
		}
	})
	byWindow := rowtest.MustQuery(t, ctx, db, scanPost, limitWindowSQL, ids, limitN)
	var got []Post
	for _, u := range users {
		if len(u.Posts) != limitN {
			t.Fatalf("user %d: want %d posts, got %d", u.ID, limitN, len(u.Posts))
		}
		got = append(got, u.Posts...)
	}
	rowtest.RequireEqual(t, byWindow, got)
}

// TestPreload_Limit_explain_withoutStatistics: on a table never analysed, "WHERE key =
// $k ORDER BY id LIMIT 1" is planned as a walk of the primary key filtered on the key,
// once per parent (most of the table each time). The lateral statement keeps the key
// in its ORDER BY, so it reads each parent's children through the key's index
// whatever the statistics.
func TestPreload_Limit_explain_withoutStatistics(t *testing.T) {
	t.Parallel()
	const parents = 5000
	db := ormtest.New(t, ormtest.Schema(schemaDDL), ormtest.Schema(fmt.Sprintf(`
ALTER TABLE posts SET (autovacuum_enabled = false);
INSERT INTO users (id, name, created_at)
SELECT g, 'user-' || g, timestamptz '2024-01-01 00:00:00+00' FROM generate_series(1, %[1]d) g;
INSERT INTO posts (author_id, title, score, published, created_at)
SELECT g, 'post ' || g || '-' || k, 0, true, timestamptz '2024-01-01 00:00:00+00'
FROM generate_series(1, %[1]d) g CROSS JOIN generate_series(1, 2) k ORDER BY k, g;
`, parents)))
	ctx := testCtx(t)
	var analysed bool
	if err := db.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_stats WHERE tablename = 'posts')").Scan(&analysed); err != nil || analysed {
		t.Fatalf("posts must have no statistics for this test: %v, %v", analysed, err)
	}
	sql := mustStatement[User](t, loader.Path("Posts", loader.Limit(1)))
	plan, raw := mustExplainAnalyze(t, ctx, db, sql, userIDs(parents), 1)
	if read := plan.rowsRead("posts"); read > 2*parents {
		t.Fatalf("want at most the %d posts of the users read, got %.0f:\n%s", 2*parents, read, raw)
	}
}

// TestPreload_Limit_duplicateKeysInTheArray: the statement itself loads a key's
// children once when the key array repeats it (the loader sends each key once; the
// statement does not rely on it).
func TestPreload_Limit_duplicateKeysInTheArray(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	for name, spec := range map[string]loader.Spec{
		"has-many":     loader.Path("Posts", loader.Limit(2)),
		"many-to-many": loader.Path("Posts.Tags", loader.Limit(2)),
	} {
		t.Run(name, func(t *testing.T) {
			p, err := loader.NewPlan(mustModel[User](t), spec)
			if err != nil {
				t.Fatal(err)
			}
			sql := p.Statements()[len(p.Statements())-1].SQL
			count := func(keys []int64) int {
				var n int
				if err := db.QueryRow(ctx, "SELECT count(*) FROM ("+sql+") AS s", keys, 2).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			once, twice := count([]int64{1, 2, 3, 4, 5, 6, 7, 8}), count([]int64{1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1})
			if once == 0 || once != twice {
				t.Fatalf("want the same rows with keys repeated, got %d and %d", once, twice)
			}
		})
	}
}
