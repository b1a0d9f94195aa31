package bulk_test

import (
	"testing"

	"github.com/batchorm/batchorm/bulk"
)

// TestOps_offAllocatesNothing: with no pool.OpObserver anywhere in the process, a bulk
// call's hook costs an atomic load and allocates nothing, on an orm.DB and on a bare
// pool alike.
func TestOps_offAllocatesNothing(t *testing.T) {
	db := mustDB(t)
	for name, q := range map[string]bulk.Querier{"orm.DB": db, "pool": db.Pool()} {
		if n := bulk.OpHookAllocs(q); n != 0 {
			t.Errorf("%s: the op hook allocates %v times per call with no observer installed; want 0", name, n)
		}
	}
}
