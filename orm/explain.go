package orm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Plan is PostgreSQL's plan for one statement, parsed from EXPLAIN (FORMAT JSON).
type Plan struct {
	// Root is the top plan node.
	Root PlanNode `json:"Plan"`
	// PlanningTime and ExecutionTime are in milliseconds; set only by an ANALYZE.
	PlanningTime  float64 `json:"Planning Time"`
	ExecutionTime float64 `json:"Execution Time"`
	// JSON is the plan as the server returned it.
	JSON json.RawMessage `json:"-"`
}

// PlanNode is one node of a [Plan].
type PlanNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	Alias        string     `json:"Alias"`
	IndexName    string     `json:"Index Name"`
	StartupCost  float64    `json:"Startup Cost"`
	TotalCost    float64    `json:"Total Cost"`
	PlanRows     float64    `json:"Plan Rows"`
	ActualRows   float64    `json:"Actual Rows"`
	ActualLoops  float64    `json:"Actual Loops"`
	Filter       string     `json:"Filter"`
	Plans        []PlanNode `json:"Plans"`
}

// walk calls fn for n and every node below it.
func (n *PlanNode) walk(fn func(*PlanNode)) {
	fn(n)
	for i := range n.Plans {
		n.Plans[i].walk(fn)
	}
}

// SeqScans returns the tables the plan reads with a sequential scan: on a large table,
// the sign of a missing index.
func (p *Plan) SeqScans() []string {
	var out []string
	p.Root.walk(func(n *PlanNode) {
		if n.NodeType == "Seq Scan" {
			out = append(out, n.RelationName)
		}
	})
	return out
}

// Indexes returns the indexes the plan uses (Index Scan, Index Only Scan, Bitmap Index
// Scan), in plan order.
func (p *Plan) Indexes() []string {
	var out []string
	p.Root.walk(func(n *PlanNode) {
		if n.IndexName != "" {
			out = append(out, n.IndexName)
		}
	})
	return out
}

// String renders the plan as an indented tree of node types, relations and indexes.
func (p *Plan) String() string {
	var b strings.Builder
	var write func(n *PlanNode, depth int)
	write = func(n *PlanNode, depth int) {
		fmt.Fprintf(&b, "%s%s", strings.Repeat("  ", depth), n.NodeType)
		if n.RelationName != "" {
			fmt.Fprintf(&b, " on %s", n.RelationName)
		}
		if n.IndexName != "" {
			fmt.Fprintf(&b, " using %s", n.IndexName)
		}
		fmt.Fprintf(&b, " (cost=%.2f..%.2f rows=%.0f)\n", n.StartupCost, n.TotalCost, n.PlanRows)
		for i := range n.Plans {
			write(&n.Plans[i], depth+1)
		}
	}
	write(&p.Root, 0)
	return b.String()
}

// ExplainOption configures [Explain].
type ExplainOption func(*explainOptions)

type explainOptions struct{ analyze, preferIndexes bool }

// Analyze runs the statement (EXPLAIN ANALYZE) so the plan carries actual rows and
// times. Only use it on statements that are safe to run: it executes them.
func Analyze() ExplainOption { return func(o *explainOptions) { o.analyze = true } }

// PreferIndexes plans the statement as if its tables were too large to scan whole:
// inside a transaction that is rolled back, with SET LOCAL enable_seqscan = off, so
// PostgreSQL picks an index wherever one can serve the statement. A Seq Scan left in
// that plan means no index can: the check a test wants on a small test table, where
// the planner would rightly scan anyway. It costs a BEGIN, a SET and a ROLLBACK.
func PreferIndexes() ExplainOption { return func(o *explainOptions) { o.preferIndexes = true } }

// Explain returns PostgreSQL's plan for sql with args.
func Explain(ctx context.Context, db Querier, sql string, args []any, opts ...ExplainOption) (*Plan, error) {
	var o explainOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.preferIndexes {
		var plan *Plan
		err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
				return fmt.Errorf("orm: explain: %w", err)
			}
			var err error
			plan, err = explain(ctx, tx, sql, args, o)
			if err != nil {
				return err
			}
			return errRollback
		})
		if err != nil && !errors.Is(err, errRollback) {
			return nil, err
		}
		return plan, nil
	}
	return explain(ctx, db, sql, args, o)
}

