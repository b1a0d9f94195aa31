package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"unsafe"
)

// ErrNotLoaded is returned by [Ref.OrErr] for a relation no Preload or Join has set.
var ErrNotLoaded = errors.New("relation not loaded")

// Ref is a to-one relation field (belongs-to or has-one) that remembers whether it
// was loaded, which a plain *T cannot: nil there means both "not loaded" and "loaded,
// no related row". A model opts in per field, writing Ref[User] where it would write
// *User; the zero Ref is "not loaded". Preload and Join set it (loaded, with the row
// or nil); nothing else does. It costs one bool in the struct and no allocation.
//
// The layout (the pointer first, then the flag) is relied on by the loaders, which
// write the pointer where a *T field would hold it and then set the flag.
type Ref[T any] struct {
	ptr    *T
	loaded bool
}

// Get returns the related row (nil when there is none) and whether the relation was
// loaded: (nil, false) not loaded, (nil, true) loaded and absent, (row, true) loaded.
func (r Ref[T]) Get() (*T, bool) { return r.ptr, r.loaded }

// Ptr returns the related row, or nil when there is none or it was not loaded.
func (r Ref[T]) Ptr() *T { return r.ptr }

// Loaded reports whether a Preload or Join (or Set) has set the relation.
func (r Ref[T]) Loaded() bool { return r.loaded }

// OrErr returns the related row (nil when there is none), or an error wrapping
// ErrNotLoaded when the relation was not loaded.
func (r Ref[T]) OrErr() (*T, error) {
	if !r.loaded {
		return nil, fmt.Errorf("%T: %w", r, ErrNotLoaded)
	}
	return r.ptr, nil
}

// Set marks the relation loaded with row (nil: loaded, no related row), as a
// Preload would.
func (r *Ref[T]) Set(row *T) { r.ptr, r.loaded = row, true }

// Reset marks the relation not loaded again.
func (r *Ref[T]) Reset() { *r = Ref[T]{} }

// MarshalJSON writes the related row, or null when there is none or it was not loaded,
// as a *T field would.
func (r Ref[T]) MarshalJSON() ([]byte, error) { return json.Marshal(r.ptr) }

// UnmarshalJSON reads the related row (null: none) and marks the relation loaded.
func (r *Ref[T]) UnmarshalJSON(b []byte) error {
	var p *T
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	r.Set(p)
	return nil
}

func (Ref[T]) refTarget() reflect.Type { return reflect.TypeFor[T]() }

// refField is what every Ref[T] implements; the unexported method keeps other
// types out.
type refField interface{ refTarget() reflect.Type }

var refFieldType = reflect.TypeFor[refField]()

// refLoadedOffset is where a Ref's flag sits, the same for every T.
const refLoadedOffset = unsafe.Offsetof(Ref[struct{}]{}.loaded)

// RefTarget reports whether t is a Ref[T], and returns T.
func RefTarget(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct || !t.Implements(refFieldType) {
		return nil, false
	}
	return reflect.Zero(t).Interface().(refField).refTarget(), true
}

// One returns the row the to-one relation field of the owner struct at owner points
// to: nil when none is set (a nil *T, or a Ref not loaded or loaded with no row).
func (r *Relation) One(owner unsafe.Pointer) unsafe.Pointer {
	return *(*unsafe.Pointer)(unsafe.Add(owner, r.Offset))
}

// SetOne sets the to-one relation field of the owner struct at owner to the row at
// row (nil: none), marking a Ref field loaded. Preload and Join write to-one fields
// through it.
func (r *Relation) SetOne(owner, row unsafe.Pointer) {
	field := unsafe.Add(owner, r.Offset)
	*(*unsafe.Pointer)(field) = row
	if r.Ref {
		*(*bool)(unsafe.Add(field, refLoadedOffset)) = true
	}
}
