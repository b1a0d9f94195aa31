package advisor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// node is one node of EXPLAIN (VERBOSE, FORMAT JSON) output, with the fields the
// advisor reads.
type node struct {
	NodeType     string   `json:"Node Type"`
	RelationName string   `json:"Relation Name"`
	Schema       string   `json:"Schema"`
	Alias        string   `json:"Alias"`
	IndexName    string   `json:"Index Name"`
	IndexCond    string   `json:"Index Cond"`
	RecheckCond  string   `json:"Recheck Cond"`
	Filter       string   `json:"Filter"`
	HashCond     string   `json:"Hash Cond"`
	MergeCond    string   `json:"Merge Cond"`
	JoinFilter   string   `json:"Join Filter"`
	SortKey      []string `json:"Sort Key"`
	Output       []string `json:"Output"`
	TotalCost    float64  `json:"Total Cost"`
	ActualTime   float64  `json:"Actual Total Time"`
	SharedHit    int64    `json:"Shared Hit Blocks"`
	SharedRead   int64    `json:"Shared Read Blocks"`
	Plans        []node   `json:"Plans"`
}

// plan is one statement's plan.
type plan struct {
	Root          node    `json:"Plan"`
	ExecutionTime float64 `json:"Execution Time"`
}

// walk calls fn for n and every node below it, parents first.
func (n *node) walk(fn func(*node)) {
	fn(n)
	for i := range n.Plans {
		n.Plans[i].walk(fn)
	}
}

// scan reports whether n reads a table (a Seq Scan, an index scan, a bitmap heap scan).
func (n *node) scan() bool { return n.RelationName != "" && n.NodeType != "Bitmap Index Scan" }

// table is the quoted, schema-qualified name of the table n reads.
func (n *node) table() string {
	if n.Schema == "" {
		return sqlw.QuoteIdent(n.RelationName)
	}
	return sqlw.QuoteIdent(n.Schema) + "." + sqlw.QuoteIdent(n.RelationName)
}

// settings for one EXPLAIN, each sent as SET LOCAL inside the transaction.
var (
	preferIndexes = []string{"enable_seqscan = off"}
	noIndexes     = []string{"enable_indexscan = off", "enable_indexonlyscan = off", "enable_bitmapscan = off"}
)

// errRollback ends a transaction that must leave nothing behind.
var errRollback = errors.New("rollback")

// inRollback runs fn in a transaction that is always rolled back.
func inRollback(ctx context.Context, db dbx.Querier, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}

// explain returns the plan of st with the given EXPLAIN options ("ANALYZE, BUFFERS"),
// after SET LOCAL of each setting; tx must be a transaction. The statement runs with
// its arguments, so its parameters are planned as the constants they hold.
func explain(ctx context.Context, tx pgx.Tx, st Statement, options string, settings []string) (*plan, error) {
	if err := set(ctx, tx, settings); err != nil {
		return nil, err
	}
	w := sqlw.NewWriter(len(st.SQL) + 40)
	w.SQL("EXPLAIN (")
	w.SQL(options)
	w.SQL(", FORMAT JSON) ")
	w.SQL(st.SQL)
	return planOf(ctx, tx, w.String(), st.Args)
}

// explainGeneric returns the generic plan of st, EXPLAIN (VERBOSE): the one made
// without looking at the arguments, where each parameter still reads $n, so that a
// comparison with a parameter can be told from one with a constant of the statement
// (a plan made for the arguments shows them as constants). The statement is prepared
// under a name of its own, run through EXPLAIN EXECUTE with plan_cache_mode =
// force_generic_plan with NULL for each argument (only their number matters), and
// deallocated whatever happens: PREPARE is not undone by a rollback, so the EXPLAIN
// runs under a savepoint, rolled back when it fails (planning can fail where PREPARE
// did not: a constant 1/0, a wrong number of arguments), and the DEALLOCATE that
// follows on the same connection is not refused by an aborted transaction. When the
// context is cancelled pgx closes the connection, and the statement with it.
func explainGeneric(ctx context.Context, tx pgx.Tx, st Statement, settings []string) (p *plan, err error) {
	if err := set(ctx, tx, append([]string{"plan_cache_mode = force_generic_plan"}, settings...)); err != nil {
		return nil, err
	}
	name := sqlw.QuoteIdent(fmt.Sprintf("batchorm_advisor_%d", prepared.Add(1)))
	w := sqlw.NewWriter(len(st.SQL) + 40)
	w.SQL("PREPARE ")
	w.SQL(name)
	w.SQL(" AS ")
	w.SQL(st.SQL)
	if err := execOne(ctx, tx, w.String()); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	defer func() {
		if _, derr := tx.Exec(ctx, "DEALLOCATE "+name); derr != nil && err == nil {
			p, err = nil, fmt.Errorf("deallocate: %w", derr)
		}
	}()
	w = sqlw.NewWriter(64)
	w.SQL("EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE ")
	w.SQL(name)
	if len(st.Args) > 0 {
		w.SQL("(")
		w.List(len(st.Args), func(int) { w.SQL("NULL") }) // a generic plan does not look at them
		w.SQL(")")
	}
	err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) (err error) {
		p, err = planOf(ctx, sp, w.String(), nil)
		return err
	})
	return p, err
}

// prepared numbers the statements explainGeneric prepares.
var prepared atomic.Int64

func set(ctx context.Context, tx pgx.Tx, settings []string) error {
	for _, s := range settings {
		if _, err := tx.Exec(ctx, "SET LOCAL "+s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// execOne runs one statement holding the statement's text through the extended
// protocol, which refuses a text of several statements ("SELECT 1; COMMIT; DROP ..."):
// pgx sends an Exec without arguments through the simple protocol, which runs them
// all, and a COMMIT among them would end the transaction that must be rolled back.
func execOne(ctx context.Context, tx pgx.Tx, sql string) error {
	rows, err := tx.Query(ctx, sql, pgx.QueryExecModeDescribeExec)
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// planOf runs one EXPLAIN through the extended protocol (see [execOne]), whatever
// the connection's default mode.
func planOf(ctx context.Context, tx pgx.Tx, sql string, args []any) (*plan, error) {
	var raw []byte
	if err := tx.QueryRow(ctx, sql, append([]any{pgx.QueryExecModeDescribeExec}, args...)...).Scan(&raw); err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	var plans []plan
	if err := json.Unmarshal(raw, &plans); err != nil || len(plans) != 1 {
		return nil, fmt.Errorf("unexpected plan %.200s: %v", raw, err)
	}
	return &plans[0], nil
}

// Statement is one statement to judge or advise on: its text and arguments, as sent.
type Statement struct {
	SQL  string
	Args []any
}

// explainable reports whether st can be explained and, with ANALYZE, run inside a
// transaction that is rolled back: a SELECT (WITH included), UPDATE or DELETE.
func explainable(st Statement) bool {
	s := strings.TrimLeft(st.SQL, " \t\n(")
	for _, kw := range []string{"SELECT", "WITH", "UPDATE", "DELETE"} {
		if len(s) >= len(kw) && strings.EqualFold(s[:len(kw)], kw) {
			return true
		}
	}
	return false
}
