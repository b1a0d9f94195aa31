package otelorm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/batchorm/batchorm/pool"
)

// ScopeName is the instrumentation scope of the spans a [Tracer] makes.
const ScopeName = "github.com/batchorm/batchorm/orm/otelorm"

// Attribute keys of batchorm's own span attributes (the others follow OpenTelemetry's
// database semantic conventions).
const (
	// OperationKey names a call span's batchorm call ("Select.All", "bulk.Create", …).
	OperationKey = attribute.Key("batchorm.operation")
	// ModelKey is the Go type name of the call's model, with its package.
	ModelKey = attribute.Key("batchorm.model")
	// RowsKey is the number of rows a call returned or wrote (a preload edge: read).
	RowsKey = attribute.Key("batchorm.rows")
	// PreloadPathKey is a preload edge's relation path ("Posts.Comments"), or the
	// paths of a whole preload joined by ", ".
	PreloadPathKey = attribute.Key("batchorm.preload.path")
	// PreloadDepthKey is a preload edge's depth: 1 for the parents' own relations.
	PreloadDepthKey = attribute.Key("batchorm.preload.depth")
	// RowsAffectedKey is the number of rows a statement other than SELECT wrote.
	RowsAffectedKey = attribute.Key("batchorm.rows_affected")
)

// Tracer makes OpenTelemetry spans for a pool's statements and for batchorm's calls.
// Put it in [pool.Config.Tracers] (or on a pgxpool config before [pool.Instrument]):
// it is a pgx QueryTracer, BatchTracer, CopyFromTracer and ConnectTracer, which make
// one span per statement, batch (with a child per statement), COPY and connect, and a
// [pool.OpObserver], which makes one span per batchorm call, parent of the statements
// the call sends. It is safe for concurrent use.
type Tracer struct {
	tracer    trace.Tracer
	attrs     []attribute.KeyValue
	queryText bool
	errorText bool
}

// Option configures [New].
type Option func(*Tracer)

// WithTracerProvider sets the provider spans come from. Default: the global one,
// otel.GetTracerProvider(), read when New is called.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(t *Tracer) {
		if tp != nil {
			t.tracer = tp.Tracer(ScopeName)
		}
	}
}

// WithAttributes adds attrs to every span (a database name, a shard). Default none.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(t *Tracer) { t.attrs = append(t.attrs, attrs...) }
}

// WithoutQueryText leaves the statement text (db.query.text) out of statement spans.
// Default: the text is recorded. Argument values are never recorded: batchorm binds
// every value as a parameter, so the text holds only placeholders ($1, $2).
func WithoutQueryText() Option { return func(t *Tracer) { t.queryText = false } }

// WithErrorText records PostgreSQL's error messages as they are. Default: a message
// of a SQLSTATE class that may quote the input (22 data exception, such as invalid
// input syntax for type integer: "abc"; P0 raised by PL/pgSQL; any class not known to
// name only identifiers) is replaced by "(message withheld)", keeping the SQLSTATE.
func WithErrorText() Option { return func(t *Tracer) { t.errorText = true } }

// New returns a Tracer.
func New(opts ...Option) *Tracer {
	t := &Tracer{queryText: true}
	for _, o := range opts {
		if o != nil {
			o(t)
		}
	}
	if t.tracer == nil {
		t.tracer = otel.GetTracerProvider().Tracer(ScopeName)
	}
	t.attrs = append([]attribute.KeyValue{semconv.DBSystemNamePostgreSQL}, t.attrs...)
	return t
}

var (
	_ pgx.QueryTracer    = (*Tracer)(nil)
	_ pgx.BatchTracer    = (*Tracer)(nil)
	_ pgx.CopyFromTracer = (*Tracer)(nil)
	_ pgx.ConnectTracer  = (*Tracer)(nil)
	_ pool.OpObserver    = (*Tracer)(nil)
)

// spanKey holds, in a statement's context, the span this Tracer started for it (other
// tracers in the chain may start spans of their own).
type spanKey struct{}

type started struct{ span trace.Span }

func (t *Tracer) startStatement(ctx context.Context, name string, attrs ...attribute.KeyValue) context.Context {
	ctx, span := t.tracer.Start(ctx, name, clientKind)
	if !span.IsRecording() { // sampled out, or a no-op provider: nothing to fill in
		return ctx
	}
	span.SetAttributes(t.attrs...)
	span.SetAttributes(attrs...)
	return context.WithValue(ctx, spanKey{}, started{span: span})
}

var clientKind = trace.WithSpanKind(trace.SpanKindClient)

func (t *Tracer) statementAttrs(sql string) []attribute.KeyValue {
	attrs := []attribute.KeyValue{semconv.DBOperationName(operation(sql))}
	if t.queryText {
		attrs = append(attrs, semconv.DBQueryText(sql))
	}
	return attrs
}

// endStatement ends the span started for ctx with the command tag and err.
func (t *Tracer) endStatement(ctx context.Context, tag pgconn.CommandTag, err error) {
	st, ok := ctx.Value(spanKey{}).(started)
	if !ok {
		return
	}
	t.setOutcome(st.span, tag, err)
	st.span.End()
}

func (t *Tracer) setOutcome(span trace.Span, tag pgconn.CommandTag, err error) {
	if err != nil {
		t.recordError(span, err)
		return
	}
	switch {
	case tag.Select():
		span.SetAttributes(semconv.DBResponseReturnedRows(int(tag.RowsAffected())))
	case tag.Insert(), tag.Update(), tag.Delete(), strings.HasPrefix(tag.String(), "COPY"):
		span.SetAttributes(RowsAffectedKey.Int64(tag.RowsAffected()))
	}
}

