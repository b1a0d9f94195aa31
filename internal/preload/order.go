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

// arrange returns, for each slot, the positions [start, end) of its children (start
// -1 when it has none) and perm, the row at each position; perm is nil when every
// position holds the row of the same number, so that the rows need no moving. Each
// slot's rows are contiguous and in arrival order, or in primary-key order when the
// node orders in memory.
func (e *exec[K]) arrange() (start, end, perm []int32) {
	start = make([]int32, len(e.keys))
	end = make([]int32, len(e.keys))
	if e.inOrder(start, end) {
		return start, end, nil
	}
	// A stable counting sort by slot; rows without a slot are dropped.
	next := make([]int32, len(e.keys)+1)
	for _, s := range e.rslot {
		if s >= 0 {
			next[s+1]++
		}
	}
	for i := 1; i < len(next); i++ {
		next[i] += next[i-1]
	}
	for s := range e.keys {
		start[s], end[s] = next[s], next[s+1]
	}
	perm = make([]int32, next[len(e.keys)])
	for i, s := range e.rslot {
		if s >= 0 {
			perm[next[s]] = int32(i)
			next[s]++
		}
	}
	for s := range e.keys {
		if start[s] == end[s] {
			start[s] = -1
		} else if e.n.inMemory {
			e.sortRun(perm[start[s]:end[s]])
		}
	}
	return start, end, perm
}

// inOrder fills start and end and reports whether the rows already are where arrange
// wants them: each slot's rows contiguous and, when the node orders in memory, in
// primary-key order. It stops at the first row out of place.
func (e *exec[K]) inOrder(start, end []int32) bool {
	for s := range start {
		start[s] = -1
	}
	cmpPK := e.n.pkCmp
	if !e.n.inMemory {
		cmpPK = nil
	}
	var prev unsafe.Pointer
	for ci := range e.buf.chunks {
		c := &e.buf.chunks[ci]
		for k := range c.n {
			i := c.start + k
			s := e.rslot[i]
			p := unsafe.Add(c.base, uintptr(k)*e.buf.size)
			switch {
			case s < 0:
				continue
			case start[s] < 0:
				start[s], end[s] = int32(i), int32(i+1)
			case end[s] == int32(i) && (cmpPK == nil || cmpPK(prev, p) <= 0):
				end[s]++
			default:
				return false
			}
			prev = p
		}
	}
	return true
}

// sortRun puts the rows of one parent in primary-key order, unless they already are.
func (e *exec[K]) sortRun(run []int32) {
	cmpPK := e.n.pkCmp
	sorted := true
	for j := 1; j < len(run) && sorted; j++ {
		sorted = cmpPK(e.buf.at(int(run[j-1])), e.buf.at(int(run[j]))) <= 0
	}
	if !sorted {
		slices.SortStableFunc(run, func(a, b int32) int { return cmpPK(e.buf.at(int(a)), e.buf.at(int(b))) })
	}
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
