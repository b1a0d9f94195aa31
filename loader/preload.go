package loader

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/box"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/preload"
)

// Querier is what the loader sends its statements on: a single statement with Query,
// the statements of one depth together with SendBatch. *pgxpool.Pool, *pgx.Conn,
// pgx.Tx and *orm.DB satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

var (
	_ Querier = (*pgxpool.Pool)(nil)
	_ Querier = (*pgx.Conn)(nil)
	_ Querier = (pgx.Tx)(nil)
)

// Preload loads the relations on paths ("Posts", "Posts.Comments.Author") into parents,
// a slice of structs or of pointers to structs already in hand: a page, a cache
// entry, the result of raw SQL. It sends one statement per relation edge, the edges of
// one depth together in one round trip, so it costs as many round trips as the deepest
// path has edges, whatever the number of parents. Paths are checked before any
// statement is sent; an unknown relation is a [*RelationError] listing the model's
// relations. Parents whose primary key is zero are an error ([ErrMissingKey]); nil
// elements of a slice of pointers are skipped.
//
// Related rows are shared by parents with equal keys: ten posts by one author point to
// one author struct.
func Preload[T any](ctx context.Context, q Querier, parents []T, paths ...string) error {
	specs := make([]Spec, len(paths))
	for i, p := range paths {
		specs[i] = Path(p)
	}
	return PreloadWith(ctx, q, parents, specs...)
}

// PreloadWith is [Preload] with options on the children of each path, built with
// [Path]:
//
//	err := loader.PreloadWith(ctx, db, users,
//		loader.Path("Posts", loader.OrderBy("-created_at"), loader.Limit(3)),
//		loader.Path("Posts.Tags"))
func PreloadWith[T any](ctx context.Context, q Querier, parents []T, specs ...Spec) error {
	m, err := model.For(reflect.TypeFor[T]())
	if err != nil {
		return fmt.Errorf("loader: %w", err)
	}
	p, err := preload.For(m, unbox(specs)...)
	if err != nil {
		return fmt.Errorf("loader: %w", err)
	}
	if q == nil {
		return errors.New("loader: nil Querier")
	}
	if err := p.Load(ctx, q, parents); err != nil {
		return fmt.Errorf("loader: %w", err)
	}
	return nil
}

// unbox returns the specs the loader's Specs carry.
func unbox(specs []Spec) []preload.Spec {
	out := make([]preload.Spec, len(specs))
	for i, s := range specs {
		out[i], _ = box.Get[preload.Spec](s)
	}
	return out
}
