package keyset

import (
	"context"
	"iter"
)

// Walk drives a batch walk: it calls page for the first batch (after ""), then for
// the batch after each, until a page says no rows follow, yielding each page's items.
// An error, page's or the context's, is yielded once, with a nil batch, and ends the
// walk. Breaking out of the loop stops it.
func Walk[T any](ctx context.Context, page func(ctx context.Context, after string) ([]T, Nav, error)) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		after := ""
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			items, nav, err := page(ctx, after)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(items) > 0 && !yield(items, nil) {
				return
			}
			if !nav.HasNext {
				return
			}
			after = nav.Next
		}
	}
}
