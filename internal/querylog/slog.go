package querylog

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Slog logs every statement a pool sends through a *slog.Logger: at Debug, at Warn
// when it took Slow or longer (when Slow > 0), at Error when it failed. Each record
// carries the statement text (one line), its duration, the rows it reported, the
// number of arguments (never their values, which may be secrets) and how it was sent.
// It composes with other tracers through pgx's multitracer.
type Slog struct {
	logger *slog.Logger
	slow   time.Duration
}

// NewSlog returns a statement logger for logger; slow is the Warn threshold (0: none).
func NewSlog(logger *slog.Logger, slow time.Duration) *Slog {
	return &Slog{logger: logger, slow: slow}
}

var (
	_ pgx.QueryTracer    = (*Slog)(nil)
	_ pgx.BatchTracer    = (*Slog)(nil)
	_ pgx.CopyFromTracer = (*Slog)(nil)
)

type slogStart struct {
	sql   string
	args  int
	start time.Time
}

type slogKey struct{}

func (s *Slog) start(ctx context.Context, sql string, args int) context.Context {
	return context.WithValue(ctx, slogKey{}, &slogStart{sql: sql, args: args, start: time.Now()})
}

func (s *Slog) end(ctx context.Context, kind Kind, rows int64, err error) {
	st, _ := ctx.Value(slogKey{}).(*slogStart)
	if st == nil {
		return
	}
	d := time.Since(st.start)
	level := slog.LevelDebug
	msg := "batchorm: statement"
	switch {
	case err != nil:
		level, msg = slog.LevelError, "batchorm: statement failed"
	case s.slow > 0 && d >= s.slow:
		level, msg = slog.LevelWarn, "batchorm: slow statement"
	}
	if !s.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("sql", oneLine(st.sql)), slog.Duration("duration", d), slog.Int64("rows", rows),
		slog.Int("args", st.args), slog.String("kind", kind.String()),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.logger.LogAttrs(ctx, level, msg, attrs...)
}

// TraceQueryStart implements pgx.QueryTracer.
func (s *Slog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return s.start(ctx, data.SQL, len(data.Args))
}

// TraceQueryEnd implements pgx.QueryTracer.
func (s *Slog) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	kind := KindQuery
	if k := uncountedKindOf(ctx); k != 0 {
		kind = k
	}
	s.end(ctx, kind, data.CommandTag.RowsAffected(), data.Err)
}

func uncountedKindOf(ctx context.Context) Kind {
	if st, _ := ctx.Value(slogKey{}).(*slogStart); st != nil {
		return uncountedKind(st.sql)
	}
	return 0
}

// TraceBatchStart implements pgx.BatchTracer: the batch is logged as one record.
func (s *Slog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	n := 0
	if data.Batch != nil {
		n = data.Batch.Len()
	}
	return s.start(ctx, fmt.Sprintf("-- batch of %d statements", n), 0)
}

// TraceBatchQuery implements pgx.BatchTracer: each statement is appended to the record.
func (s *Slog) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	if st, _ := ctx.Value(slogKey{}).(*slogStart); st != nil {
		st.sql += "; " + data.SQL
		st.args += len(data.Args)
	}
}

// TraceBatchEnd implements pgx.BatchTracer.
func (s *Slog) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	s.end(ctx, KindBatch, 0, data.Err)
}

// TraceCopyFromStart implements pgx.CopyFromTracer.
func (s *Slog) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	return s.start(ctx, fmt.Sprintf("COPY %s (%s) FROM STDIN", data.TableName.Sanitize(), strings.Join(data.ColumnNames, ", ")), 0)
}

// TraceCopyFromEnd implements pgx.CopyFromTracer.
func (s *Slog) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromEndData) {
	s.end(ctx, KindCopy, data.CommandTag.RowsAffected(), data.Err)
}
