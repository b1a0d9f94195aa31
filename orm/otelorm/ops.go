package otelorm

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/batchorm/batchorm/pool"
)

func endNothing(pool.OpEnd) {}

var internalKind = trace.WithSpanKind(trace.SpanKindInternal)

// StartOp implements [pool.OpObserver]: a span per batchorm call, named by the call and
// its table ("Select.All users", "bulk.Create posts", "Tx") or, for a preload edge, its
// path ("Preload.edge Posts.Comments"). It carries batchorm.operation, batchorm.model,
// db.collection.name, batchorm.preload.path and batchorm.preload.depth for preloads,
// and, at the end, batchorm.rows and the error.
func (t *Tracer) StartOp(ctx context.Context, op pool.Op) (context.Context, func(pool.OpEnd)) {
	name := op.Name
	switch {
	case op.Depth > 0:
		name += " " + op.Path
	case op.Table != "":
		name += " " + op.Table
	}
	ctx, span := t.tracer.Start(ctx, name, internalKind)
	if !span.IsRecording() { // sampled out, or a no-op provider
		return ctx, endNothing // ending a span that does not record does nothing
	}
	attrs := make([]attribute.KeyValue, 0, len(t.attrs)+6)
	attrs = append(attrs, t.attrs...)
	attrs = append(attrs, OperationKey.String(op.Name))
	if op.Model != "" {
		attrs = append(attrs, ModelKey.String(op.Model), semconv.DBCollectionName(op.Table))
	}
	if op.Path != "" {
		attrs = append(attrs, PreloadPathKey.String(op.Path))
	}
	if op.Depth > 0 {
		attrs = append(attrs, PreloadDepthKey.Int(op.Depth))
	}
	span.SetAttributes(attrs...)
	return ctx, func(e pool.OpEnd) {
		if e.Panicked {
			span.SetStatus(codes.Error, "panic")
		} else if e.Err != nil {
			t.recordError(span, e.Err)
		} else if e.Rows >= 0 {
			span.SetAttributes(RowsKey.Int64(e.Rows))
		}
		span.End()
	}
}
