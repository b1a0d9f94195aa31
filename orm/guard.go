package orm

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/batchorm/batchorm/internal/querylog"
)

// ErrNPlusOne is matched by errors.Is for the error a strict guard ([Strict]) makes
// the statement that completes an N+1 fail with, before it is sent.
var ErrNPlusOne = querylog.ErrNPlusOne

// NPlusOne describes one N+1 found by a guard: a statement sent again and again from
// one place in one scope, each time with other arguments — a loop over parents.
type NPlusOne struct {
	// SQL is the statement text.
	SQL string
	// Count is the number of distinct argument lists it was sent with from Caller.
	Count int
	// Caller is the file:line of the first caller outside batchorm; Function is its
	// function.
	Caller, Function string
	// Fix names the eager load that replaces the loop when the statement reads a
	// model by a relation key (Preload on the parents' query, and the one statement it
	// sends instead), or "".
	Fix string
}

// String renders the report on one line.
func (r NPlusOne) String() string { return querylog.Report(r).String() }

// GuardOption configures [WithGuard] and [GuardRequests].
type GuardOption func(*guardConfig)

type guardConfig struct {
	q      querylog.GuardConfig
	report func(ctx context.Context, r NPlusOne)
	header string
}

// Threshold sets how many distinct argument lists sent from one call site make an
// N+1. Default 2: a loop over two parents is already the pattern. n below 2 is 2.
func Threshold(n int) GuardOption { return func(c *guardConfig) { c.q.Threshold = n } }

// Strict makes the statement that completes an N+1 fail, unsent, with an error
// matching [ErrNPlusOne], so the offending call returns it. Default: report only.
func Strict() GuardOption { return func(c *guardConfig) { c.q.Strict = true } }

// PollGap sets the pause after which a repeated statement counts as polling rather
// than as a loop: a call site whose previous statement is older starts counting
// again. Default: 1 s.
func PollGap(d time.Duration) GuardOption { return func(c *guardConfig) { c.q.PollGap = d } }

// ReportTo sends each N+1, once per statement and call site, to fn instead of the
// default: a warning through slog.Default.
func ReportTo(fn func(ctx context.Context, r NPlusOne)) GuardOption {
	return func(c *guardConfig) { c.report = fn }
}

// StatementsHeader makes [GuardRequests] set the response header name to the number
// of data statements the request sent, counted when the handler writes its header.
// Default: no header.
func StatementsHeader(name string) GuardOption { return func(c *guardConfig) { c.header = name } }

// Guard watches one scope for N+1 queries; see [WithGuard].
type Guard struct{ g *querylog.Guard }

// WithGuard returns a context whose statements are watched for N+1 queries, and the
// guard. An N+1 is one statement text sent from one call site (the first caller
// outside batchorm) with Threshold or more distinct argument lists within the scope:
// a loop that runs a query per parent. Each is reported once, through slog by default
// ([ReportTo]), with the count, the statement, the file:line and, when the statement
// reads a model by a relation key, the Preload that replaces the loop.
//
// Repeats that are not loops stay silent: the same arguments again (polling, a
// retried transaction's statements), the batches of [Select.Batches] and [Select.Each]
// and pages asked for with a cursor (one statement text, many cursors), and the same
// statement from two call sites. Goroutines sharing the context share the scope.
//
// With the guard off (no WithGuard in the context) statements cost nothing more. On,
// each statement costs a stack walk to find its caller, about a microsecond.
func WithGuard(ctx context.Context, opts ...GuardOption) (context.Context, *Guard) {
	c := newGuardConfig(opts)
	g := querylog.NewGuard(c.q)
	return querylog.WithGuard(ctx, g), &Guard{g: g}
}

func newGuardConfig(opts []GuardOption) guardConfig {
	var c guardConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	report := c.report
	if report == nil {
		report = func(ctx context.Context, r NPlusOne) {
			slog.Default().WarnContext(ctx, "batchorm: N+1 queries", "count", r.Count, "caller", r.Caller,
				"function", r.Function, "statement", r.SQL, "fix", r.Fix)
		}
	}
	c.q.OnReport = func(ctx context.Context, r querylog.Report) { report(ctx, NPlusOne(r)) }
	return c
}

// Reports returns the N+1s found so far in the guard's scope, with their counts.
func (g *Guard) Reports() []NPlusOne {
	rs := g.g.Reports()
	out := make([]NPlusOne, len(rs))
	for i, r := range rs {
		out[i] = NPlusOne(r)
	}
	return out
}

// GuardRequests is net/http middleware that watches each request for N+1 queries
// ([WithGuard]) and, with [StatementsHeader], reports the request's statement count
// in a response header.
func GuardRequests(next http.Handler, opts ...GuardOption) http.Handler {
	c := newGuardConfig(opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := querylog.WithGuard(r.Context(), querylog.NewGuard(c.q))
		if c.header == "" {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		ctx, log := querylog.With(ctx)
		cw := &countingWriter{ResponseWriter: w, header: c.header, log: log}
		next.ServeHTTP(cw, r.WithContext(ctx))
		cw.stamp()
	})
}

// countingWriter sets the statement-count header when the handler first writes.
type countingWriter struct {
	http.ResponseWriter
	header string
	log    *querylog.Log
	once   sync.Once
}

func (w *countingWriter) stamp() {
	w.once.Do(func() { w.Header().Set(w.header, strconv.Itoa(w.log.Statements())) })
}

// WriteHeader implements http.ResponseWriter.
func (w *countingWriter) WriteHeader(code int) { w.stamp(); w.ResponseWriter.WriteHeader(code) }

// Write implements http.ResponseWriter.
func (w *countingWriter) Write(b []byte) (int, error) { w.stamp(); return w.ResponseWriter.Write(b) }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
