package loader

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/jackc/pgx/v5"
)

// exec is the state of one edge during one load, for key type K.
//
// The parents' distinct keys get slots (index: key -> slot); each parent remembers its
// slot (pslot, -1 when it has no key) and each row loaded the slot of its key (rslot).
// Attaching is then slot arithmetic: no nested loops, one map lookup per row.
type exec[K comparable] struct {
	n       *node
	c       *keyCodec[K]
	parents []unsafe.Pointer
	pslot   []int32
	index   map[K]int32
	keys    []K
	buf     rowBuf
	rslot   []int32
}

// execFor returns the constructor of n's per-load state for codec c.
func execFor[K comparable](n *node, c keyCodec[K]) func([]unsafe.Pointer) edgeExec {
	return func(parents []unsafe.Pointer) edgeExec {
		return &exec[K]{n: n, c: &c, parents: parents}
	}
}

func (e *exec[K]) collect() (bool, error) {
	e.pslot = make([]int32, len(e.parents))
	e.index = make(map[K]int32, len(e.parents))
	for i, p := range e.parents {
		k, ok := e.c.owner(p)
		if !ok || e.c.zero(k) {
			if e.n.ownerPK {
				return false, e.missingKey(i)
			}
			e.pslot[i] = -1
			continue
		}
		s, found := e.index[k]
		if !found {
			s = int32(len(e.keys))
			e.index[k] = s
			e.keys = append(e.keys, k)
		}
		e.pslot[i] = s
	}
	return len(e.keys) > 0, nil
}

func (e *exec[K]) missingKey(i int) error {
	rel := e.n.rel
	names := make([]string, len(rel.OwnerKey))
	for j, c := range rel.OwnerKey {
		names[j] = c.Name
	}
	return &FieldError{
		Path: e.n.path, Model: rel.Owner.Name, Field: fieldNames(rel.OwnerKey), Err: ErrMissingKey,
		Reason: fmt.Sprintf("parent %d has no primary key value (zero or NULL); read the parents with their %s column", i, strings.Join(names, ", ")),
	}
}

func (e *exec[K]) args() []any {
	a := slices.Clone(e.n.st.args)
	copy(a, e.c.params(e.keys))
	return a
}

