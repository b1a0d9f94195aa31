package dataload_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

var authors = func() *dataload.KeyLoader[Author, int64] {
	l, err := dataload.Key[Author, int64]()
	if err != nil {
		panic(err)
	}
	return l
}()

// TestKeyLoader_Load_thousandGoroutines: 1,000 goroutines, one key each, are served by
// ceil(1000/maxBatch) statements, and each gets what a query for its key alone returns
// (author 7 is soft-deleted: not found either way).
func TestKeyLoader_Load_thousandGoroutines(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	const n, maxBatch = 1000, 100
	got := make([]*Author, n)
	errs := make([]error, n)
	rec := &recorder{q: db}
	log := ormtest.Record(ctx, func(ctx context.Context) {
		rctx := mustRequest(t, ctx, rec, dataload.WithMaxBatch(maxBatch), dataload.WithWait(fillWait))
		runAll(n, func(i int) { got[i], errs[i] = authors.Load(rctx, int64(i+1)) })
	})
	if s := log.Statements(); s > (n+maxBatch-1)/maxBatch {
		t.Errorf("1,000 keys, max batch %d: %d statements, want at most %d\n%s", maxBatch, s, (n+maxBatch-1)/maxBatch, log)
	}
	for _, a := range rec.args {
		if k := len(a[0].([]int64)); k > maxBatch {
			t.Errorf("a statement carries %d keys, more than the max batch %d", k, maxBatch)
		}
	}
	for i := range n {
		want := perKeyAuthor(t, ctx, db, int64(i+1))
		switch {
		case want == nil:
			if !errors.Is(errs[i], pgx.ErrNoRows) || !errors.Is(errs[i], dataload.ErrNotFound) || got[i] != nil {
				t.Errorf("key %d: got %v, %v; want not found", i+1, got[i], errs[i])
			}
		case errs[i] != nil || !reflect.DeepEqual(got[i], want):
			t.Errorf("key %d: got %+v, %v; want %+v", i+1, got[i], errs[i], want)
		}
	}
	if errs[6] == nil {
		t.Error("author 7 is soft-deleted: want not found")
	}
}

// TestKeyLoader_Load_duplicatesAndMissing: a key asked for by many goroutines is sent
// once; keys without a row are not found, each on its own, beside keys that are.
func TestKeyLoader_Load_duplicatesAndMissing(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	keys := []int64{5, 5, 5, 2000, 9, 2000, 5, 3000, 9}
	got := make([]*Author, len(keys))
	errs := make([]error, len(keys))
	rec := &recorder{q: db}
	log := ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		// The batch closes when its four distinct keys are in, not on a timer.
		rctx := mustRequest(t, ctx, rec, dataload.WithMaxBatch(4), dataload.WithWait(fillWait))
		runAll(len(keys), func(i int) { got[i], errs[i] = authors.Load(rctx, keys[i]) })
	})
	if k := rec.keys(); !reflect.DeepEqual(k, []int64{5, 9, 2000, 3000}) {
		t.Errorf("keys sent: %v, want each distinct key once: [5 9 2000 3000]\n%s", k, log)
	}
	for i, k := range keys {
		switch k {
		case 2000, 3000:
			if !errors.Is(errs[i], pgx.ErrNoRows) || got[i] != nil {
				t.Errorf("key %d: got %v, %v; want not found", k, got[i], errs[i])
			}
		default:
			if errs[i] != nil || got[i] == nil || got[i].ID != k {
				t.Errorf("key %d: got %+v, %v", k, got[i], errs[i])
			}
		}
	}
	if got[0] != got[1] {
		t.Error("callers asking for one key must share its row")
	}
}

// TestKeyLoader_Load_cacheHit: a key loaded earlier in the request sends nothing,
// found or not found.
func TestKeyLoader_Load_cacheHit(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	rctx := mustRequest(t, ctx, db, dataload.WithWait(0))
	first := mustAuthor(t, rctx, 3)
	if _, err := authors.Load(rctx, 4000); !errors.Is(err, dataload.ErrNotFound) {
		t.Fatalf("key 4000: %v, want not found", err)
	}
	ormtest.AssertCounts(t, rctx, ormtest.Counts{}, func(ctx context.Context) {
		again := mustAuthor(t, ctx, 3)
		if again != first {
			t.Error("a cached key must give the cached row")
		}
		if _, err := authors.Load(ctx, 4000); !errors.Is(err, dataload.ErrNotFound) {
			t.Errorf("key 4000 again: %v, want not found from the cache", err)
		}
	})
}

// TestKeyLoader_LoadMany: results in key order, per-key errors in an Errors.
func TestKeyLoader_LoadMany(t *testing.T) {
	t.Parallel()
	db, ctx := mustDB(t), mustCtx(t)
	keys := []int64{12, 4000, 11, 12}
	var got []*Author
	var err error
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		// Three distinct keys fill the batch: no timer to meet.
		rctx := mustRequest(t, ctx, db, dataload.WithMaxBatch(3), dataload.WithWait(fillWait))
		got, err = authors.LoadMany(rctx, keys)
	})
	var errs dataload.Errors
	if !errors.As(err, &errs) || len(errs) != 4 || errs[0] != nil || !errors.Is(errs[1], pgx.ErrNoRows) || errs[2] != nil {
		t.Fatalf("LoadMany error: %#v", err)
	}
	if got[0].ID != 12 || got[1] != nil || got[2].ID != 11 || got[3] != got[0] {
		t.Errorf("LoadMany rows: %+v", got)
	}
}

// TestKey_errors: mistakes are typed and found before anything is sent.
func TestKey_errors(t *testing.T) {
	t.Parallel()
	_, err := dataload.Key[Author, int32]()
	var ke *dataload.KeyError
	if !errors.As(err, &ke) || ke.Field != "ID" || ke.Want != reflect.TypeFor[int64]() || ke.Got != reflect.TypeFor[int32]() {
		t.Errorf("Key[Author, int32]: %v, want a *KeyError naming ID, int64 and int32", err)
	}
	if _, err := dataload.Key[int, int](); !errors.Is(err, orm.ErrInvalidModel) {
		t.Errorf("Key[int, int]: %v, want ErrInvalidModel", err)
	}
	if _, err := authors.Load(context.Background(), 1); !errors.Is(err, dataload.ErrNoRequest) {
		t.Errorf("Load without a request: %v, want ErrNoRequest", err)
	}
	if _, err := dataload.NewRequest(context.Background(), nil); err == nil {
		t.Error("NewRequest with a nil Querier: no error")
	}
	if _, err := dataload.NewRequest(context.Background(), mustDB(t), dataload.WithMaxBatch(0)); err == nil {
		t.Error("WithMaxBatch(0): no error")
	}
}
