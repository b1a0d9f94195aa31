package bulk

import (
	"context"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/querylog"
)

// startOp reports the call "bulk."+call on m to the observer of q's pool, if any (see
// pool.OpObserver), and returns the context to continue with and the span to end.
// Without an observer anywhere in the process it costs one atomic load.
func startOp(ctx context.Context, q Querier, call string, m *model.Model) (context.Context, querylog.Span) {
	t := dbx.Ops(ctx, q)
	if t == nil {
		return ctx, querylog.Span{}
	}
	return t.StartOp(ctx, querylog.Op{Name: "bulk." + call, Model: m.Name, Table: m.Table})
}

// written is the row count of a call that writes n rows: n, or 0 on err.
func written(n int, err error) int64 {
	if err != nil {
		return 0
	}
	return int64(n)
}