func (e *exec[K]) scan(rows pgx.Rows) error {
	st := &e.n.st
	hint := len(e.keys)
	if e.n.rel.Kind.ToMany() {
		hint *= 2
	}
	e.buf = newRowBuf(e.n.rel.Target.Type, hint)
	nl := len(st.link)
	dest := make([]any, nl+len(st.cols))
	var holder unsafe.Pointer
	if nl > 0 {
		hv := reflect.New(st.holder)
		holder = hv.UnsafePointer()
		for i := range nl {
			dest[i] = hv.Elem().Field(i).Addr().Interface()
		}
	}
	for rows.Next() {
		p := e.buf.add()
		for i, c := range st.cols {
			dest[nl+i] = c.Ptr(p)
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		keyAt := p
		if holder != nil {
			keyAt = holder
		}
		slot := int32(-1)
		if k, ok := e.c.row(keyAt); ok {
			if s, found := e.index[k]; found {
				slot = s
			}
		}
		e.rslot = append(e.rslot, slot)
	}
	return nil
}

func (e *exec[K]) attach() []unsafe.Pointer {
	if e.n.rel.Kind.ToMany() {
		return e.attachMany()
	}
	return e.attachOne()
}

// attachOne points each parent's field at the first row of its key, or nil.
func (e *exec[K]) attachOne() []unsafe.Pointer {
	first := make([]int32, len(e.keys))
	for i := range first {
		first[i] = -1
	}
	var reached []unsafe.Pointer
	for i, s := range e.rslot {
		if s >= 0 && first[s] < 0 {
			first[s] = int32(i)
			reached = append(reached, e.buf.at(i))
		}
	}
	off := e.n.rel.Offset
	for i, p := range e.parents {
		var row unsafe.Pointer
		if s := e.pslot[i]; s >= 0 && first[s] >= 0 {
			row = e.buf.at(int(first[s]))
		}
		*(*unsafe.Pointer)(unsafe.Add(p, off)) = row
	}
	return reached
}

// sliceHeader is the layout of a Go slice.
type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

// emptyBase is the data pointer of the empty, non-nil slices given to parents
// without children.
var emptyBase [1]uintptr

// attachMany sets each parent's slice to its children: a sub-slice (capacity capped,
// so appending copies) of one array holding every row of the statement.
func (e *exec[K]) attachMany() []unsafe.Pointer {
	start, end := e.spans()
	rel := e.n.rel
	data := e.buf.base
	size := e.buf.size
	if rel.ElemPtr {
		ptrs := reflect.MakeSlice(rel.Type, e.buf.n, e.buf.n)
		data, size = ptrs.UnsafePointer(), unsafe.Sizeof(unsafe.Pointer(nil))
		for i := range e.buf.n {
			*(*unsafe.Pointer)(unsafe.Add(data, uintptr(i)*size)) = e.buf.at(i)
		}
	}
	for i, p := range e.parents {
		h := sliceHeader{data: unsafe.Pointer(&emptyBase)}
		if s := e.pslot[i]; s >= 0 && start[s] >= 0 {
			n := int(end[s] - start[s])
			h = sliceHeader{data: unsafe.Add(data, uintptr(start[s])*size), len: n, cap: n}
		}
		*(*sliceHeader)(unsafe.Add(p, rel.Offset)) = h
	}
	reached := make([]unsafe.Pointer, 0, len(e.rslot))
	for i, s := range e.rslot {
		if s >= 0 {
			reached = append(reached, e.buf.at(i))
		}
	}
	return reached
}

// spans returns, per slot, the rows [start, end) of its children, or -1. The statement
// orders the rows by key, so each key's rows are contiguous; if they are not (a
// collation that orders equal keys apart), the rows are regrouped in memory first.
func (e *exec[K]) spans() (start, end []int32) {
	start = make([]int32, len(e.keys))
	end = make([]int32, len(e.keys))
	for i := range start {
		start[i] = -1
	}
	for i, s := range e.rslot {
		switch {
		case s < 0:
		case start[s] < 0:
			start[s], end[s] = int32(i), int32(i+1)
		case end[s] == int32(i):
			end[s]++
		default:
			e.regroup()
			return e.spans()
		}
	}
	return start, end
}

// regroup reorders the rows so that each slot's rows are contiguous, keeping their
// order within a slot, and drops rows without a slot.
func (e *exec[K]) regroup() {
	count := make([]int32, len(e.keys)+1)
	for _, s := range e.rslot {
		if s >= 0 {
			count[s+1]++
		}
	}
	for i := 1; i < len(count); i++ {
		count[i] += count[i-1]
	}
	total := int(count[len(count)-1])
	nb := newRowBuf(e.buf.typ, total)
	nb.s = nb.alloc(total)
	nb.base, nb.n = nb.s.UnsafePointer(), total
	rslot := make([]int32, total)
	for i, s := range e.rslot {
		if s < 0 {
			continue
		}
		j := count[s]
		count[s]++
		nb.s.Index(int(j)).Set(e.buf.s.Index(i))
		rslot[j] = s
	}
	e.buf, e.rslot = nb, rslot
}

// rowBuf is a growable array of structs of one type, addressed by pointer.
type rowBuf struct {
	typ   reflect.Type
	slice reflect.Type
	size  uintptr
	hint  int
	s     reflect.Value // []T with len == cap
	base  unsafe.Pointer
	n     int
}

func newRowBuf(t reflect.Type, hint int) rowBuf {
	return rowBuf{typ: t, slice: reflect.SliceOf(t), size: t.Size(), hint: max(hint, 8)}
}

func (b *rowBuf) alloc(n int) reflect.Value { return reflect.MakeSlice(b.slice, n, n) }

// add returns the address of a new zero row. Addresses handed out earlier are invalid
// after a later add: keep indexes.
func (b *rowBuf) add() unsafe.Pointer {
	if !b.s.IsValid() || b.n == b.s.Len() {
		size := b.hint
		if b.s.IsValid() {
			size = 2 * b.s.Len()
		}
		ns := b.alloc(size)
		if b.s.IsValid() {
			reflect.Copy(ns, b.s)
		}
		b.s, b.base = ns, ns.UnsafePointer()
	}
	p := unsafe.Add(b.base, uintptr(b.n)*b.size)
	b.n++
	return p
}

func (b *rowBuf) at(i int) unsafe.Pointer { return unsafe.Add(b.base, uintptr(i)*b.size) }
