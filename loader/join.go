package loader

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/batchorm/batchorm/internal/model"
)

// JoinSpec is one to-one relation path to load in the parents' own statement:
// "Author", or nested "Author.Profile". Inner asks for INNER JOIN on every edge of the
// path (rows without the related row are left out); the default is LEFT JOIN.
type JoinSpec struct {
	Path  string
	Inner bool
}

// JoinPlan is a validated set of joins for one model: the FROM clause, the joined
// columns and how to scan them. Each joined relation is aliased by its path ("Author",
// "Author.Profile"), so one table can be joined several times (Author and Editor both
// on users). A JoinPlan is immutable and safe for concurrent use.
type JoinPlan struct {
	m      *model.Model
	nodes  []*joinNode // parents before children
	byPath map[string]*joinNode
	from   string
	list   string
}

// joinNode is one joined relation.
type joinNode struct {
	rel    *model.Relation
	path   string
	alias  string // quoted
	parent int    // index of the parent node in JoinPlan.nodes, -1 for the base table
	inner  bool
}

// NewJoinPlan validates specs against m: every segment must name a belongs-to or
// has-one relation. An unknown relation is a [*RelationError] listing the model's
// relations; a to-many relation is a *RelationError that says to preload it instead.
func NewJoinPlan(m *model.Model, specs ...JoinSpec) (*JoinPlan, error) {
	if m == nil {
		return nil, errors.New("loader: NewJoinPlan: nil model")
	}
	p := &JoinPlan{m: m, byPath: map[string]*joinNode{}}
	for _, s := range specs {
		if err := p.add(s); err != nil {
			return nil, err
		}
	}
	p.render()
	return p, nil
}

func (p *JoinPlan) add(s JoinSpec) error {
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
			n = &joinNode{rel: rel, path: path, alias: model.QuoteIdent(path), parent: parent}
			p.byPath[path] = n
			p.nodes = append(p.nodes, n)
		}
		n.inner = n.inner || s.Inner
		parent = p.index(n)
		cur = rel.Target
	}
	return nil
}

func (p *JoinPlan) index(n *joinNode) int {
	for i, x := range p.nodes {
		if x == n {
			return i
		}
	}
	return -1
}

func (p *JoinPlan) parentAlias(n *joinNode) string {
	if n.parent < 0 {
		return p.m.QTable
	}
	return p.nodes[n.parent].alias
}

// render builds the FROM clause and the select list once.
func (p *JoinPlan) render() {
	var from strings.Builder
	from.WriteString(p.m.QTable)
	lists := make([]string, 0, len(p.nodes))
	for _, n := range p.nodes {
		kind := " LEFT JOIN "
		if n.inner {
			kind = " INNER JOIN "
		}
		from.WriteString(kind)
		from.WriteString(n.rel.Target.QTable)
		from.WriteString(" AS ")
		from.WriteString(n.alias)
		from.WriteString(" ON ")
		pa := p.parentAlias(n)
		for i, tk := range n.rel.TargetKey {
			if i > 0 {
				from.WriteString(" AND ")
			}
			fmt.Fprintf(&from, "%s.%s = %s.%s", n.alias, tk.Quoted, pa, n.rel.OwnerKey[i].Quoted)
		}
		lists = append(lists, n.rel.Target.QualifiedList(n.path, n.rel.Target.Columns))
	}
	p.from = from.String()
	p.list = strings.Join(lists, ", ")
}

// From returns the whole FROM clause: the base table, referenced by its own quoted
// name, and one JOIN per joined relation, e.g.
//
//	"posts" LEFT JOIN "users" AS "Author" ON "Author"."id" = "posts"."author_id"
func (p *JoinPlan) From() string { return p.from }

// SelectList returns the joined relations' columns qualified by their aliases, in the
// order [JoinScanner.Dest] scans them; it goes after the base model's columns.
func (p *JoinPlan) SelectList() string { return p.list }

// Paths returns the joined paths, parents before children.
func (p *JoinPlan) Paths() []string {
	out := make([]string, len(p.nodes))
	for i, n := range p.nodes {
		out[i] = n.path
	}
	return out
}

// resolvePath checks that path names relations of the model, joined or not.
func (p *JoinPlan) resolvePath(path string) error {
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

// Column resolves a column reference for Where and OrderBy: "Author.name" becomes
// `"Author"."name"`, "Author.Profile.bio" becomes `"Author.Profile"."bio"`, and a name
// without a dot a column of the base table. The column may be named by column or Go
// field name. A path that is not joined or an unknown column is an error.
func (p *JoinPlan) Column(name string) (string, error) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		c, err := p.m.Column(name)
		if err != nil {
			return "", fmt.Errorf("loader: %w", err)
		}
		return p.m.QTable + "." + c.Quoted, nil
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
		return "", fmt.Errorf("loader: %q names relation %q, which is not joined (joined: %s): add Join(%q)", name, path, strings.Join(joined, ", "), path)
	}
	c, err := n.rel.Target.Column(col)
	if err != nil {
		return "", fmt.Errorf("loader: %q: %w", name, err)
	}
	return n.alias + "." + c.Quoted, nil
}
