package querylog

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// BenchmarkTraceQuery measures what the guard adds to the tracer's work for one
// statement, without a database: the stack walk to the caller, the argument hash and
// the site's bookkeeping. The statement is traced 7 frames below the first
// frame outside batchorm (slices.SortFunc's, calling back into this package), about
// as deep as orm and pgx trace it below the user's call. Compare guard=true with
// guard=false.
func BenchmarkTraceQuery(b *testing.B) {
	tr := &Tracer{}
	data := pgx.TraceQueryStartData{SQL: `SELECT "users"."id" FROM "users" WHERE "users"."id" = $1`, Args: []any{int64(1)}}
	for _, on := range []bool{false, true} {
		name := "guard=false"
		ctx := context.Background()
		if on {
			name = "guard=true"
			ctx = WithGuard(ctx, NewGuard(GuardConfig{}))
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			pair := []int{2, 1}
			for b.Loop() {
				pair[0], pair[1] = 2, 1
				slices.SortFunc(pair, func(x, y int) int {
					deep(3, func() {
						c := tr.TraceQueryStart(ctx, nil, data)
						tr.TraceQueryEnd(c, nil, pgx.TraceQueryEndData{})
					})
					return x - y
				})
			}
		})
	}
}

//go:noinline
func deep(n int, fn func()) {
	if n == 0 {
		fn()
		return
	}
	deep(n-1, fn)
}

// callSite finds the user's frame below 16 library frames too (the second, deeper
// walk), and says "unknown" when there is none within 64.
func TestCallSite_deepStacks(t *testing.T) {
	site := func(depth int) string {
		var f string
		pair := []int{2, 1}
		slices.SortFunc(pair, func(x, y int) int {
			deep(depth, func() { f = viaObserve().Function })
			return x - y
		})
		return f
	}
	for _, depth := range []int{0, 10, 20, 50} {
		if got := site(depth); !strings.HasPrefix(got, "slices.") {
			t.Errorf("%d library frames deep: call site %q, want slices.SortFunc's frame", depth, got)
		}
	}
	if got := site(80); got != "unknown" {
		t.Errorf("80 library frames deep: call site %q, want unknown", got)
	}
}

// viaObserve calls callSite as Guard.observe does, one frame below the tracer.
//
//go:noinline
func viaObserve() runtime.Frame { return callSite() }
