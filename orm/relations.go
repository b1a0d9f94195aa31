package orm

import (
	"slices"

	"github.com/batchorm/batchorm/internal/box"
	"github.com/batchorm/batchorm/internal/join"
	"github.com/batchorm/batchorm/internal/preload"
	"github.com/batchorm/batchorm/loader"
)

// Preload loads the relations on the given paths ("Posts", "Posts.Comments.Author")
// after the main query, with one WHERE key = ANY($1) statement per relation edge
// (selectin style); edges at the same depth go out together in one round trip. So
// All costs 1 + depth round trips whatever the number of rows. Paths are checked
// against the model before any statement is sent; an unknown relation is a
// [RelationError] listing the model's relations.
func (q Select[T]) Preload(paths ...string) Select[T] {
	q.preloads = slices.Grow(slices.Clip(q.preloads), len(paths))
	for _, p := range paths {
		q.preloads = append(q.preloads, preload.Spec{Path: p})
	}
	return q
}

// PreloadWith is [Select.Preload] with conditions on the children, built with
// [loader.Path]:
//
//	orm.Query[User](db).PreloadWith(loader.Path("Posts", loader.OrderBy("-created_at"), loader.Limit(3)))
func (q Select[T]) PreloadWith(specs ...loader.Spec) Select[T] {
	q.preloads = slices.Grow(slices.Clip(q.preloads), len(specs))
	for _, s := range specs {
		ps, _ := box.Get[preload.Spec](s)
		q.preloads = append(q.preloads, ps)
	}
	return q
}

// Join loads to-one relations (belongs-to, has-one) in the same statement with LEFT
// JOIN (joined style): the nested struct pointer is nil when there is no related row.
// Nested to-one paths work ("Author.Profile"). Joined columns can be used in Where
// conditions and OrderBy as "Author.name". Joining a to-many relation is an error that
// says to Preload it.
func (q Select[T]) Join(paths ...string) Select[T] {
	for _, p := range paths {
		q.joins = append(slices.Clip(q.joins), join.Spec{Path: p})
	}
	return q
}

// InnerJoin is [Select.Join] with INNER JOIN: rows without the related row are left out.
func (q Select[T]) InnerJoin(paths ...string) Select[T] {
	for _, p := range paths {
		q.joins = append(slices.Clip(q.joins), join.Spec{Path: p, Inner: true})
	}
	return q
}
