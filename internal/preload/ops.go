package preload

import (
	"context"
	"strings"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// startLoad reports a load of p to the observer of q's pool, if any (see
// querylog.Observer): one op "Preload" on the parents' model naming every path.
func (p *Plan) startLoad(ctx context.Context, q scan.Querier) (context.Context, querylog.Span) {
	t := dbx.Ops(ctx, q)
	if t == nil {
		return ctx, querylog.Span{}
	}
	paths := make([]string, 0, len(p.all))
	for _, n := range p.all {
		if len(n.children) == 0 { // the leaves name every path
			paths = append(paths, n.path)
		}
	}
	return t.StartOp(ctx, querylog.Op{Name: "Preload", Model: p.m.Name, Table: p.m.Table,
		Path: strings.Join(paths, ", ")})
}

// startEdges starts an op "Preload.edge" per live edge of level, carrying its path and
// depth, when q's pool has an observer. With one live edge the context returned is
// that edge's, so its statement is the edge's child; the edges of a batch share the
// batch, which stays a child of the load.
func startEdges(ctx context.Context, q scan.Querier, level []task, live []int) (context.Context, []querylog.Span) {
	t := dbx.Ops(ctx, q)
	if t == nil || len(live) == 0 {
		return ctx, nil
	}
	spans := make([]querylog.Span, len(live))
	sendCtx := ctx
	for j, i := range live {
		n := level[i].n
		c, s := t.StartOp(ctx, querylog.Op{Name: "Preload.edge", Model: n.rel.Target.Name,
			Table: n.rel.Target.Table, Path: n.path, Depth: n.depth})
		spans[j] = s
		if len(live) == 1 {
			sendCtx = c
		}
	}
	return sendCtx, spans
}

// sendTraced is [send] inside a span per live edge when q's pool has an observer; the
// spans end also when a column's Scan panics.
func sendTraced(ctx context.Context, q scan.Querier, level []task, execs []edgeExec, live []int, v sqlw.ScopeValues) (err error) {
	sendCtx, spans := startEdges(ctx, q, level, live)
	if spans == nil {
		return send(ctx, q, level, execs, live, v)
	}
	defer func() {
		if p := recover(); p != nil {
			for _, s := range spans {
				s.EndPanicked()
			}
			panic(p)
		}
		endEdges(spans, execs, live, err)
	}()
	return send(sendCtx, q, level, execs, live, v)
}

// endEdges ends the spans of startEdges with the rows each edge read and err.
func endEdges(spans []querylog.Span, execs []edgeExec, live []int, err error) {
	for j, i := range live[:len(spans)] {
		spans[j].End(int64(execs[i].read()), err)
	}
}
