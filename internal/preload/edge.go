package preload

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// Edge is the load of a plan's first edge for a set of parents, prepared for a caller
// that sends the statement itself, together with other statements (package
// loader/dataload puts the statements of several loaders in one pgx batch). Make it
// with [Plan.Prepare]; send SQL with Args, hand the rows to Scan, then read the
// parents' relation field.
type Edge struct {
	// SQL and Args are the statement to send; SQL is "" when no parent has a key, and
	// then only Scan(nil) is to be called.
	SQL  string
	Args []any
	e    edgeExec
	path string
}

// Prepare reads the keys of parents ([]T, []*T, *[]T or *T, T the plan's model) for the
// plan's only edge and returns the statement that loads it. A plan with more than one
// edge is refused: the deeper edges need the rows of the first.
//
// v are the scope values (a tenant id) the statement binds; a missing one is a
// *sqlw.ScopeError.
func (p *Plan) Prepare(parents any, v sqlw.ScopeValues) (*Edge, error) {
	if p == nil {
		return nil, errors.New("nil plan")
	}
	if len(p.all) != 1 {
		return nil, fmt.Errorf("Prepare needs a plan of one edge, this one has %d", len(p.all))
	}
	if err := p.CheckScopes(v); err != nil {
		return nil, err
	}
	ptrs, err := parentPointers(p.m, parents)
	if err != nil {
		return nil, err
	}
	n := p.all[0]
	e := n.newExec(ptrs)
	live, err := e.collect()
	if err != nil {
		return nil, err
	}
	ed := &Edge{e: e, path: n.path}
	if live {
		ed.SQL, ed.Args = n.st.sql, e.args(v)
	}
	return ed, nil
}

// Scan reads the statement's rows (nil when SQL is ""), closes them and sets the
// relation field of every parent, as [Plan.Load] does.
func (ed *Edge) Scan(rows pgx.Rows) error {
	if rows != nil {
		if err := ed.e.scan(rows); err != nil {
			return fmt.Errorf("preload %q: %w", ed.path, err)
		}
	}
	ed.e.attach()
	return nil
}
