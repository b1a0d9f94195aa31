package dataload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/batchorm/batchorm/loader"
)

// Querier is what a request's statements are sent on: one statement with Query, the
// statements of several loaders together with SendBatch. *pgxpool.Pool, *pgx.Conn,
// pgx.Tx and *orm.DB satisfy it. It is [loader.Querier].
type Querier = loader.Querier

// Defaults of the request options.
const (
	// DefaultWait is how long a loader collects keys after the first before it sends
	// them (see [WithWait]).
	DefaultWait = time.Millisecond
	// DefaultMaxBatch is the most keys one statement carries (see [WithMaxBatch]).
	DefaultMaxBatch = 1000
)

// ErrNoRequest is returned by a loader's Load when the context carries no request
// scope: make one with [NewRequest] or [Middleware].
var ErrNoRequest = errors.New("dataload: no request in the context: make one with dataload.NewRequest or dataload.Middleware")

// Option configures a request scope, given to [NewRequest] or [Middleware].
type Option func(*config)

type config struct {
	wait     time.Duration
	maxBatch int
	err      error
}

// WithWait sets how long each loader of the request collects keys after the first
// one before it sends them, and how long a loader whose statement is ready waits for
// the other loaders of the request with keys pending, so that their statements share
// one round trip. Default: [DefaultWait] (1 ms). It must not be negative; 0 sends as
// soon as the goroutines asking have been scheduled once.
func WithWait(d time.Duration) Option {
	return func(c *config) {
		if d < 0 && c.err == nil {
			c.err = fmt.Errorf("dataload: WithWait: must not be negative, got %v", d)
		}
		c.wait = d
	}
}

// WithMaxBatch sets the most keys one statement of a loader carries: a loader that has
// collected n keys sends them without waiting for the window to close. Default:
// [DefaultMaxBatch] (1000). It must be positive.
func WithMaxBatch(n int) Option {
	return func(c *config) {
		if n <= 0 && c.err == nil {
			c.err = fmt.Errorf("dataload: WithMaxBatch: must be positive, got %d", n)
		}
		c.maxBatch = n
	}
}

func newConfig(opts []Option) (config, error) {
	c := config{wait: DefaultWait, maxBatch: DefaultMaxBatch}
	for _, o := range opts {
		if o == nil {
			return c, errors.New("dataload: nil Option")
		}
		o(&c)
	}
	return c, c.err
}

// scope is one request: its loaders (each with its cache) and the dispatcher that puts
// the statements of loaders ready together into one round trip.
//
// The scope keeps the context it was made with: a statement carries the keys of many
// callers, so it runs under the request's context (its deadline, its cancellation,
// its query log), never under the context of the first caller.
type scope struct {
	ctx context.Context
	q   Querier
	cfg config

	mu       sync.Mutex
	bindings map[any]any // loader -> its *binding in this request
	states   []*state    // the dispatch state of every binding
	queue    []*job      // statements ready, waiting for the round trip
	gen      uint64      // round number, so a stale timer flushes nothing
	armed    bool        // a timer will flush the queue of round gen
}

type scopeKey struct{}

// NewRequest returns a context carrying a new request scope: the loaders used with it
// (and with contexts derived from it) batch and cache their loads for this request
// only, and send their statements on q under ctx. Make one per request, for one user;
// never share it between requests. Errors: a nil q or an invalid option.
func NewRequest(ctx context.Context, q Querier, opts ...Option) (context.Context, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return ctx, err
	}
	if q == nil {
		return ctx, errors.New("dataload: nil Querier")
	}
	return newScope(ctx, q, cfg), nil
}

func newScope(ctx context.Context, q Querier, cfg config) context.Context {
	s := &scope{q: q, cfg: cfg, bindings: map[any]any{}}
	s.ctx = context.WithValue(ctx, scopeKey{}, s)
	return s.ctx
}

// Middleware returns net/http middleware giving each request its own scope (see
// [NewRequest]) on the request's context. Errors: a nil q or an invalid option.
func Middleware(q Querier, opts ...Option) (func(http.Handler) http.Handler, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if q == nil {
		return nil, errors.New("dataload: nil Querier")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(newScope(r.Context(), q, cfg)))
		})
	}, nil
}

func scopeOf(ctx context.Context) (*scope, error) {
	s, ok := ctx.Value(scopeKey{}).(*scope)
	if !ok {
		return nil, ErrNoRequest
	}
	return s, nil
}
