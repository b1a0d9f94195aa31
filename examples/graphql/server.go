package main

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/batchorm/batchorm/examples/graphql/graph"
	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
)

type logKey struct{}

// newServer returns the GraphQL endpoint: each HTTP request gets its own query log
// and dataload scope, and each response carries, in its "batchorm" extension, the
// number of statements and round trips the request cost. wait is the dataload window
// (dataload.WithWait).
func newServer(db *orm.DB, wait time.Duration) (http.Handler, error) {
	res, err := graph.NewResolver(db)
	if err != nil {
		return nil, err
	}
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: res}))
	srv.AddTransport(transport.POST{})
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if log, ok := ctx.Value(logKey{}).(*orm.QueryLog); ok && resp != nil {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["batchorm"] = map[string]int{"statements": log.Statements(), "roundTrips": log.RoundTrips()}
		}
		return resp
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, log := orm.WithQueryLog(r.Context())
		ctx = context.WithValue(ctx, logKey{}, log)
		// The wait lets every resolver of one level of the query ask before the
		// level's statements leave.
		ctx, err := dataload.NewRequest(ctx, db, dataload.WithWait(wait))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		srv.ServeHTTP(w, r.WithContext(ctx))
	}), nil
}
