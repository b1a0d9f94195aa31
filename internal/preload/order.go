package preload

import (
	"bytes"
	"cmp"
	"reflect"
	"slices"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
)

// A to-many statement sends no ORDER BY unless the caller asked for an order or a
// Limit: sorting every child of every parent on the server costs more than the
// statement's scan (an external merge on disk for 50,000 rows at the default 4 MB
// work_mem). The promise that each parent's children are in primary-key order is
// kept here instead: rows are grouped by parent slot, then each parent's run is
// checked, and sorted only when it is out of order. This needs a primary key whose Go
// type orders as PostgreSQL does; for other keys the statement keeps its ORDER BY.

// runs follows, as rows are read, where each parent slot's rows fall: how many it
// has, where the first is, whether any slot's rows are interleaved with another's (or
// with rows of no slot), and, for a one-column integer primary key, whether each
// slot's rows came in key order. Reading the key of the row just scanned is cheap;
// reading it again later, from rows spread over memory, is not.
type runs struct {
	count, first []int32
	prev         int32 // slot of the previous row
	scattered    bool
	pk           func(unsafe.Pointer) int64 // nil: key order not followed here
	last         []int64
	unsorted     []bool
	anyUnsorted  bool
}

func (r *runs) init(slots int, pk func(unsafe.Pointer) int64) {
	r.count, r.first, r.prev = make([]int32, slots), make([]int32, slots), -1
	if pk != nil {
		r.pk, r.last, r.unsorted = pk, make([]int64, slots), make([]bool, slots)
	}
}

// add records row i, of slot s, read at p.
func (r *runs) add(i int, s int32, p unsafe.Pointer) {
	if s < 0 {
		r.scattered = true
		return
	}
	c := r.count[s]
	if c == 0 {
		r.first[s] = int32(i)
	} else if s != r.prev {
		r.scattered = true
	}
	r.count[s], r.prev = c+1, s
	if r.pk != nil {
		k := r.pk(p)
		if c > 0 && k < r.last[s] {
			r.unsorted[s], r.anyUnsorted = true, true
		}
		r.last[s] = k
	}
}

// arrange returns, for each slot, the positions [start, end) of its children (start
// -1 when it has none) and perm, the row at each position; perm is nil when every
// position holds the row of the same number, so that the rows need no moving. Each
// slot's rows are contiguous and in arrival order, or in primary-key order when the
// node orders in memory: a slot's rows are sorted only when they came out of order.
func (e *exec[K]) arrange() (start, end, perm []int32) {
	r := &e.runs
	start = make([]int32, len(e.keys))
	end = make([]int32, len(e.keys))
	if r.scattered {
		perm = e.group(start, end)
	} else {
		for s := range start {
			start[s], end[s] = r.first[s], r.first[s]+r.count[s]
		}
	}
	for s := range start {
		if r.count[s] == 0 {
			start[s] = -1
			continue
		}
		if !e.n.inMemory || r.pk != nil && !r.unsorted[s] || r.pk == nil && e.sorted(start[s], end[s], perm) {
			continue
		}
		if perm == nil {
			perm = make([]int32, e.buf.n)
			for i := range perm {
				perm[i] = int32(i)
			}
		}
		run := perm[start[s]:end[s]]
		slices.SortStableFunc(run, func(a, b int32) int { return e.n.pkCmp(e.buf.at(int(a)), e.buf.at(int(b))) })
	}
	return start, end, perm
}

// group returns the rows grouped by slot, in arrival order within a slot, by a stable
// counting sort (rows without a slot are dropped), and fills start and end.
func (e *exec[K]) group(start, end []int32) []int32 {
	next := int32(0)
	for s, c := range e.runs.count {
		start[s], end[s] = next, next+c
		next += c
	}
	perm := make([]int32, next)
	pos := slices.Clone(start)
	for i, s := range e.rslot {
		if s >= 0 {
			perm[pos[s]] = int32(i)
			pos[s]++
		}
	}
	return perm
}

