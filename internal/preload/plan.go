package preload

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Plan is a validated preload plan for one model: the tree of relation edges to load,
// each with its statement already rendered. Make it with [New]; run it with
// [Plan.Load]. A Plan is safe for concurrent use; between loads it keeps only each
// edge's row-buffer size hint.
type Plan struct {
	m     *model.Model
	roots []*node
	all   []*node // every node, parents before children
}

// node is one relation edge of a plan.
type node struct {
	unscoped bool // the related model's scope (soft delete) is lifted
	rel      *model.Relation
	path     string
	depth    int
	spec     Spec // options of the edge (zero value: defaults)
	children []*node
	st       statement
	ownerPK  bool // the owner key is the owner's primary key: a zero value is an error
	newExec  func(parents []unsafe.Pointer) edgeExec
	// pkCmp compares two loaded rows by primary key, or is nil when the key's Go type
	// has no order here (the statement then sorts).
	pkCmp func(a, b unsafe.Pointer) int
	// pkInt reads a one-column integer primary key, or is nil: such keys are checked for
	// order as the rows are read.
	pkInt func(unsafe.Pointer) int64
	// inMemory: each parent's rows are put in primary-key order here (to-many), or the
	// lowest key is picked (has-one), because the statement sends no ORDER BY.
	inMemory bool
	// perKey is the number of rows per key the last load read, times 16 (0: none yet):
	// the size hint of the next load's row buffer.
	perKey atomic.Uint32
}

// hint returns the number of rows to make room for when loading keys keys: as many
// per key as the last load read, with some headroom, or a guess before the first.
func (n *node) hint(keys int) int {
	if pk := int(n.perKey.Load()); pk > 0 {
		return keys*pk/16 + keys/16 + 1
	}
	switch {
	case n.spec.Limit > 0:
		return keys * min(n.spec.Limit, 8)
	case n.rel.Kind.ToMany():
		return 2 * keys
	}
	return keys
}

// observe records that a load of keys keys read rows rows.
func (n *node) observe(keys, rows int) {
	if keys > 0 {
		n.perKey.Store(uint32(min(rows*16/keys, 1<<20) + 1))
	}
}

// New validates specs against m and renders one statement per relation edge. Every
// mistake is found here, before any statement is sent: an unknown relation or an
// empty path segment is a *model.RelationError listing the model's relations, a bad
// option an [*OptionError], an unsupported relation shape a [*FieldError]. Errors
// carry no package prefix.
func New(m *model.Model, specs ...Spec) (*Plan, error) { return newPlan(m, false, specs) }

// NewUnscoped is [New] without the related models' scopes (orm's Unscoped): soft-
// deleted children are loaded too. Its plans are not cached.
func NewUnscoped(m *model.Model, specs ...Spec) (*Plan, error) { return newPlan(m, true, specs) }

