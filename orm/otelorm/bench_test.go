package otelorm_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/otelorm"
	"github.com/batchorm/batchorm/pool"
)

// BenchmarkQueryAll measures a one-row Select.All on a pool without otelorm (base),
// with otelorm on a no-op provider (spans not recorded), with otelorm on the SDK
// recording every span (dropped at the end: no exporter), and the hand-written pgx twin
// on the base pool.
func BenchmarkQueryAll(b *testing.B) {
	base := ormtest.New(b, ormtest.Schema(schema))
	connString := base.Pool().Config().ConnString()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	withTracer := func(b *testing.B, tr *otelorm.Tracer) *orm.DB {
		p, err := pool.New(ctx, pool.Config{ConnString: connString, Tracers: []pgx.QueryTracer{tr}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(p.Close)
		db, err := orm.New(p)
		if err != nil {
			b.Fatal(err)
		}
		return db
	}
	run := func(b *testing.B, db *orm.DB) {
		q := orm.Query[User](db).Where(orm.Eq{"id": 1})
		ctx, log := orm.WithQueryLog(ctx)
		b.ReportAllocs()
		for b.Loop() {
			users, err := q.All(ctx)
			if err != nil || len(users) != 1 {
				b.Fatalf("got %d rows, %v", len(users), err)
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	}
	b.Run("rows=1/batchorm", func(b *testing.B) { run(b, base) })
	b.Run("rows=1/batchorm+otel-noop", func(b *testing.B) {
		run(b, withTracer(b, otelorm.New(otelorm.WithTracerProvider(noop.NewTracerProvider()))))
	})
	b.Run("rows=1/batchorm+otel-sdk", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
		run(b, withTracer(b, otelorm.New(otelorm.WithTracerProvider(tp))))
	})
	b.Run("rows=1/pgx", func(b *testing.B) {
		p := base.Pool()
		ctx, log := orm.WithQueryLog(ctx)
		const sqlText = `SELECT "users"."id", "users"."name" FROM "users" WHERE "users"."id" = $1`
		b.ReportAllocs()
		for b.Loop() {
			rows, err := p.Query(ctx, sqlText, 1)
			if err != nil {
				b.Fatal(err)
			}
			var users []User
			for rows.Next() {
				var u User
				if err := rows.Scan(&u.ID, &u.Name); err != nil {
					b.Fatal(err)
				}
				users = append(users, u)
			}
			if rows.Err() != nil || len(users) != 1 {
				b.Fatalf("got %d rows, %v", len(users), rows.Err())
			}
		}
		b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
	})
}
