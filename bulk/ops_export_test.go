package bulk

import (
	"context"
	"testing"

	"github.com/batchorm/batchorm/internal/model"
)

// OpHookAllocs returns the allocations of starting and ending a bulk call's op on q.
func OpHookAllocs(q Querier) float64 {
	m := &model.Model{Name: "probe", Table: "probe"}
	ctx := context.Background()
	return testing.AllocsPerRun(1000, func() {
		c, op := startOp(ctx, q, "Create", m)
		op.End(written(1, c.Err()), nil)
	})
}
