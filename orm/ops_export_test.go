package orm

import (
	"context"
	"testing"
)

type opProbe struct {
	ID   int64
	Name string
}

// OpHookAllocs returns the allocations of starting and ending the op of a Select call
// and of a DB call on db, as every orm entry point does.
func OpHookAllocs(db *DB) float64 {
	q := Query[opProbe](db)
	ctx := context.Background()
	return testing.AllocsPerRun(1000, func() {
		c, op := q.startOp(ctx, "All")
		c, op2 := db.startOp(c, "Tx", nil)
		op2.End(-1, nil)
		op.End(1, c.Err())
	})
}
