package orm

import "github.com/batchorm/batchorm/internal/model"

// Ref is a to-one relation field (belongs-to or has-one) that tells "not loaded"
// from "loaded, no related row", which a *T field cannot: nil means both. Write
// Ref[User] where the model would hold *User; nothing else about the model changes:
//
//	type Post struct {
//		ID       int64
//		AuthorID *int64
//		Author   orm.Ref[User] `orm:"belongs-to"`
//	}
//
//	author, loaded := post.Author.Get() // (nil, false) not loaded, (nil, true) none, (u, true) loaded
//
// Methods: Get, Ptr (the row or nil), Loaded, OrErr (an error matching
// [ErrNotLoaded] when not loaded), Set and Reset; it marshals to JSON as the *T
// would. Select.Preload and Select.Join set it, nested paths included, and so
// does loader.Preload; the zero Ref is "not loaded". It costs one bool per field
// and no allocation; models keeping *T fields are untouched. The same type is
// loader.Ref.
type Ref[T any] = model.Ref[T]

// ErrNotLoaded is matched by errors.Is for the error of [Ref]'s OrErr when the
// relation was not loaded.
var ErrNotLoaded = model.ErrNotLoaded
