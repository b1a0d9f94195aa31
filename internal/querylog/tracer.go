package querylog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Tracer records statements into the [Log] found in each call's context and keeps
// process-wide totals. Install it with [Install]; one Tracer serves a whole pool and is
// safe for concurrent use.
type Tracer struct {
	statements atomic.Int64
	roundTrips atomic.Int64
	errors     atomic.Int64

	obs Observer // told of batchorm's calls (ops.go); nil: none
}

// Totals is a snapshot of a Tracer's counters since it was made.
type Totals struct {
	// Statements counts data statements (transaction control excluded).
	Statements int64
	// RoundTrips counts round trips, transaction control included.
	RoundTrips int64
	// Errors counts statements and batches that returned an error.
	Errors int64
}

// Totals returns a snapshot of t's counters.
func (t *Tracer) Totals() Totals {
	return Totals{Statements: t.statements.Load(), RoundTrips: t.roundTrips.Load(), Errors: t.errors.Load()}
}

var (
	_ pgx.QueryTracer    = (*Tracer)(nil)
	_ pgx.BatchTracer    = (*Tracer)(nil)
	_ pgx.CopyFromTracer = (*Tracer)(nil)
)

type queryStart struct {
	sql    string
	args   int
	values []any
	start  time.Time
}

type startKey struct{}

// txKey marks, in a context without a log, a statement that is transaction control.
type txKey struct{}

// TraceQueryStart implements pgx.QueryTracer.
func (t *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if g := GuardFrom(ctx); g != nil && uncountedKind(data.SQL) == 0 {
		if r, found := g.observe(data.SQL, data.Args); found {
			if g.cfg.OnReport != nil {
				g.cfg.OnReport(ctx, r)
			}
			if g.cfg.Strict {
				return refusal{Context: ctx, err: fmt.Errorf("%w: %s", ErrNPlusOne, r)}
			}
		}
	}
	if From(ctx) == nil {
		if uncountedKind(data.SQL) != 0 { // so that the totals leave it out of Statements
			return context.WithValue(ctx, txKey{}, true)
		}
		return ctx
	}
	return context.WithValue(ctx, startKey{}, &queryStart{sql: data.SQL, args: len(data.Args), values: data.Args, start: time.Now()})
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *Tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if data.Err != nil && errors.Is(data.Err, ErrNPlusOne) {
		return // refused by a strict Guard: nothing was sent
	}
	t.roundTrips.Add(1)
	if data.Err != nil {
		t.errors.Add(1)
	}
	qs, _ := ctx.Value(startKey{}).(*queryStart)
	if qs == nil {
		// No log, or a query started before the log: count only the totals.
		if ctx.Value(txKey{}) == nil {
			t.statements.Add(1)
		}
		return
	}
	kind := uncountedKind(qs.sql)
	if kind == 0 {
		kind = KindQuery
		t.statements.Add(1)
	}
	From(ctx).record(Entry{SQL: qs.sql, Args: qs.args, Values: qs.values, Rows: data.CommandTag.RowsAffected(),
		Duration: time.Since(qs.start), Kind: kind, Err: data.Err})
}

type batchState struct {
	start   time.Time
	entries []Entry
}

type batchKey struct{}

// TraceBatchStart implements pgx.BatchTracer.
func (t *Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	if From(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, batchKey{}, &batchState{start: time.Now()})
}

// TraceBatchQuery implements pgx.BatchTracer.
func (t *Tracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	kind := uncountedKind(data.SQL) // a COMMIT or position read pipelined by internal/route
	if kind == 0 {
		kind = KindBatch
		t.statements.Add(1)
	}
	if data.Err != nil {
		t.errors.Add(1)
	}
	bs, _ := ctx.Value(batchKey{}).(*batchState)
	if bs == nil {
		return
	}
	bs.entries = append(bs.entries, Entry{SQL: data.SQL, Args: len(data.Args), Values: data.Args, Rows: data.CommandTag.RowsAffected(),
		Kind: kind, Err: data.Err})
}

// TraceBatchEnd implements pgx.BatchTracer.
func (t *Tracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	t.roundTrips.Add(1)
	if data.Err != nil {
		t.errors.Add(1)
	}
	bs, _ := ctx.Value(batchKey{}).(*batchState)
	if bs == nil {
		return
	}
	d := time.Since(bs.start)
	for i := range bs.entries {
		bs.entries[i].Duration = d
	}
	if len(bs.entries) == 0 && data.Err != nil {
		bs.entries = append(bs.entries, Entry{SQL: "-- batch", Kind: KindBatch, Duration: d, Err: data.Err})
	}
	From(ctx).record(bs.entries...)
}

type copyStart struct {
	sql   string
	start time.Time
}

type copyKey struct{}

// TraceCopyFromStart implements pgx.CopyFromTracer.
func (t *Tracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	if From(ctx) == nil {
		return ctx
	}
	sql := fmt.Sprintf("COPY %s (%s) FROM STDIN", data.TableName.Sanitize(), strings.Join(data.ColumnNames, ", "))
	return context.WithValue(ctx, copyKey{}, &copyStart{sql: sql, start: time.Now()})
}

// TraceCopyFromEnd implements pgx.CopyFromTracer.
func (t *Tracer) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromEndData) {
	t.statements.Add(1)
	t.roundTrips.Add(1)
	if data.Err != nil {
		t.errors.Add(1)
	}
	cs, _ := ctx.Value(copyKey{}).(*copyStart)
	if cs == nil {
		return
	}
	n := data.CommandTag.RowsAffected()
	From(ctx).record(Entry{SQL: cs.sql, Args: int(n), Rows: n, Duration: time.Since(cs.start), Kind: KindCopy, Err: data.Err})
}

// Install puts a Tracer on cfg, composed with any tracer already there (the user's
// tracers keep receiving every event), and returns it. A tracer already there that
// is also an [Observer] becomes the new Tracer's observer of batchorm's calls. Installing twice returns the
// Tracer already installed.
func Install(cfg *pgxpool.Config) *Tracer {
	if t := Find(cfg.ConnConfig.Tracer); t != nil {
		return t
	}
	t := &Tracer{obs: findObserver(cfg.ConnConfig.Tracer)}
	if t.obs != nil {
		observing.Add(1)
	}
	switch existing := cfg.ConnConfig.Tracer.(type) {
	case nil:
		cfg.ConnConfig.Tracer = t
	case *multitracer.Tracer:
		m := *existing
		m.QueryTracers = append(append([]pgx.QueryTracer(nil), m.QueryTracers...), t)
		m.BatchTracers = append(append([]pgx.BatchTracer(nil), m.BatchTracers...), t)
		m.CopyFromTracers = append(append([]pgx.CopyFromTracer(nil), m.CopyFromTracers...), t)
		cfg.ConnConfig.Tracer = &m
	default:
		cfg.ConnConfig.Tracer = multitracer.New(existing, t)
	}
	return t
}

// Find returns the Tracer inside tr (itself or a member of a multitracer), or nil.
func Find(tr pgx.QueryTracer) *Tracer {
	switch v := tr.(type) {
	case *Tracer:
		return v
	case *multitracer.Tracer:
		for _, m := range v.QueryTracers {
			if t, ok := m.(*Tracer); ok {
				return t
			}
		}
	}
	return nil
}
