package preload

import (
	"database/sql"
	"reflect"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
)

// maxKeyCols is the most columns a composite relation key may have.
const maxKeyCols = 4

// compKey is the map key of a composite relation key: each part normalised by
// model.NormalizeKey, unused parts nil.
type compKey [maxKeyCols]any

// colRef locates one key column: its Go type and its offset in the struct read.
type colRef struct {
	typ reflect.Type
	off uintptr
}

func refs(cols []*model.Column) []colRef {
	out := make([]colRef, len(cols))
	for i, c := range cols {
		out[i] = colRef{typ: c.Type, off: c.Offset}
	}
	return out
}

// keyCodec reads one relation's keys as map keys of type K, on the parents (owner)
// and on the rows loaded (row), and turns the distinct keys into the statement's
// array parameters. Each key type has its own readers so that the common keys
// (integers, strings, UUIDs) are read without reflection or boxing.
type keyCodec[K comparable] struct {
	owner  func(unsafe.Pointer) (K, bool) // false when NULL
	row    func(unsafe.Pointer) (K, bool)
	zero   func(K) bool
	params func([]K) []any // one array per key column
}

// setKeys picks the key type of n's relation and installs the constructor of its
// per-load state.
func (n *node) setKeys() error {
	rel := n.rel
	owner := refs(rel.OwnerKey)
	row := refs(rel.TargetKey)
	if rel.Kind == model.ManyToMany {
		fields := make([]reflect.StructField, len(rel.OwnerKey))
		n.st.link = make([]reflect.Type, len(rel.OwnerKey))
		for i, c := range rel.OwnerKey {
			n.st.link[i] = model.KeyType(c.Type)
			fields[i] = reflect.StructField{Name: "K" + string(rune('0'+i)), Type: n.st.link[i]}
		}
		holder := reflect.StructOf(fields)
		row = make([]colRef, len(fields))
		for i := range row {
			f := holder.Field(i)
			row[i] = colRef{typ: f.Type, off: f.Offset}
		}
		n.st.holder = holder
	}
	if len(owner) > 1 {
		n.newExec = execFor(n, keyCodec[compKey]{
			owner: compositeReader(owner), row: compositeReader(row),
			zero: compositeZero, params: compositeParams(len(owner)),
		})
		return nil
	}
	kt := model.KeyType(rel.OwnerKey[0].Type)
	switch {
	case kt == reflect.TypeFor[int64]():
		n.newExec = execFor(n, keyCodec[int64]{
			owner: intReader(owner[0]), row: intReader(row[0]),
			zero: func(k int64) bool { return k == 0 }, params: oneParam[int64],
		})
	case kt == reflect.TypeFor[string]():
		n.newExec = execFor(n, keyCodec[string]{
			owner: stringReader(owner[0]), row: stringReader(row[0]),
			zero: func(k string) bool { return k == "" }, params: oneParam[string],
		})
	case isByte16(kt):
		n.newExec = execFor(n, keyCodec[[16]byte]{
			owner: uuidReader(owner[0]), row: uuidReader(row[0]),
			zero: func(k [16]byte) bool { return k == [16]byte{} }, params: oneParam[[16]byte],
		})
	case kt.Comparable():
		n.newExec = execFor(n, keyCodec[any]{
			owner: anyReader(owner[0]), row: anyReader(row[0]),
			zero: func(k any) bool { return reflect.ValueOf(k).IsZero() }, params: oneParam[any],
		})
	default:
		return n.unsupported(rel.Owner, rel.OwnerKey[0].Field, "key of Go type %v cannot be compared", rel.OwnerKey[0].Type)
	}
	return nil
}

func oneParam[K any](keys []K) []any { return []any{keys} }

// sampleKeys returns the key parameters for one key of zero values, in the Go types
// Load sends (see setKeys), for planning the statement without parents.
func (n *node) sampleKeys() []any {
	ok := n.rel.OwnerKey
	if len(ok) > 1 {
		out := make([]any, len(ok))
		for i, c := range ok {
			out[i] = []any{reflect.Zero(model.KeyType(c.Type)).Interface()}
		}
		return out
	}
	switch kt := model.KeyType(ok[0].Type); {
	case kt == reflect.TypeFor[int64]():
		return []any{[]int64{0}}
	case kt == reflect.TypeFor[string]():
		return []any{[]string{""}}
	case isByte16(kt):
		return []any{[][16]byte{{}}}
	default:
		return []any{[]any{reflect.Zero(kt).Interface()}}
	}
}

func isByte16(t reflect.Type) bool {
	return t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8
}

// deref wraps read (which reads the value at a pointer) so that it reads through
// a pointer field, reporting NULL for nil.
func deref[K any](c colRef, read func(unsafe.Pointer) K) func(unsafe.Pointer) (K, bool) {
	if c.typ.Kind() == reflect.Pointer {
		return func(p unsafe.Pointer) (K, bool) {
			q := *(*unsafe.Pointer)(unsafe.Add(p, c.off))
			if q == nil {
				var zero K
				return zero, false
			}
			return read(q), true
		}
	}
	return func(p unsafe.Pointer) (K, bool) { return read(unsafe.Add(p, c.off)), true }
}

