package orm

import (
	"context"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/querylog"
)

// ormOpKey marks a context inside one of orm's calls, so that a call made by another
// (One and First run All) is not reported again.
type ormOpKey struct{}

// startOp reports the start of the call name on model m (nil for Tx) to the observer
// of db's pool (pool.OpObserver) and returns the context to continue with and the span
// to end. Without an observer it is a nil check and returns ctx and the zero span.
func (db *DB) startOp(ctx context.Context, name string, m *model.Model) (context.Context, querylog.Span) {
	if db == nil || !db.tracer.Observing() || ctx.Value(ormOpKey{}) != nil {
		return ctx, querylog.Span{}
	}
	op := querylog.Op{Name: name}
	if m != nil {
		op.Model, op.Table = m.Name, m.Table
	}
	ctx, span := db.tracer.StartOp(ctx, op)
	return context.WithValue(ctx, ormOpKey{}, true), span
}

// startOp is [DB.startOp] for the Select method call ("Select."+call).
func (q Select[T]) startOp(ctx context.Context, call string) (context.Context, querylog.Span) {
	if q.db == nil || !q.db.tracer.Observing() {
		return ctx, querylog.Span{}
	}
	return q.db.startOp(ctx, "Select."+call, q.m)
}

// oneRow is the row count of a call that returns or writes one row: 1, or 0 on err.
func oneRow(err error) int64 {
	if err != nil {
		return 0
	}
	return 1
}
