package advisor

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/dbx"
)

// Measure is what EXPLAIN (ANALYZE, BUFFERS) reported for one run of a statement.
type Measure struct {
	Node       string  // the node reading the proposal's table: "Seq Scan", "Index Only Scan", ...
	Index      string  // the index that node uses, "" for none
	Cost       float64 // the planner's total cost of the statement
	Time       float64 // execution time, in milliseconds
	SharedHit  int64   // shared buffers found in cache, whole statement
	SharedRead int64   // shared buffers read, whole statement
}

func (m Measure) String() string {
	node := m.Node
	if m.Index != "" {
		node += " using " + m.Index
	}
	return fmt.Sprintf("%s, cost %.2f, %.3f ms, shared hit %d read %d", node, m.Cost, m.Time, m.SharedHit, m.SharedRead)
}

// prove measures the statement before and after creating the proposed index, inside a
// transaction that is rolled back. CREATE INDEX (not CONCURRENTLY: it cannot run in a
// transaction) holds a SHARE lock on the table while it builds, blocking writes:
// tests and development only.
func prove(ctx context.Context, db dbx.Querier, st Statement, alias string, p *Proposal) error {
	return inRollback(ctx, db, func(tx pgx.Tx) error {
		before, err := explain(ctx, tx, st, "ANALYZE, BUFFERS", nil)
		if err != nil {
			return err
		}
		if err := execOne(ctx, tx, p.ddl(false)); err != nil {
			return fmt.Errorf("prove %s: %w", p.Name, err)
		}
		after, err := explain(ctx, tx, st, "ANALYZE, BUFFERS", nil)
		if err != nil {
			return err
		}
		p.Before, p.After = measure(before, alias), measure(after, alias)
		p.Used = p.After.Index == p.Name
		return nil
	})
}

// measure reads a plan made with ANALYZE, BUFFERS.
func measure(p *plan, alias string) Measure {
	m := Measure{Cost: p.Root.TotalCost, Time: p.ExecutionTime, SharedHit: p.Root.SharedHit, SharedRead: p.Root.SharedRead}
	p.Root.walk(func(n *node) {
		if m.Node != "" || !n.scan() || n.Alias != alias {
			return
		}
		m.Node, m.Index = n.NodeType, n.IndexName
		for i := range n.Plans { // a bitmap heap scan's index is below it
			n.Plans[i].walk(func(c *node) {
				if m.Index == "" && c.IndexName != "" {
					m.Index = c.IndexName
				}
			})
		}
	})
	return m
}