// sorted reports whether the rows at positions [start, end) are in primary-key order.
func (e *exec[K]) sorted(start, end int32, perm []int32) bool {
	row := func(j int32) unsafe.Pointer {
		if perm != nil {
			j = perm[j]
		}
		return e.buf.at(int(j))
	}
	for j := start + 1; j < end; j++ {
		if e.n.pkCmp(row(j-1), row(j)) > 0 {
			return false
		}
	}
	return true
}

// pkInt returns a reader of a one-column integer primary key as int64, or nil.
func pkInt(pk []*model.Column) func(unsafe.Pointer) int64 {
	if len(pk) != 1 {
		return nil
	}
	off := pk[0].Offset
	switch pk[0].Type.Kind() {
	case reflect.Int, reflect.Int64:
		return func(p unsafe.Pointer) int64 { return *(*int64)(unsafe.Add(p, off)) }
	case reflect.Int32:
		return func(p unsafe.Pointer) int64 { return int64(*(*int32)(unsafe.Add(p, off))) }
	case reflect.Int16:
		return func(p unsafe.Pointer) int64 { return int64(*(*int16)(unsafe.Add(p, off))) }
	case reflect.Uint32:
		return func(p unsafe.Pointer) int64 { return int64(*(*uint32)(unsafe.Add(p, off))) }
	}
	return nil
}

// pkCompare returns a function comparing the primary keys of two rows as PostgreSQL
// orders them, column by column, or nil when the model has no primary key or a key
// column's Go type has no such order here. Integers and time.Time order as their SQL
// types; [16]byte and pgtype.UUID as uuid (byte by byte); strings byte by byte, which
// is the C collation's order.
func pkCompare(pk []*model.Column) func(a, b unsafe.Pointer) int {
	if len(pk) == 0 {
		return nil
	}
	cmps := make([]func(a, b unsafe.Pointer) int, len(pk))
	for i, c := range pk {
		if cmps[i] = columnCompare(c.Type, c.Offset); cmps[i] == nil {
			return nil
		}
	}
	if len(cmps) == 1 {
		return cmps[0]
	}
	return func(a, b unsafe.Pointer) int {
		for _, f := range cmps {
			if r := f(a, b); r != 0 {
				return r
			}
		}
		return 0
	}
}

// columnCompare compares the field of type t at offset off of two structs, or is nil.
func columnCompare(t reflect.Type, off uintptr) func(a, b unsafe.Pointer) int {
	switch t {
	case reflect.TypeFor[time.Time]():
		return func(a, b unsafe.Pointer) int {
			return (*time.Time)(unsafe.Add(a, off)).Compare(*(*time.Time)(unsafe.Add(b, off)))
		}
	case reflect.TypeFor[pgtype.UUID]():
		return func(a, b unsafe.Pointer) int {
			return bytes.Compare((*pgtype.UUID)(unsafe.Add(a, off)).Bytes[:], (*pgtype.UUID)(unsafe.Add(b, off)).Bytes[:])
		}
	}
	switch t.Kind() {
	case reflect.Int:
		return ordered[int](off)
	case reflect.Int8:
		return ordered[int8](off)
	case reflect.Int16:
		return ordered[int16](off)
	case reflect.Int32:
		return ordered[int32](off)
	case reflect.Int64:
		return ordered[int64](off)
	case reflect.Uint:
		return ordered[uint](off)
	case reflect.Uint8:
		return ordered[uint8](off)
	case reflect.Uint16:
		return ordered[uint16](off)
	case reflect.Uint32:
		return ordered[uint32](off)
	case reflect.Uint64:
		return ordered[uint64](off)
	case reflect.String:
		return ordered[string](off)
	case reflect.Array:
		if isByte16(t) {
			return func(a, b unsafe.Pointer) int {
				return bytes.Compare((*[16]byte)(unsafe.Add(a, off))[:], (*[16]byte)(unsafe.Add(b, off))[:])
			}
		}
	}
	return nil
}

// ordered compares the fields of type V at offset off.
func ordered[V cmp.Ordered](off uintptr) func(a, b unsafe.Pointer) int {
	return func(a, b unsafe.Pointer) int {
		return cmp.Compare(*(*V)(unsafe.Add(a, off)), *(*V)(unsafe.Add(b, off)))
	}
}