func newPlan(m *model.Model, unscoped bool, specs []Spec) (*Plan, error) {
	if m == nil {
		return nil, errors.New("nil model")
	}
	p := &Plan{m: m}
	for i := range specs {
		if specs[i].Err != nil {
			return nil, specs[i].Err
		}
		if err := p.add(&specs[i]); err != nil {
			return nil, err
		}
	}
	for _, n := range p.all {
		n.unscoped = unscoped
		if err := n.render(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// cache holds the plans of specs without options, per model and paths: such a plan
// depends on nothing else, and its nodes keep the size hints learnt from earlier loads.
// It stops growing at maxCached plans (paths built from user input cannot grow it
// without bound).
var (
	cache    sync.Map // cacheKey -> *Plan
	cacheLen atomic.Int32
)

const maxCached = 1024

type cacheKey struct {
	m     *model.Model
	paths string
}

// For returns the plan of specs on m, as [New] does; the plan of specs without
// options is made once and shared.
func For(m *model.Model, specs ...Spec) (*Plan, error) {
	key, ok := plainKey(m, specs)
	if !ok {
		return New(m, specs...)
	}
	if p, found := cache.Load(key); found {
		return p.(*Plan), nil
	}
	p, err := New(m, specs...)
	if err != nil {
		return nil, err
	}
	if cacheLen.Load() < maxCached {
		if _, loaded := cache.LoadOrStore(key, p); !loaded {
			cacheLen.Add(1)
		}
	}
	return p, nil
}

// plainKey returns the cache key of specs, and false when a spec has options.
func plainKey(m *model.Model, specs []Spec) (cacheKey, bool) {
	if m == nil {
		return cacheKey{}, false
	}
	var paths string
	for i := range specs {
		if specs[i].Opts || specs[i].Err != nil {
			return cacheKey{}, false
		}
		if i == 0 {
			paths = specs[i].Path
		} else {
			paths += "\n" + specs[i].Path
		}
	}
	return cacheKey{m: m, paths: paths}, true
}

// add merges the edges of s into the plan's tree.
func (p *Plan) add(s *Spec) error {
	segs := strings.Split(s.Path, ".")
	cur, list := p.m, &p.roots
	var n *node
	for i, seg := range segs {
		if seg == "" {
			return relationError(cur, s.Path, seg, "empty segment")
		}
		rel := cur.Relation(seg)
		if rel == nil {
			return relationError(cur, s.Path, seg, "unknown relation")
		}
		n = findNode(*list, rel)
		if n == nil {
			n = &node{rel: rel, path: strings.Join(segs[:i+1], "."), depth: i + 1}
			*list = append(*list, n)
			p.all = append(p.all, n)
		}
		list, cur = &n.children, rel.Target
	}
	if !s.Opts {
		return nil
	}
	if n.spec.Opts && !sameOptions(&n.spec, s, n.rel.Target) {
		return &OptionError{Path: s.Path, Option: "Path", Reason: "two specs give different options to the same path; give them once"}
	}
	n.spec = *s
	n.spec.Path = n.path
	return nil
}

func findNode(list []*node, rel *model.Relation) *node {
	for _, n := range list {
		if n.rel == rel {
			return n
		}
	}
	return nil
}

// Statement is the SQL a [Plan] sends for one relation edge, for inspection (tests,
// EXPLAIN, logs). The statements of one Depth share a round trip.
type Statement struct {
	Path      string // the relation path, e.g. "Posts.Comments"
	Depth     int    // 1 for relations of the parents, 2 for theirs, ...
	SQL       string // the statement text, which does not depend on the number of parents
	KeyParams int    // the first KeyParams arguments are key arrays, filled in by Load
	Args      []any  // the arguments, with nil in place of the key arrays
	// SampleArgs are Args with one key of zero values in each key array: what EXPLAIN
	// needs to plan the statement as Load sends it.
	SampleArgs []any
	// Scopes are the parameters of value scopes, filled from the context by Load
	// (sqlw.FillScopes).
	Scopes []sqlw.ScopeSlot
}

// Statements returns the statement of every edge of the plan, parents before
// children.
func (p *Plan) Statements() []Statement {
	out := make([]Statement, 0, len(p.all))
	for _, n := range p.all {
		sample := append([]any(nil), n.st.args...)
		copy(sample, n.sampleKeys())
		out = append(out, Statement{
			Path: n.path, Depth: n.depth, SQL: n.st.sql, KeyParams: n.st.nkeys,
			Args: append([]any(nil), n.st.args...), SampleArgs: sample, Scopes: n.st.scopes,
		})
	}
	return out
}

// KeyColumns returns the columns of m that the first edges of specs read from the
// parents (the primary key for has-one, has-many and many-to-many, the foreign key for
// belongs-to), so that a query selecting only some columns still selects them. Paths
// that do not resolve are ignored here; [New] reports them.
func KeyColumns(m *model.Model, specs ...Spec) []*model.Column {
	if m == nil {
		return nil
	}
	var out []*model.Column
	seen := map[*model.Column]bool{}
	for _, s := range specs {
		first, _, _ := strings.Cut(s.Path, ".")
		rel := m.Relation(first)
		if rel == nil {
			continue
		}
		for _, c := range rel.OwnerKey {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// fieldNames joins the Go field names of cols with "+".
func fieldNames(cols []*model.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Field
	}
	return strings.Join(names, "+")
}

func (n *node) unsupported(m *model.Model, field, format string, a ...any) error {
	return &FieldError{Path: n.path, Model: m.Name, Field: field, Reason: fmt.Sprintf(format, a...), Err: ErrUnsupported}
}