// safeClasses are the SQLSTATE classes whose messages name identifiers (relations,
// columns, constraints) and never quote values.
var safeClasses = map[string]bool{"08": true, "0A": true, "23": true, "25": true, "28": true,
	"3D": true, "3F": true, "40": true, "42": true, "53": true, "54": true, "55": true, "57": true}

// errText is err's text, with a PostgreSQL message that may quote values withheld
// unless t records error text as is.
func (t *Tracer) errText(err error) string {
	text := err.Error()
	var pe *pgconn.PgError
	if t.errorText || !errors.As(err, &pe) || len(pe.Code) < 2 || safeClasses[pe.Code[:2]] || pe.Message == "" {
		return text
	}
	return strings.ReplaceAll(text, pe.Message, "(message withheld)")
}

func (t *Tracer) recordError(span trace.Span, err error) {
	text := t.errText(err)
	if text == err.Error() {
		span.RecordError(err)
	} else {
		span.RecordError(errors.New(text))
	}
	span.SetStatus(codes.Error, text)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		span.SetAttributes(semconv.DBResponseStatusCode(pe.Code), semconv.ErrorTypeKey.String(pe.Code))
	} else {
		span.SetAttributes(semconv.ErrorTypeOther)
	}
}

// TraceQueryStart implements pgx.QueryTracer: a span per statement, named by its
// operation (SELECT, INSERT, BEGIN, …).
func (t *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	ctx = t.startStatement(ctx, operation(data.SQL))
	if st, ok := ctx.Value(spanKey{}).(started); ok {
		st.span.SetAttributes(t.statementAttrs(data.SQL)...)
	}
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *Tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	t.endStatement(ctx, data.CommandTag, data.Err)
}

// TraceBatchStart implements pgx.BatchTracer: a span "BATCH" for the round trip.
func (t *Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	n := 0
	if data.Batch != nil {
		n = data.Batch.Len()
	}
	return t.startStatement(ctx, "BATCH", semconv.DBOperationName("BATCH"), semconv.DBOperationBatchSize(n))
}

// TraceBatchQuery implements pgx.BatchTracer: a child span of the batch per statement,
// made when its result is read.
func (t *Tracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	if parent, ok := ctx.Value(spanKey{}).(started); ok {
		ctx = trace.ContextWithSpan(ctx, parent.span)
	}
	_, span := t.tracer.Start(ctx, operation(data.SQL), trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(t.attrs...), trace.WithAttributes(t.statementAttrs(data.SQL)...))
	t.setOutcome(span, data.CommandTag, data.Err)
	span.End()
}

// TraceBatchEnd implements pgx.BatchTracer.
func (t *Tracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	t.endStatement(ctx, pgconn.CommandTag{}, data.Err)
}

// TraceCopyFromStart implements pgx.CopyFromTracer: a span "COPY" naming the table.
func (t *Tracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	table := data.TableName.Sanitize()
	attrs := []attribute.KeyValue{semconv.DBOperationName("COPY"), semconv.DBCollectionName(table)}
	if t.queryText {
		attrs = append(attrs, semconv.DBQueryText(fmt.Sprintf("COPY %s (%s) FROM STDIN", table,
			strings.Join(data.ColumnNames, ", "))))
	}
	return t.startStatement(ctx, "COPY "+table, attrs...)
}

// TraceCopyFromEnd implements pgx.CopyFromTracer.
func (t *Tracer) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromEndData) {
	t.endStatement(ctx, data.CommandTag, data.Err)
}

// TraceConnectStart implements pgx.ConnectTracer: a span "connect" with the server's
// address.
func (t *Tracer) TraceConnectStart(ctx context.Context, data pgx.TraceConnectStartData) context.Context {
	var attrs []attribute.KeyValue
	if c := data.ConnConfig; c != nil {
		attrs = append(attrs, semconv.ServerAddress(c.Host), semconv.ServerPort(int(c.Port)))
		if c.Database != "" {
			attrs = append(attrs, semconv.DBNamespace(c.Database))
		}
	}
	return t.startStatement(ctx, "connect", attrs...)
}

// TraceConnectEnd implements pgx.ConnectTracer.
func (t *Tracer) TraceConnectEnd(ctx context.Context, data pgx.TraceConnectEndData) {
	t.endStatement(ctx, pgconn.CommandTag{}, data.Err)
}

// operation returns the first keyword of sql, upper case, after leading space and
// comments ("/* batchorm:catalog */ SELECT …" is SELECT), or "QUERY".
func operation(sql string) string {
	for {
		sql = strings.TrimLeft(sql, " \t\r\n(")
		switch {
		case strings.HasPrefix(sql, "/*"):
			end := strings.Index(sql, "*/")
			if end < 0 {
				return "QUERY"
			}
			sql = sql[end+2:]
			continue
		case strings.HasPrefix(sql, "--"):
			end := strings.IndexByte(sql, '\n')
			if end < 0 {
				return "QUERY"
			}
			sql = sql[end+1:]
			continue
		}
		break
	}
	end := 0
	for end < len(sql) && (sql[end]|0x20 >= 'a' && sql[end]|0x20 <= 'z') {
		end++
	}
	if end == 0 {
		return "QUERY"
	}
	return strings.ToUpper(sql[:end])
}
