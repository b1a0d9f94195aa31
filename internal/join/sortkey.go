package join

import (
	"slices"
	"strings"

	"github.com/batchorm/batchorm/internal/model"
)

// Inner reports whether the relation at path is joined INNER, so that every row of the
// query has it (a LEFT-joined path's columns are NULL where the row is absent). A path
// that is not joined is not inner.
func (p *Plan) Inner(path string) bool {
	n, ok := p.byPath[path]
	return ok && n.inner
}

// Position returns the 1-based position of the joined column name ("Author.name", the
// column by its column name) in [Plan.SelectList], or 0 when it is not there. A
// statement's output position adds the base columns selected before it.
func (p *Plan) Position(name string) int {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return 0
	}
	n, ok := p.byPath[name[:i]]
	if !ok {
		return 0
	}
	pos := 0
	for _, x := range p.nodes {
		if x == n {
			cols := n.rel.Target.Columns
			j := slices.IndexFunc(cols, func(c *model.Column) bool { return c.Name == name[i+1:] })
			if j < 0 {
				return 0
			}
			return pos + j + 1
		}
		pos += len(x.rel.Target.Columns)
	}
	return 0
}
