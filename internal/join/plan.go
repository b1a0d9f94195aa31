// Package join is the engine behind orm's Select.Join and InnerJoin: to-one relations
// loaded in the parents' own statement. [New] validates the paths and renders the FROM
// clause and the joined columns once, each joined relation aliased by its path;
// [Plan.Column] resolves "Author.name" for conditions and sort keys; a [Scanner] reads
// the joined columns of each row as the row scanner's extra columns. Errors carry no
// package prefix; orm adds its own.
package join

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Spec is one to-one relation path to load in the parents' own statement: "Author",
// or nested "Author.Profile". Inner asks for INNER JOIN on every edge of the path
// (rows without the related row are left out); the default is LEFT JOIN.
type Spec struct {
	Path  string
	Inner bool
}

// Plan is a validated set of joins for one model: the FROM clause, the joined columns
// and how to scan them. Each joined relation is aliased by its path ("Author",
// "Author.Profile"), so one table can be joined several times (Author and Editor both
// on users). A Plan is immutable and safe for concurrent use.
type Plan struct {
	m        *model.Model
	nodes    []*node // parents before children
	byPath   map[string]*node
	from     []fromPart // the FROM clause: text, and the joined models' scopes
	list     string
	unscoped bool // the joined models' scopes (soft delete) are lifted
}

// node is one joined relation.
type node struct {
	rel    *model.Relation
	path   string
	alias  string // quoted
	parent int    // index of the parent node in Plan.nodes, -1 for the base table
	inner  bool
}

// New validates specs against m: every segment must name a belongs-to or has-one
// relation. An unknown relation is a *model.RelationError listing the model's
// relations; a to-many relation is one that says to preload it instead.
func New(m *model.Model, specs ...Spec) (*Plan, error) { return newPlan(m, false, specs) }

// NewUnscoped is [New] without the joined models' scopes (orm's Unscoped).
func NewUnscoped(m *model.Model, specs ...Spec) (*Plan, error) { return newPlan(m, true, specs) }

func newPlan(m *model.Model, unscoped bool, specs []Spec) (*Plan, error) {
	if m == nil {
		return nil, errors.New("nil model")
	}
	p := &Plan{m: m, byPath: map[string]*node{}, unscoped: unscoped}
	for _, s := range specs {
		if err := p.add(s); err != nil {
			return nil, err
		}
	}
	p.render()
	return p, nil
}

func (p *Plan) add(s Spec) error {
	segs := strings.Split(s.Path, ".")
	cur, parent := p.m, -1
	for i, seg := range segs {
		if seg == "" {
			return relationError(cur, s.Path, seg, "empty segment")
		}
		rel := cur.Relation(seg)
		if rel == nil {
			return relationError(cur, s.Path, seg, "unknown relation")
		}
		path := strings.Join(segs[:i+1], ".")
		if rel.Kind.ToMany() {
			return fmt.Errorf("%w: load it with Preload(%q) instead", relationError(cur, s.Path, seg, "cannot join "+rel.Kind.String()+" relation"), path)
		}
		n, ok := p.byPath[path]
		if !ok {
			n = &node{rel: rel, path: path, alias: sqlw.QuoteIdent(path), parent: parent}
			p.byPath[path] = n
			p.nodes = append(p.nodes, n)
		}
		n.inner = n.inner || s.Inner
		parent = p.index(n)
		cur = rel.Target
	}
	return nil
}

func relationError(m *model.Model, path, seg, reason string) error {
	return &model.RelationError{Model: m.Name, Path: path, Segment: seg, Reason: reason, Relations: m.RelationNames()}
}

func (p *Plan) index(n *node) int {
	for i, x := range p.nodes {
		if x == n {
			return i
		}
	}
	return -1
}

func (p *Plan) parentAlias(n *node) string {
	if n.parent < 0 {
		return p.m.QTable
	}
	return p.nodes[n.parent].alias
}

