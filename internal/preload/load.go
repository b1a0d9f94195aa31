package preload

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Load runs the plan on parents: []T, []*T, *[]T or *T, where T is the plan's model
// (nil elements of []*T are skipped). It sends one round trip per depth of the plan,
// with every edge of that depth in it (a pgx batch when there are several), and none
// for an edge whose parents have no key. Each relation field is set: a to-one pointer
// to the related row or nil, a to-many slice to the children in the asked order, empty
// (not nil) when there are none. Errors carry no package prefix.
func (p *Plan) Load(ctx context.Context, q scan.Querier, parents any) (err error) {
	if p == nil {
		return errors.New("nil plan")
	}
	if q == nil {
		return errors.New("nil Querier")
	}
	ptrs, err := parentPointers(p.m, parents)
	if err != nil {
		return err
	}
	if len(ptrs) == 0 {
		return nil
	}
	scopes := sqlw.ScopesFrom(ctx)
	if err := p.CheckScopes(scopes); err != nil {
		return err
	}
	ctx, span := p.startLoad(ctx, q)
	defer func() { span.End(-1, err) }()
	level := make([]task, len(p.roots))
	for i, n := range p.roots {
		level[i] = task{n: n, parents: ptrs}
	}
	for len(level) > 0 {
		if level, err = runLevel(ctx, q, level, scopes); err != nil {
			return err
		}
	}
	return nil
}

// task is one edge to load for a set of parents.
type task struct {
	n       *node
	parents []unsafe.Pointer
}

// edgeExec is the state of one edge during one load.
type edgeExec interface {
	// collect reads the parents' keys, de-duplicated; it reports whether there is any.
	collect() (bool, error)
	// args returns the statement's arguments, the key arrays first, with the value
	// scopes bound to v.
	args(v sqlw.ScopeValues) []any
	// scan reads the statement's rows and closes them.
	scan(rows pgx.Rows) error
	// attach sets the relation field of every parent and returns the rows now
	// reachable from them: the parents of the next depth.
	attach() []unsafe.Pointer
	// read returns the number of rows scan read.
	read() int
}

// runLevel loads every edge of one depth in one round trip and returns the tasks of
// the next depth.
func runLevel(ctx context.Context, q scan.Querier, level []task, v sqlw.ScopeValues) ([]task, error) {
	execs := make([]edgeExec, len(level))
	var live []int
	for i, t := range level {
		e := t.n.newExec(t.parents)
		ok, err := e.collect()
		if err != nil {
			return nil, err
		}
		execs[i] = e
		if ok {
			live = append(live, i)
		}
	}
	if err := sendTraced(ctx, q, level, execs, live, v); err != nil {
		return nil, err
	}
	var next []task
	for i, e := range execs {
		rows := e.attach()
		if len(rows) == 0 {
			continue
		}
		for _, c := range level[i].n.children {
			next = append(next, task{n: c, parents: rows})
		}
	}
	return next, nil
}

// send runs the statements of the live edges: a plain query for one, a pipelined batch
// for several. No Rows stays open while another statement is sent, so q may be a
// transaction.
func send(ctx context.Context, q scan.Querier, level []task, execs []edgeExec, live []int, v sqlw.ScopeValues) error {
	switch len(live) {
	case 0:
		return nil
	case 1:
		i := live[0]
		rows, err := q.Query(ctx, level[i].n.st.sql, execs[i].args(v)...)
		if err == nil {
			err = execs[i].scan(rows)
		}
		if err != nil {
			return fmt.Errorf("preload %q: %w", level[i].n.path, err)
		}
		return nil
	}
	b := &pgx.Batch{}
	for _, i := range live {
		b.Queue(level[i].n.st.sql, execs[i].args(v)...)
	}
	br := q.SendBatch(ctx, b)
	for _, i := range live {
		rows, err := br.Query()
		if err == nil {
			err = execs[i].scan(rows)
		} else if rows != nil {
			rows.Close()
		}
		if err != nil {
			_ = br.Close()
			return fmt.Errorf("preload %s (one batch): %w", batchPaths(level, live), err)
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("preload %s (one batch): %w", batchPaths(level, live), err)
	}
	return nil
}

// CheckScopes returns a *sqlw.ScopeError (wrapped, naming the path) when v lacks the
// value of a value scope one of the plan's edges binds: a query checks it before
// sending its own statement, so that nothing is sent.
func (p *Plan) CheckScopes(v sqlw.ScopeValues) error { return checkScopes(p.roots, v) }

// checkScopes returns a *sqlw.ScopeError, naming the path, for the first edge whose
// value scopes v lacks a value for: nothing is sent then.
func checkScopes(nodes []*node, v sqlw.ScopeValues) error {
	for _, n := range nodes {
		for _, s := range n.st.scopes {
			if _, ok := v.Value(s.Name); !ok {
				return fmt.Errorf("preload %q: %w", n.path, &sqlw.ScopeError{Model: s.Model, Scope: s.Name, Column: s.Column})
			}
		}
		if err := checkScopes(n.children, v); err != nil {
			return err
		}
	}
	return nil
}

// batchPaths names the paths of a batch: an error in a pipeline (a failed prepare,
// say) cannot always be pinned on one statement.
func batchPaths(level []task, live []int) string {
	paths := make([]string, len(live))
	for j, i := range live {
		paths[j] = strconv.Quote(level[i].n.path)
	}
	return strings.Join(paths, ", ")
}

// parentPointers returns the address of every parent struct in parents.
func parentPointers(m *model.Model, parents any) ([]unsafe.Pointer, error) {
	v := reflect.ValueOf(parents)
	bad := func() error {
		return fmt.Errorf("parents must be []%[1]s, []*%[1]s, *[]%[1]s or *%[1]s, got %[2]T", m.Type, parents)
	}
	if !v.IsValid() {
		return nil, bad()
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, bad()
		}
		if v.Type().Elem() == m.Type {
			return []unsafe.Pointer{v.UnsafePointer()}, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Slice {
		return nil, bad()
	}
	n := v.Len()
	out := make([]unsafe.Pointer, 0, n)
	switch v.Type().Elem() {
	case m.Type:
		size := m.Type.Size()
		for i := range n {
			out = append(out, unsafe.Add(v.UnsafePointer(), uintptr(i)*size))
		}
	case reflect.PointerTo(m.Type):
		for i := range n {
			if e := v.Index(i); !e.IsNil() {
				out = append(out, e.UnsafePointer())
			}
		}
	default:
		return nil, bad()
	}
	return out, nil
}
