package join

import (
	"reflect"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
)

// Scanner reads the joined columns of one query's rows; it is the row scanner's
// [scan.Extra]. Make one per query with [Plan.NewScanner]; it is not safe for
// concurrent use.
//
// A LEFT JOIN yields NULL in every joined column when the related row is absent, which
// a Go int64 or string cannot hold. So each joined column of a LEFT-joined relation is
// scanned into a NULL-tolerant holder (pgtype.Int8, pgtype.Text, ...; the field itself
// when its type already holds NULL), and [Scanner.Assign] copies the holders into a
// new struct only when the related row is there. A relation joined INNER is always
// there: its columns are scanned into one scratch struct, copied whole into a new one.
type Scanner struct {
	dest  []any
	nodes []nodeScan
}

var _ scan.Extra = (*Scanner)(nil)

// nodeScan is the scan state of one joined relation.
type nodeScan struct {
	rel     *model.Relation
	parent  int
	typ     reflect.Type
	scratch reflect.Value  // a T receiving the columns that hold NULL themselves (all of them when inner)
	copyAll bool           // some column is scanned into scratch
	holders []fieldHolder  // the other columns
	keys    []keyCheck     // the related key columns: all non-NULL when the row is there
	inner   bool           // INNER JOIN: the row is always there
	cur     unsafe.Pointer // the struct built for the current row, or nil
}

type fieldHolder struct {
	off uintptr
	h   holder
}

// keyCheck tells whether one key column of the current row is NULL.
type keyCheck struct {
	h   holder // nil when the column is scanned into scratch
	col *model.Column
}

// NewScanner returns fresh scan state for one query.
func (p *Plan) NewScanner() *Scanner {
	s := &Scanner{nodes: make([]nodeScan, len(p.nodes))}
	for i, n := range p.nodes {
		t := n.rel.Target
		ns := nodeScan{rel: n.rel, parent: n.parent, typ: t.Type, scratch: reflect.New(t.Type).Elem(), inner: n.inner}
		base := ns.scratch.Addr().UnsafePointer()
		byCol := map[*model.Column]holder{}
		for _, c := range t.Columns {
			if c.Nullable || n.inner {
				s.dest = append(s.dest, c.Ptr(base))
				ns.copyAll = true
				continue
			}
			h := newHolder(c.Type)
			byCol[c] = h
			ns.holders = append(ns.holders, fieldHolder{off: c.Offset, h: h})
			s.dest = append(s.dest, h.dest())
		}
		for _, c := range n.rel.TargetKey {
			ns.keys = append(ns.keys, keyCheck{h: byCol[c], col: c})
		}
		s.nodes[i] = ns
	}
	return s
}

// Dest returns the destinations of the joined columns, in [Plan.SelectList] order, to
// append after the base columns' destinations. They are the same for every row.
func (s *Scanner) Dest() []any { return s.dest }

// Assign builds, after each row's Scan, the joined structs of that row and sets the
// relation fields of the owner struct at base (and of the joined structs, for nested
// paths): a new struct when the related row is there, nil when its key columns are
// NULL.
func (s *Scanner) Assign(base unsafe.Pointer) error {
	for i := range s.nodes {
		ns := &s.nodes[i]
		owner := base
		if ns.parent >= 0 {
			owner = s.nodes[ns.parent].cur
		}
		ns.cur = nil
		if owner == nil {
			continue
		}
		if !ns.inner && !ns.present() {
			ns.rel.SetOne(owner, nil) // a Ref field is marked loaded, with no row
			continue
		}
		v := reflect.New(ns.typ)
		if ns.copyAll {
			v.Elem().Set(ns.scratch)
		}
		p := v.UnsafePointer()
		for _, fh := range ns.holders {
			fh.h.store(unsafe.Add(p, fh.off))
		}
		ns.rel.SetOne(owner, p)
		ns.cur = p
	}
	return nil
}

func (ns *nodeScan) present() bool {
	for _, k := range ns.keys {
		if k.h != nil {
			if k.h.null() {
				return false
			}
		} else if _, ok := k.col.KeyValue(ns.scratch.Addr().UnsafePointer()); !ok {
			return false
		}
	}
	return true
}