// fromPart is a piece of the FROM clause: text, or the scope of a joined model (its
// value scopes bind the statement's values, so they are written per statement).
type fromPart struct {
	text  string
	scope *model.Model // non-nil: the scope of this model under alias
	alias string
}

// render writes the FROM clause and the select list once.
func (p *Plan) render() {
	from := sqlw.NewWriter(128)
	from.SQL(p.m.QTable)
	lists := make([]string, 0, len(p.nodes))
	for _, n := range p.nodes {
		if n.inner {
			from.SQL(" INNER JOIN ")
		} else {
			from.SQL(" LEFT JOIN ")
		}
		from.SQL(n.rel.Target.QTable)
		from.SQL(" AS ")
		from.SQL(n.alias)
		from.SQL(" ON ")
		pa := p.parentAlias(n)
		for i, tk := range n.rel.TargetKey {
			if i > 0 {
				from.SQL(" AND ")
			}
			from.SQL(n.alias + "." + tk.Quoted + " = " + pa + "." + n.rel.OwnerKey[i].Quoted)
		}
		if sqlw.Scoped(n.rel.Target) && !p.unscoped {
			// in ON: a LEFT-joined row left out gives a nil relation, not a lost parent
			p.from = append(p.from, fromPart{text: from.String()}, fromPart{scope: n.rel.Target, alias: n.alias})
			from = sqlw.NewWriter(128)
		}
		lists = append(lists, n.rel.Target.QualifiedList(n.path, n.rel.Target.Columns))
	}
	if from.Len() > 0 {
		p.from = append(p.from, fromPart{text: from.String()})
	}
	p.list = strings.Join(lists, ", ")
}

// WriteFrom writes the whole FROM clause: the base table, referenced by its own quoted
// name, and one JOIN per joined relation, e.g.
//
//	"posts" LEFT JOIN "users" AS "Author" ON "Author"."id" = "posts"."author_id"
//
// with each joined model's scope in its ON clause, bound to w's scope values.
func (p *Plan) WriteFrom(w *sqlw.Writer) error {
	for _, part := range p.from {
		if part.scope == nil {
			w.SQL(part.text)
			continue
		}
		if err := sqlw.WriteScope(w, part.scope, part.alias, " AND "); err != nil {
			return err
		}
	}
	return nil
}

// SelectList returns the joined relations' columns qualified by their aliases, in the
// order [Scanner.Dest] scans them; it goes after the base model's columns.
func (p *Plan) SelectList() string { return p.list }

// resolvePath checks that path names relations of the model, joined or not.
func (p *Plan) resolvePath(path string) error {
	cur := p.m
	for _, seg := range strings.Split(path, ".") {
		rel := cur.Relation(seg)
		if rel == nil {
			return relationError(cur, path, seg, "unknown relation")
		}
		cur = rel.Target
	}
	return nil
}

// Column resolves a column reference for conditions and sort keys: "Author.name"
// becomes `"Author"."name"`, "Author.Profile.bio" becomes `"Author.Profile"."bio"`,
// and a name without a dot a column of the base table. The column may be named by
// column or Go field name. A path that is not joined or an unknown column is an error.
func (p *Plan) Column(name string) (string, error) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		c, err := p.m.Column(name)
		if err != nil {
			return "", err
		}
		return c.Qualified, nil
	}
	path, col := name[:i], name[i+1:]
	n, ok := p.byPath[path]
	if !ok {
		if err := p.resolvePath(path); err != nil {
			return "", err
		}
		joined := make([]string, 0, len(p.byPath))
		for k := range p.byPath {
			joined = append(joined, k)
		}
		sort.Strings(joined)
		return "", fmt.Errorf("%q names relation %q, which is not joined (joined: %s): add Join(%q)", name, path, strings.Join(joined, ", "), path)
	}
	c, err := n.rel.Target.Column(col)
	if err != nil {
		return "", fmt.Errorf("%q: %w", name, err)
	}
	return n.alias + "." + c.Quoted, nil
}