// errRollback ends a transaction that must leave nothing behind.
var errRollback = errors.New("orm: rollback")

func explain(ctx context.Context, db Querier, sql string, args []any, o explainOptions) (*Plan, error) {
	prefix := "EXPLAIN (FORMAT JSON) "
	if o.analyze {
		prefix = "EXPLAIN (ANALYZE, FORMAT JSON) "
	}
	var raw []byte
	if err := db.QueryRow(ctx, prefix+sql, args...).Scan(&raw); err != nil {
		return nil, fmt.Errorf("orm: explain: %w", err)
	}
	var plans []Plan
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
		return nil, fmt.Errorf("orm: explain: unexpected plan %.200s: %v", raw, err)
	}
	plans[0].JSON = raw
	return &plans[0], nil
}

// Explain returns PostgreSQL's plan for the query (its main statement; preloads are
// separate statements, each an indexed = ANY lookup).
func (q Select[T]) Explain(ctx context.Context, opts ...ExplainOption) (*Plan, error) {
	q = q.in(ctx)
	b, db, err := q.ready()
	if err != nil {
		return nil, err
	}
	return Explain(ctx, db, b.sql, b.args, opts...)
}

// StatementPlan is the plan of one statement a query sends.
type StatementPlan struct {
	Path string // "" for the query's own statement, else the preload path ("Posts.Tags")
	SQL  string
	Args []any // the arguments explained with (sample keys for a preload)
	Plan *Plan
}

// ExplainAll returns the plans of every statement the query sends: its own first,
// then each preload edge's, planned with one sample key (zero values) in place of the
// parents' keys. It sends one EXPLAIN per statement (plus BEGIN, SET and ROLLBACK
// each with [PreferIndexes]); with [Analyze] the preload statements run on that
// sample key.
func (q Select[T]) ExplainAll(ctx context.Context, opts ...ExplainOption) ([]StatementPlan, error) {
	q = q.in(ctx)
	b, db, err := q.ready()
	if err != nil {
		return nil, err
	}
	plan, err := Explain(ctx, db, b.sql, b.args, opts...)
	if err != nil {
		return nil, err
	}
	out := []StatementPlan{{SQL: b.sql, Args: b.args, Plan: plan}}
	if b.plan == nil {
		return out, nil
	}
	for _, st := range b.plan.Statements() {
		if err := sqlw.FillScopes(st.SampleArgs, st.Scopes, q.scopes); err != nil {
			return nil, fmt.Errorf("orm: preload %s: %w", st.Path, err)
		}
		plan, err := Explain(ctx, db, st.SQL, st.SampleArgs, opts...)
		if err != nil {
			return nil, fmt.Errorf("orm: preload %s: %w", st.Path, err)
		}
		out = append(out, StatementPlan{Path: st.Path, SQL: st.SQL, Args: st.SampleArgs, Plan: plan})
	}
	return out, nil
}

// Index describes one index of a model's table.
type Index struct {
	Name    string   // index name
	Columns []string // key columns in order; an expression column reads as its text
	Unique  bool
	Primary bool
}

// Indexes returns the indexes on T's table, for checking that a filter or sort order
// has one (see also [Plan.SeqScans]).
func Indexes[T any](ctx context.Context, db Querier) ([]Index, error) {
	m, err := model.Of[T]()
	if err != nil {
		return nil, fmt.Errorf("orm: Indexes: %w", err)
	}
	const sql = `SELECT i.relname, ix.indisunique, ix.indisprimary,
	array(SELECT pg_get_indexdef(ix.indexrelid, k, true) FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k)
FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid
WHERE ix.indrelid = to_regclass($1)
ORDER BY i.relname`
	rows, err := db.Query(ctx, sql, m.QTable)
	if err != nil {
		return nil, fmt.Errorf("orm: indexes of %s: %w", m.Table, err)
	}
	var out []Index
	err = scan.Each(rows, func() error {
		var ix Index
		if err := rows.Scan(&ix.Name, &ix.Unique, &ix.Primary, &ix.Columns); err != nil {
			return err
		}
		out = append(out, ix)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("orm: indexes of %s: %w", m.Table, err)
	}
	return out, nil
}
