package advisor

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/dbx"
)

// Report is the judgement of one statement: the tables no index serves and, when
// advice was asked for, the index proposed for each (proven when asked).
type Report struct {
	Statement Statement
	Findings  []Finding
	Proposals []Proposal // one per finding that has something to index, in finding order
}

// Served reports whether every table of the statement is served by an index.
func (r *Report) Served() bool { return len(r.Findings) == 0 }

// Options says how far [Check] goes.
type Options struct {
	Propose bool // propose an index for each finding
	Prove   bool // prove each proposal (implies Propose): takes a lock, see [Proposal]
}

// Check judges each statement (statements with the same text once, with the first
// arguments given) and, as asked, proposes and proves indexes. Statements that cannot
// be explained inside a rolled-back transaction (INSERT, DDL, transaction control) are
// left out of the result.
func Check(ctx context.Context, db dbx.Querier, sts []Statement, o Options) ([]Report, error) {
	cat := &catalog{db: db}
	seen := map[string]bool{}
	var out []Report
	for _, st := range sts {
		if seen[st.SQL] || !explainable(st) {
			continue
		}
		seen[st.SQL] = true
		r, err := check(ctx, db, cat, st, o)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func check(ctx context.Context, db dbx.Querier, cat *catalog, st Statement, o Options) (Report, error) {
	r := Report{Statement: st}
	var prefer *plan
	err := inRollback(ctx, db, func(tx pgx.Tx) (err error) {
		prefer, err = explainGeneric(ctx, tx, st, preferIndexes)
		return err
	})
	if err != nil {
		return r, err
	}
	if r.Findings, err = judge(ctx, cat, prefer); err != nil || len(r.Findings) == 0 || !(o.Propose || o.Prove) {
		return r, err
	}
	var bare *plan
	err = inRollback(ctx, db, func(tx pgx.Tx) (err error) {
		bare, err = explainGeneric(ctx, tx, st, noIndexes)
		return err
	})
	if err != nil {
		return r, err
	}
	for _, f := range r.Findings {
		ti, err := cat.table(ctx, f.Table)
		if err != nil {
			return r, err
		}
		p, ok := propose(f, factsOf(bare, f.alias), ti.columns)

		if !ok {
			continue
		}
		if _, exists := ti.indexes[p.Name]; o.Prove && !exists {
			if err := prove(ctx, db, st, f.alias, &p); err != nil {
				return r, err
			}
		}
		r.Proposals = append(r.Proposals, p)
	}
	return r, nil
}
