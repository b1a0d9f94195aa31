package querylog

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

type nopObserver struct{}

func (nopObserver) StartOp(ctx context.Context, _ Op) (context.Context, func(OpEnd)) {
	return ctx, func(OpEnd) {}
}

// BenchmarkOps measures the lookup a bulk or loader call on a bare pool makes, on a
// pool without an observer: off (no observer in the process) and elsewhere (another
// pool has one, so the process-wide counter is non-zero). No database: pgxpool
// connects lazily.
func BenchmarkOps(b *testing.B) {
	cfg, err := pgxpool.ParseConfig("postgres://u@localhost:1/db")
	if err != nil {
		b.Fatal(err)
	}
	Install(cfg)
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	run := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if Ops(ctx, p) != nil {
				b.Fatal("an observer on an unobserved pool")
			}
		}
	}
	if AnyObserver() {
		b.Fatal("observer installed before the benchmark")
	}
	b.Run("off", run)
	other, _ := pgxpool.ParseConfig("postgres://u@localhost:1/db")
	other.ConnConfig.Tracer = observerTracer{}
	Install(other)
	if !AnyObserver() {
		b.Fatal("no observer installed")
	}
	b.Run("elsewhere", run)
}

// observerTracer is a pgx tracer that is also an Observer, as otelorm's Tracer is.
type observerTracer struct{ nopObserver }

func (observerTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}
func (observerTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
