package loader

import "github.com/batchorm/batchorm/internal/model"

// Ref is a to-one relation field (belongs-to or has-one) that records whether it
// was loaded: (nil, false) from Get means not loaded, (nil, true) loaded with no
// related row. A model writes Ref[User] where it would hold *User; [Preload] sets it,
// nested paths included. The same type is orm.Ref, which documents it in full.
type Ref[T any] = model.Ref[T]

// ErrNotLoaded is matched by errors.Is for the error of [Ref]'s OrErr when the
// relation was not loaded. It is the same value as orm.ErrNotLoaded.
var ErrNotLoaded = model.ErrNotLoaded
