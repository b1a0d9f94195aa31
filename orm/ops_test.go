package orm_test

import (
	"testing"

	"github.com/batchorm/batchorm/orm"
)

// TestOps_offAllocatesNothing: without a pool.OpObserver the call hook is a nil check:
// no allocation on any orm entry point (STYLE §5).
func TestOps_offAllocatesNothing(t *testing.T) {
	db := newDB(t)
	if n := orm.OpHookAllocs(db); n != 0 {
		t.Fatalf("the op hook allocates %v times per call with no observer installed; want 0", n)
	}
}
