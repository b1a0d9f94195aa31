package paginate_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

const postsDDL = `CREATE TABLE posts (
	id bigserial PRIMARY KEY,
	created_at timestamptz NOT NULL,
	title text NOT NULL,
	score int,
	author_id int NOT NULL
)`

// TestKeyset_explain_deepPageUsesIndex checks with EXPLAIN that a keyset page deep in
// a 20,000-row table is an index range scan on (created_at, id), with no sort and no
// sequential scan, in every direction.
func TestKeyset_explain_deepPageUsesIndex(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := ormtest.New(t, ormtest.Schema(postsDDL))
	mustExec(t, ctx, db, `INSERT INTO posts (created_at, title, author_id)
		SELECT timestamptz '2024-01-01' + (i / 3) * interval '1 second', 'post ' || i, i % 100
		FROM generate_series(1, 20000) AS i`)
	mustExec(t, ctx, db, `CREATE INDEX posts_created_at_id_idx ON posts (created_at, id)`)
	mustExec(t, ctx, db, `ANALYZE posts`)
	var at time.Time
	var id int64
	if err := db.QueryRow(ctx, `SELECT created_at, id FROM posts ORDER BY created_at, id OFFSET 15000 LIMIT 1`).Scan(&at, &id); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		keys   []string
		before bool
	}{
		"ascending, after":   {keys: []string{"created_at"}},
		"ascending, before":  {keys: []string{"created_at"}, before: true},
		"descending, after":  {keys: []string{"-created_at"}},
		"descending, before": {keys: []string{"-created_at"}, before: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := mustOrder[Post](t, tt.keys...)
			tok := mustEncode(t, nil, o, []any{at, id})
			req := paginate.Request{Order: o}
			if tt.before {
				req.Before = tok
			} else {
				req.After = tok
			}
			sql, args, err := paginate.KeysetSQL[Post](req)
			if err != nil {
				t.Fatal(err)
			}
			var out []byte
			if err := db.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args...).Scan(&out); err != nil {
				t.Fatal(err)
			}
			var plans []struct{ Plan planNode }
			if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
				t.Fatalf("EXPLAIN output %s: %v", out, err)
			}
			types := map[string]bool{}
			index := ""
			plans[0].Plan.walk(func(n planNode) {
				types[n.NodeType] = true
				if n.NodeType == "Index Scan" || n.NodeType == "Index Only Scan" {
					index = n.IndexName
				}
			})
			if index != "posts_created_at_id_idx" || types["Sort"] || types["Seq Scan"] {
				t.Fatalf("plan is not an index range scan on posts_created_at_id_idx:\n%s", out)
			}
		})
	}
}

type planNode struct {
	NodeType  string     `json:"Node Type"`
	IndexName string     `json:"Index Name"`
	Plans     []planNode `json:"Plans"`
}

func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}
