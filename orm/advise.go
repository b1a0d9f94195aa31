package orm

import (
	"context"
	"fmt"
	"strings"

	"github.com/batchorm/batchorm/internal/advisor"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Statement is one statement to judge or advise on: its text and arguments as sent.
// [QueryLogEntry.Statement] gives it for a recorded statement.
type Statement = advisor.Statement

// IndexFinding is one table of a statement that no index serves: the columns the
// statement filters it on, by a bound parameter or a join key, that the leading key
// columns of the index its plan uses do not match. A condition on a later key of an
// index (an index on (a, fk) read for fk = ANY($1)) only filters a walk over the whole
// index, so it is not served. A Seq Scan left in a plan made with sequential scans
// discouraged is a finding too, with no columns when the statement filters nothing.
type IndexFinding = advisor.Finding

// IndexProposal is the index proposed for an [IndexFinding]: its migration text (SQL),
// name, keys, INCLUDE columns and partial predicate, and the measures of the statement
// before and after the index was built (see [AdviseIndexes]).
type IndexProposal = advisor.Proposal

// IndexMeasure is one EXPLAIN (ANALYZE, BUFFERS) of a statement: the node reading the
// table, the index it uses, the plan's cost, the execution time and the shared
// buffers hit and read.
type IndexMeasure = advisor.Measure

// IndexReport is the judgement of one statement: the tables no index serves and the
// index proposed for each.
type IndexReport struct {
	Path      string // for a query's statements: "" for its own, else the preload path
	SQL       string
	Args      []any
	Findings  []IndexFinding
	Proposals []IndexProposal
}

// Served reports whether an index serves every table of the statement.
func (r *IndexReport) Served() bool { return len(r.Findings) == 0 }

// String renders the report for a log or a failure message: each finding, then each
// proposal with its measures.
func (r *IndexReport) String() string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s: %s", f.Name, f.Node)
		if f.Index != "" {
			fmt.Fprintf(&b, " using %s", f.Index)
		}
		if len(f.Columns) > 0 {
			fmt.Fprintf(&b, "; not led by an index: %s", strings.Join(f.Columns, ", "))
		}
		b.WriteByte('\n')
	}
	for _, p := range r.Proposals {
		fmt.Fprintf(&b, "proposed: %s\n", p.SQL)
		if p.Before.Node != "" {
			fmt.Fprintf(&b, "  before: %s\n  after:  %s\n  used: %v\n", p.Before, p.After, p.Used)
		}
	}
	return b.String()
}

// Statement returns the recorded statement with its arguments, for [AdviseIndexes].
func (e QueryLogEntry) Statement() Statement { return Statement{SQL: e.SQL, Args: e.Values} }

// AdviseIndexes judges each statement (a statement text once, with the first
// arguments given: pass a QueryLog's entries through [QueryLogEntry.Statement]) and,
// for each table no index serves, proposes an index and proves it.
//
// A statement is served when every column it compares, with a bound parameter or
// another table's column, for equality (=, = ANY) or a range (<, <=, >, >=, row
// comparisons such as a keyset page's), is matched by the Index Cond on the leading key
// columns of the index its plan uses, the plan made with sequential scans discouraged
// (as [PreferIndexes]). Hash and merge join keys of a table reached only through them
// need an index led by them.
//
// A proposal puts equality columns first, then range columns, then the ORDER BY
// columns in their directions (an index read backwards serves the reverse order, so
// mixed orders read "a, b DESC"); a partial index on the statement's constant
// predicates ("deleted_at" IS NULL, "status" = 'active'::text); INCLUDE of up to three
// returned columns when that makes an index-only scan possible. Constants are taken
// from the plan's own rendering of the statement, parsed and written again (strings
// re-quoted, numbers and type names checked against a pattern), never pasted. The
// name is deterministic: table, keys, "incl" and included columns, a hash of the
// predicate.
//
// Proving is real: inside a transaction that is rolled back, EXPLAIN (ANALYZE,
// BUFFERS) runs the statement, CREATE INDEX builds the proposal, and the statement
// runs again; both measures are reported with whether the second plan uses the index.
// The statement runs twice (an UPDATE or DELETE too, rolled back), and building the
// index holds a SHARE lock on the table, blocking its writers, for as long as the build
// takes: use it in tests and development, never against production. Ship the
// proposal's SQL (CREATE INDEX CONCURRENTLY IF NOT EXISTS ...) as a migration instead.
func AdviseIndexes(ctx context.Context, db Querier, statements ...Statement) ([]IndexReport, error) {
	rs, err := advisor.Check(ctx, db, statements, advisor.Options{Prove: true})
	if err != nil {
		return nil, fmt.Errorf("orm: AdviseIndexes: %w", err)
	}
	out := make([]IndexReport, len(rs))
	for i, r := range rs {
		out[i] = IndexReport{SQL: r.Statement.SQL, Args: r.Statement.Args, Findings: r.Findings, Proposals: r.Proposals}
	}
	return out, nil
}

// CheckIndexes judges every statement the query sends, its own and each preload
// edge's (planned with one sample key, as [Select.ExplainAll]), as [AdviseIndexes]
// does, and proposes and proves an index for each statement not served. It is what
// ormtest.AssertIndexed reports; the same warning about locks applies.
func (q Select[T]) CheckIndexes(ctx context.Context) ([]IndexReport, error) {
	q = q.in(ctx)
	b, db, err := q.ready()
	if err != nil {
		return nil, err
	}
	sts := []StatementPlan{{SQL: b.sql, Args: b.args}}
	if b.plan != nil {
		for _, st := range b.plan.Statements() {
			if err := sqlw.FillScopes(st.SampleArgs, st.Scopes, q.scopes); err != nil {
				return nil, fmt.Errorf("orm: CheckIndexes: preload %s: %w", st.Path, err)
			}
			sts = append(sts, StatementPlan{Path: st.Path, SQL: st.SQL, Args: st.SampleArgs})
		}
	}
	out := make([]IndexReport, 0, len(sts))
	for _, st := range sts {
		rs, err := advisor.Check(ctx, db, []Statement{{SQL: st.SQL, Args: st.Args}}, advisor.Options{Prove: true})
		if err != nil {
			return nil, fmt.Errorf("orm: CheckIndexes: %w", err)
		}
		r := IndexReport{Path: st.Path, SQL: st.SQL, Args: st.Args}
		if len(rs) == 1 {
			r.Findings, r.Proposals = rs[0].Findings, rs[0].Proposals
		}
		out = append(out, r)
	}
	return out, nil
}
