package otelorm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/otelorm"
	"github.com/batchorm/batchorm/pool"
)

func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()

	// In a program: the SDK's provider with an exporter, or the global one.
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := otelorm.New(otelorm.WithTracerProvider(tp))

	db, err := orm.Open(ctx, pool.Config{
		ConnString:  base.Pool().Config().ConnString(),
		Tracers:     []pgx.QueryTracer{tr},
		LazyConnect: true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	users, err := orm.Query[User](db).Preload("Posts.Comments").All(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(users), "users")
	for _, s := range rec.Ended() {
		if s.Name() != "connect" {
			fmt.Println(s.Name())
		}
	}
	// Output:
	// 3 users
	// SELECT
	// SELECT
	// Preload.edge Posts
	// SELECT
	// Preload.edge Posts.Comments
	// Preload users
	// Select.All users
}
