package pgbouncertest_test

import (
	"testing"

	"github.com/batchorm/batchorm/orm"
)

// reads are the tests that leave the data as they found it. They share one database,
// so that the suite stays fast; each runs as a parallel subtest of TestRead, whose
// cleanup (ormtest's) checks that no connection is left acquired.
var reads = []struct {
	name string
	test func(t *testing.T, db *orm.DB)
}{
	{"Suite_connectsThroughPgBouncer", readSuite_connectsThroughPgBouncer},
	{"RawQueries_exec_manyConnections", readRawQueries_exec_manyConnections},
	{"All_whereAndOrder", readAll_whereAndOrder},
	{"One_foundAndNotFound", readOne_foundAndNotFound},
	{"CountAndExists", readCountAndExists},
	{"Iter_allRowsAndEarlyBreak", readIter_allRowsAndEarlyBreak},
	{"Join_belongsTo", readJoin_belongsTo},
	{"Join_nestedToOne", readJoin_nestedToOne},
	{"Preload_belongsTo", readPreload_belongsTo},
	{"Preload_belongsToSelf_nullableKey", readPreload_belongsToSelf_nullableKey},
	{"Preload_hasOne", readPreload_hasOne},
	{"Preload_hasMany", readPreload_hasMany},
	{"Preload_manyToMany", readPreload_manyToMany},
	{"Preload_nested_threeDepths", readPreload_nested_threeDepths},
	{"PreloadWith_limitPerParent", readPreloadWith_limitPerParent},
	{"Preload_insideTransaction", readPreload_insideTransaction},
	{"Paginate_keysetForwardAndBack", readPaginate_keysetForwardAndBack},
	{"Paginate_withCount_pipelined", readPaginate_withCount_pipelined},
	{"Paginate_withPreload", readPaginate_withPreload},
	{"PaginateOffset_withCount", readPaginateOffset_withCount},
	{"Batches_walkEveryRow", readBatches_walkEveryRow},
	{"Scope_valueFromContext", readScope_valueFromContext},
	{"Dataload_twoLoadersOneRoundTrip", readDataload_twoLoadersOneRoundTrip},
	{"CheckIndexes_throughTransactionPooling", readCheckIndexes_throughTransactionPooling},
}

func TestRead(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			r.test(t, db)
		})
	}
}
