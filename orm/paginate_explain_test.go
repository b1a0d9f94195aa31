package orm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// TestSelect_Paginate_explain_deepPageUsesIndex checks with EXPLAIN that a keyset page deep in
// a 20,000-row table is an index range scan on (created_at, id), with no sort and no
// sequential scan, in every direction.
func TestSelect_Paginate_explain_deepPageUsesIndex(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := ormtest.New(t, ormtest.Schema(pagePostsDDL))
	mustExec(t, db, `INSERT INTO page_posts (created_at, title, author_id)
		SELECT timestamptz '2024-01-01' + (i / 3) * interval '1 second', 'post ' || i, i % 100
		FROM generate_series(1, 20000) AS i`)
	mustExec(t, db, `CREATE INDEX page_posts_created_at_id_idx ON page_posts (created_at, id)`)
	mustExec(t, db, `ANALYZE page_posts`)
	var at time.Time
	var id int64
	if err := db.QueryRow(ctx, `SELECT created_at, id FROM page_posts ORDER BY created_at, id OFFSET 15000 LIMIT 1`).Scan(&at, &id); err != nil {
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
			o := mustOrderOf[pagePost](t, tt.keys...)
			tok := mustToken(t, o, at, id)
			root, _, out := explainPage(t, ctx, db, "FORMAT JSON", paginate.Request{Codec: testCodec, Order: o}, tok, tt.before)
			types := map[string]bool{}
			index := ""
			root.walk(func(n planNode) {
				types[n.NodeType] = true
				if n.NodeType == "Index Scan" || n.NodeType == "Index Only Scan" {
					index = n.IndexName
				}
			})
			if index != "page_posts_created_at_id_idx" || types["Sort"] || types["Seq Scan"] {
				t.Fatalf("plan is not an index range scan on page_posts_created_at_id_idx:\n%s", out)
			}
		})
	}
}

// explainPage explains (with options) the statement of the page req asks for after,
// or before, the cursor tok, and returns its plan, SQL and EXPLAIN output.
func explainPage(t *testing.T, ctx context.Context, db *orm.DB, options string, req paginate.Request, tok string, before bool) (planNode, string, []byte) {
	t.Helper()
	if before {
		req.Before = tok
	} else {
		req.After = tok
	}
	sql, args, err := orm.PageSQL(orm.Query[pagePost](db), req)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	if err := db.QueryRow(ctx, "EXPLAIN ("+options+") "+sql, args...).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("EXPLAIN output %s: %v", out, err)
	}
	return plans[0].Plan, sql, out
}

type planNode struct {
	NodeType    string     `json:"Node Type"`
	IndexName   string     `json:"Index Name"`
	ActualRows  float64    `json:"Actual Rows"`
	ActualLoops float64    `json:"Actual Loops"`
	RowsRemoved float64    `json:"Rows Removed by Filter"`
	Plans       []planNode `json:"Plans"`
}

func (n planNode) walk(fn func(planNode)) {
	fn(n)
	for _, c := range n.Plans {
		c.walk(fn)
	}
}

// TestSelect_Paginate_explain_nullableKeyReadsOnlyThePage checks with EXPLAIN ANALYZE that a
// page deep in an order on a nullable key reads about a page of rows, whichever end
// its NULLs sort at and whichever way it pages: where NULLs follow a non-NULL cursor
// the page is a UNION ALL of two index ranges, not an OR that PostgreSQL filters row
// by row from the start of the index.
func TestSelect_Paginate_explain_nullableKeyReadsOnlyThePage(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	db := ormtest.New(t, ormtest.Schema(pagePostsDDL))
	mustExec(t, db, `INSERT INTO page_posts (created_at, title, score, author_id)
		SELECT timestamptz '2024-01-01', 'post ' || i, CASE WHEN i % 4 <> 0 THEN i % 5000 END, 1
		FROM generate_series(1, 40000) AS i`)
	// An order that moves NULLs from PostgreSQL's default place needs an index that
	// does too: the second index serves "score NULLS FIRST" and "-score NULLS LAST".
	mustExec(t, db, `CREATE INDEX page_posts_score_id_idx ON page_posts (score, id)`)
	mustExec(t, db, `CREATE INDEX page_posts_score_nf_id_idx ON page_posts (score NULLS FIRST, id)`)
	mustExec(t, db, `ANALYZE page_posts`)
	for _, keys := range []string{"score", "-score", "score nulls first", "-score nulls last"} {
		for _, before := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/before=%v", keys, before), func(t *testing.T) {
				t.Parallel()
				o := mustOrderOf[pagePost](t, keys)
				tok := mustToken(t, o, int32(2500), int64(17502)) // mid-table
				root, sql, out := explainPage(t, ctx, db, "ANALYZE, FORMAT JSON", paginate.Request{Codec: testCodec, Order: o, Limit: 10}, tok, before)
				read := 0.0
				root.walk(func(n planNode) {
					if n.NodeType == "Seq Scan" {
						t.Errorf("sequential scan:\n%s", out)
					}
					if n.IndexName != "" {
						read += n.ActualRows*n.ActualLoops + n.RowsRemoved*n.ActualLoops
					}
				})
				if read > 100 {
					t.Fatalf("read %.0f index rows for a page of 10:\n%s\n%s", read, sql, out)
				}
			})
		}
	}
}
