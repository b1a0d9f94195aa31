package preload

import (
	"reflect"
	"unsafe"
)

// rowBuf holds the rows of one statement: structs of one type in chunks that never
// move, so the address of a row is valid from the moment it is read. A to-one edge
// points its parents at rows where they lie; a to-many edge copies them once into one
// array in their final order ([rowBuf.contiguous]).
type rowBuf struct {
	typ    reflect.Type
	slice  reflect.Type // []typ
	size   uintptr
	hint   int
	chunks []chunk
	n      int // rows in all chunks
}

// chunk is one array of rows: rows [start, start+n) of the buffer, in s[0:n].
type chunk struct {
	s     reflect.Value // []T, len == cap
	base  unsafe.Pointer
	start int
	n     int
}

func newRowBuf(t reflect.Type, hint int) rowBuf {
	return rowBuf{typ: t, slice: reflect.SliceOf(t), size: t.Size(), hint: max(hint, 8)}
}

// add returns the address of a new zero row.
func (b *rowBuf) add() unsafe.Pointer {
	last := len(b.chunks) - 1
	if last < 0 || b.chunks[last].n == b.chunks[last].s.Len() {
		size := b.hint
		if last >= 0 {
			size = 2 * b.chunks[last].s.Len()
		}
		s := reflect.MakeSlice(b.slice, size, size)
		b.chunks = append(b.chunks, chunk{s: s, base: s.UnsafePointer(), start: b.n})
		last++
	}
	c := &b.chunks[last]
	p := unsafe.Add(c.base, uintptr(c.n)*b.size)
	c.n++
	b.n++
	return p
}

// chunkOf returns the chunk holding row i.
func (b *rowBuf) chunkOf(i int) *chunk {
	k := len(b.chunks) - 1
	for b.chunks[k].start > i {
		k--
	}
	return &b.chunks[k]
}

// at returns the address of row i.
func (b *rowBuf) at(i int) unsafe.Pointer {
	c := b.chunkOf(i)
	return unsafe.Add(c.base, uintptr(i-c.start)*b.size)
}

// contiguous returns the rows as one []T: in perm's order (perm[j] is the row at
// position j), or all of them in order when perm is nil. Rows that follow each other
// in a chunk are copied together. Without perm, rows in one chunk are returned as
// they lie.
func (b *rowBuf) contiguous(perm []int32) reflect.Value {
	if perm == nil {
		if len(b.chunks) == 1 {
			return b.chunks[0].s.Slice(0, b.n)
		}
		out := reflect.MakeSlice(b.slice, b.n, b.n)
		for _, c := range b.chunks {
			reflect.Copy(out.Slice(c.start, c.start+c.n), c.s.Slice(0, c.n))
		}
		return out
	}
	out := reflect.MakeSlice(b.slice, len(perm), len(perm))
	for j := 0; j < len(perm); {
		i := int(perm[j])
		c := b.chunkOf(i)
		off := i - c.start
		k := 1
		for j+k < len(perm) && int(perm[j+k]) == i+k && off+k < c.n {
			k++
		}
		if k == 1 {
			out.Index(j).Set(c.s.Index(off))
		} else {
			reflect.Copy(out.Slice(j, j+k), c.s.Slice(off, off+k))
		}
		j += k
	}
	return out
}
