package preload

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
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
	runs    runs // to-many: where each slot's rows fall
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

// args returns the statement's arguments: the distinct keys, one array per key
// column, then the Where args and the Limit.
func (e *exec[K]) args(v sqlw.ScopeValues) []any {
	a := slices.Clone(e.n.st.args)
	copy(a, e.c.params(e.keys))
	_ = sqlw.FillScopes(a, e.n.st.scopes, v) // checked before the load (checkScopes)
	return a
}

// scan reads every row into the buffer and records the slot of its key; the link keys
// of a many-to-many row are read first, into a holder.
func (e *exec[K]) scan(rows pgx.Rows) error {
	st := &e.n.st
	hint := e.n.hint(len(e.keys))
	e.buf = newRowBuf(e.n.rel.Target.Type, hint)
	e.rslot = make([]int32, 0, hint)
	var lead []any
	var holder unsafe.Pointer
	if st.holder != nil {
		hv := reflect.New(st.holder)
		holder = hv.UnsafePointer()
		for i := range st.link {
			lead = append(lead, hv.Elem().Field(i).Addr().Interface())
		}
	}
	row := scan.NewRow(lead, st.cols, nil)
	many := e.n.rel.Kind.ToMany()
	if many {
		var pk func(unsafe.Pointer) int64
		if e.n.inMemory {
			pk = e.n.pkInt
		}
		e.runs.init(len(e.keys), pk)
	}
	err := scan.Each(rows, func() error {
		p := e.buf.add()
		if err := row.Scan(rows, p); err != nil {
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
		if many {
			e.runs.add(len(e.rslot), slot, p)
		}
		e.rslot = append(e.rslot, slot)
		return nil
	})
	if err == nil {
		e.n.observe(len(e.keys), e.buf.n)
	}
	return err
}

func (e *exec[K]) read() int { return e.buf.n }

func (e *exec[K]) attach() []unsafe.Pointer {
	if e.n.rel.Kind.ToMany() {
		return e.attachMany()
	}
	return e.attachOne()
}

// attachOne points each parent's field at the row of its key, or nil: the first row,
// or for a has-one put in order here, the row with the lowest primary key.
func (e *exec[K]) attachOne() []unsafe.Pointer {
	first := make([]unsafe.Pointer, len(e.keys))
	lowest := e.n.inMemory
	for i, s := range e.rslot {
		if s < 0 {
			continue
		}
		if p := e.buf.at(i); first[s] == nil || lowest && e.n.pkCmp(p, first[s]) < 0 {
			first[s] = p
		}
	}
	reached := make([]unsafe.Pointer, 0, len(first))
	for _, p := range first {
		if p != nil {
			reached = append(reached, p)
		}
	}
	rel := e.n.rel
	for i, p := range e.parents {
		var row unsafe.Pointer
		if s := e.pslot[i]; s >= 0 {
			row = first[s]
		}
		rel.SetOne(p, row) // a Ref field is marked loaded, with a row or none
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
// so appending copies) of one array holding every row of the statement in its final
// order, an array of structs or of pointers to the rows.
func (e *exec[K]) attachMany() []unsafe.Pointer {
	start, end, perm := e.arrange()
	rel := e.n.rel
	var data unsafe.Pointer
	var size uintptr
	var total int
	if rel.ElemPtr {
		total = e.buf.n
		if perm != nil {
			total = len(perm)
		}
		ptrs := reflect.MakeSlice(rel.Type, total, total)
		data, size = ptrs.UnsafePointer(), unsafe.Sizeof(unsafe.Pointer(nil))
		for j := range total {
			row := j
			if perm != nil {
				row = int(perm[j])
			}
			*(*unsafe.Pointer)(unsafe.Add(data, uintptr(j)*size)) = e.buf.at(row)
		}
	} else {
		arr := e.buf.contiguous(perm)
		data, size, total = arr.UnsafePointer(), e.buf.size, arr.Len()
	}
	for i, p := range e.parents {
		h := sliceHeader{data: unsafe.Pointer(&emptyBase)}
		if s := e.pslot[i]; s >= 0 && start[s] >= 0 {
			n := int(end[s] - start[s])
			h = sliceHeader{data: unsafe.Add(data, uintptr(start[s])*size), len: n, cap: n}
		}
		*(*sliceHeader)(unsafe.Add(p, rel.Offset)) = h
	}
	reached := make([]unsafe.Pointer, 0, total)
	for j := range total {
		if perm == nil && e.rslot[j] < 0 {
			continue
		}
		p := unsafe.Add(data, uintptr(j)*size)
		if rel.ElemPtr {
			p = *(*unsafe.Pointer)(p)
		}
		reached = append(reached, p)
	}
	return reached
}