func intReader(c colRef) func(unsafe.Pointer) (int64, bool) {
	switch c.typ {
	case reflect.TypeFor[sql.NullInt64]():
		return func(p unsafe.Pointer) (int64, bool) {
			v := (*sql.NullInt64)(unsafe.Add(p, c.off))
			return v.Int64, v.Valid
		}
	case reflect.TypeFor[pgtype.Int8]():
		return func(p unsafe.Pointer) (int64, bool) {
			v := (*pgtype.Int8)(unsafe.Add(p, c.off))
			return v.Int64, v.Valid
		}
	case reflect.TypeFor[pgtype.Int4]():
		return func(p unsafe.Pointer) (int64, bool) {
			v := (*pgtype.Int4)(unsafe.Add(p, c.off))
			return int64(v.Int32), v.Valid
		}
	}
	t := c.typ
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var read func(unsafe.Pointer) int64
	switch t.Kind() {
	case reflect.Int:
		read = func(p unsafe.Pointer) int64 { return int64(*(*int)(p)) }
	case reflect.Int64:
		read = func(p unsafe.Pointer) int64 { return *(*int64)(p) }
	case reflect.Int32:
		read = func(p unsafe.Pointer) int64 { return int64(*(*int32)(p)) }
	case reflect.Int16:
		read = func(p unsafe.Pointer) int64 { return int64(*(*int16)(p)) }
	case reflect.Int8:
		read = func(p unsafe.Pointer) int64 { return int64(*(*int8)(p)) }
	case reflect.Uint32:
		read = func(p unsafe.Pointer) int64 { return int64(*(*uint32)(p)) }
	case reflect.Uint16:
		read = func(p unsafe.Pointer) int64 { return int64(*(*uint16)(p)) }
	case reflect.Uint8:
		read = func(p unsafe.Pointer) int64 { return int64(*(*uint8)(p)) }
	default:
		return viaNormalize[int64](c)
	}
	return deref(c, read)
}

func stringReader(c colRef) func(unsafe.Pointer) (string, bool) {
	switch c.typ {
	case reflect.TypeFor[sql.NullString]():
		return func(p unsafe.Pointer) (string, bool) {
			v := (*sql.NullString)(unsafe.Add(p, c.off))
			return v.String, v.Valid
		}
	case reflect.TypeFor[pgtype.Text]():
		return func(p unsafe.Pointer) (string, bool) {
			v := (*pgtype.Text)(unsafe.Add(p, c.off))
			return v.String, v.Valid
		}
	}
	t := c.typ
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.String {
		return viaNormalize[string](c)
	}
	return deref(c, func(p unsafe.Pointer) string { return *(*string)(p) })
}

func uuidReader(c colRef) func(unsafe.Pointer) ([16]byte, bool) {
	if c.typ == reflect.TypeFor[pgtype.UUID]() {
		return func(p unsafe.Pointer) ([16]byte, bool) {
			v := (*pgtype.UUID)(unsafe.Add(p, c.off))
			return v.Bytes, v.Valid
		}
	}
	t := c.typ
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !isByte16(t) {
		generic := anyReader(c)
		return func(p unsafe.Pointer) ([16]byte, bool) {
			k, ok := generic(p)
			if !ok {
				return [16]byte{}, false
			}
			v := reflect.ValueOf(k)
			if !isByte16(v.Type()) {
				return [16]byte{}, false
			}
			var out [16]byte
			reflect.Copy(reflect.ValueOf(out[:]), v)
			return out, true
		}
	}
	return deref(c, func(p unsafe.Pointer) [16]byte { return *(*[16]byte)(p) })
}

// anyReader reads any comparable key through model.NormalizeKey.
func anyReader(c colRef) func(unsafe.Pointer) (any, bool) {
	return func(p unsafe.Pointer) (any, bool) {
		return model.NormalizeKey(reflect.NewAt(c.typ, unsafe.Add(p, c.off)).Elem())
	}
}

// viaNormalize reads a key of a type without a fast path (a driver.Valuer, say) and
// keeps it when it normalises to K.
func viaNormalize[K any](c colRef) func(unsafe.Pointer) (K, bool) {
	generic := anyReader(c)
	return func(p unsafe.Pointer) (K, bool) {
		k, ok := generic(p)
		v, isK := k.(K)
		return v, ok && isK
	}
}

func compositeReader(cs []colRef) func(unsafe.Pointer) (compKey, bool) {
	readers := make([]func(unsafe.Pointer) (any, bool), len(cs))
	for i, c := range cs {
		readers[i] = anyReader(c)
	}
	return func(p unsafe.Pointer) (compKey, bool) {
		var k compKey
		for i, r := range readers {
			v, ok := r(p)
			if !ok {
				return compKey{}, false
			}
			k[i] = v
		}
		return k, true
	}
}

// compositeZero reports whether every part of k is the zero value.
func compositeZero(k compKey) bool {
	for _, v := range k {
		if v != nil && !reflect.ValueOf(v).IsZero() {
			return false
		}
	}
	return true
}

func compositeParams(n int) func([]compKey) []any {
	return func(keys []compKey) []any {
		out := make([]any, n)
		for i := range n {
			col := make([]any, len(keys))
			for j, k := range keys {
				col[j] = k[i]
			}
			out[i] = col
		}
		return out
	}
}
