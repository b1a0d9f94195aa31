// Package box lets a public type of batchorm carry an internal value that only
// batchorm's own packages can read. A public type embeds a Box through an unexported
// alias:
//
//	type box = box.Box[preload.Spec] // the field is named box: unexported
//	type Spec struct{ box }          // loader.Spec shows nothing of it
//
// and an internal package reads the value back with [Get]. Box's method is
// unexported, so no other package can implement or call it: the public API stays the
// public type and its documented methods, with nothing internal in its signatures.
package box

// Box holds a value of type V.
type Box[V any] struct{ v V }

// Of boxes v.
func Of[V any](v V) Box[V] { return Box[V]{v: v} }

func (b Box[V]) boxed() V { return b.v }

// Get returns the value boxed in x (a value of a type embedding a Box[V]), and false
// when x carries none.
func Get[V any](x any) (V, bool) {
	if b, ok := x.(interface{ boxed() V }); ok {
		return b.boxed(), true
	}
	var zero V
	return zero, false
}
