package querylog

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"runtime"
	"strings"
	"sync"
	"time"
)

// ErrNPlusOne is matched by errors.Is for the error a strict [Guard] makes the
// offending statement fail with, before it is sent.
var ErrNPlusOne = errors.New("N+1 queries")

// Report describes one N+1: a statement sent again and again from one place in one
// scope, each time with other arguments (a loop over parents).
type Report struct {
	// SQL is the statement text.
	SQL string
	// Count is the number of distinct argument lists it was sent with from Caller.
	Count int
	// Caller is the file:line of the first caller outside batchorm, and Function its
	// function.
	Caller, Function string
	// Fix names the eager load that replaces the loop, when the statement filters a
	// model by a relation key; "" otherwise.
	Fix string
}

// String renders the report on one line.
func (r Report) String() string {
	s := fmt.Sprintf("N+1 queries: %d× from %s (%s): %s", r.Count, r.Caller, r.Function, oneLine(r.SQL))
	if r.Fix != "" {
		s += "; fix: " + r.Fix
	}
	return s
}

// GuardConfig configures a [Guard].
type GuardConfig struct {
	// Threshold is how many distinct argument lists from one call site make an N+1.
	// Default 2: a loop over two parents is already the pattern.
	Threshold int
	// Strict makes the statement that reaches the threshold fail, unsent, with an
	// error matching ErrNPlusOne. Default: report only.
	Strict bool
	// PollGap is the pause after which a repeat counts as polling, not as a loop:
	// a site whose previous statement is older starts counting again. Default 1 s.
	PollGap time.Duration
	// OnReport is called once per N+1 (statement and call site) when it reaches the
	// threshold. Nil: the reports are only kept (see Guard.Reports).
	OnReport func(ctx context.Context, r Report)
}

// Guard watches the statements of one scope (an HTTP request, a test) for N+1
// queries: the same statement text sent from the same call site with Threshold or
// more distinct argument lists. Repeats with the same arguments (polling, retries)
// do not count, nor do statements batchorm sends for a walk over a table in batches
// ([Unguarded]). It is safe for concurrent use by the goroutines of one scope.
type Guard struct {
	cfg   GuardConfig
	seed  maphash.Seed
	mu    sync.Mutex
	sites map[siteKey]*site
	out   []*site
	epoch int
}

type siteKey struct {
	sql string
	pc  uintptr
}

type site struct {
	key      siteKey
	args     map[uint64]int // argument-list hash -> epoch first seen
	last     time.Time
	reported bool
	caller   string
	function string
}

// NewGuard returns a Guard with cfg's settings (zero fields take their defaults).
func NewGuard(cfg GuardConfig) *Guard {
	if cfg.Threshold < 2 {
		cfg.Threshold = 2
	}
	if cfg.PollGap <= 0 {
		cfg.PollGap = time.Second
	}
	return &Guard{cfg: cfg, seed: maphash.MakeSeed(), sites: map[siteKey]*site{}}
}

type guardKey struct{}
type unguardedKey struct{}

// WithGuard returns a copy of ctx whose statements g watches.
func WithGuard(ctx context.Context, g *Guard) context.Context {
	return context.WithValue(ctx, guardKey{}, g)
}

// GuardFrom returns the Guard watching ctx, or nil.
func GuardFrom(ctx context.Context) *Guard {
	if ctx == nil || ctx.Value(unguardedKey{}) != nil {
		return nil
	}
	g, _ := ctx.Value(guardKey{}).(*Guard)
	return g
}

// Unguarded returns a copy of ctx whose statements no Guard watches: batchorm's own
// walks in batches send one statement text many times, by design.
func Unguarded(ctx context.Context) context.Context {
	return context.WithValue(ctx, unguardedKey{}, true)
}

// Reports returns the N+1s found so far, with their current counts.
func (g *Guard) Reports() []Report {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Report, len(g.out))
	for i, s := range g.out {
		out[i] = s.report()
	}
	return out
}

// BeginAttempt starts a transaction attempt and returns its mark; after a failed
// attempt that is retried, [Guard.Discard] forgets what it sent, so that a retry is not
// taken for a loop.
func (g *Guard) BeginAttempt() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.epoch++
	return g.epoch
}

// Discard forgets the argument lists first seen during the attempt marked epoch.
func (g *Guard) Discard(epoch int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range g.sites {
		for h, e := range s.args {
			if e == epoch {
				delete(s.args, h)
			}
		}
	}
}

// observe records a statement about to be sent and returns the report when this
// statement makes its site an N+1 for the first time.
func (g *Guard) observe(sql string, args []any) (Report, bool) {
	frame := callSite()
	h := g.hashArgs(args)
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	k := siteKey{sql: sql, pc: frame.PC}
	s := g.sites[k]
	if s == nil {
		s = &site{key: k, args: map[uint64]int{}, caller: fmt.Sprintf("%s:%d", frame.File, frame.Line), function: frame.Function}
		g.sites[k] = s
	} else if !s.reported && now.Sub(s.last) > g.cfg.PollGap {
		clear(s.args) // polling: a pause between repeats, not a loop
	}
	s.last = now
	if _, seen := s.args[h]; !seen {
		s.args[h] = g.epoch
	}
	if s.reported || len(s.args) < g.cfg.Threshold {
		return Report{}, false
	}
	s.reported = true
	g.out = append(g.out, s)
	return s.report(), true
}

func (s *site) report() Report {
	return Report{SQL: s.key.sql, Count: len(s.args), Caller: s.caller, Function: s.function, Fix: suggestFix(s.key.sql)}
}

// hashArgs hashes an argument list; lists that print alike hash alike.
func (g *Guard) hashArgs(args []any) uint64 {
	var h maphash.Hash
	h.SetSeed(g.seed)
	for _, a := range args {
		switch v := a.(type) {
		case string:
			h.WriteString(v)
		case int64:
			maphash.WriteComparable(&h, v)
		case int:
			maphash.WriteComparable(&h, v)
		case int32:
			maphash.WriteComparable(&h, v)
		default:
			fmt.Fprintf(&h, "%T:%v", a, a)
		}
		h.WriteByte(0)
	}
	return h.Sum64()
}

// callSite returns the first frame of the calling goroutine that is not inside
// batchorm, pgx or the runtime: where the user's code sent the statement. What each
// program counter resolves to is cached (pcSites), so a statement costs the stack
// walk and a map lookup per frame, not a symbol lookup. The walk, most of the cost,
// reads 12 frames, where the user's frame almost always is (below it: the tracer,
// pgx, a few of batchorm's; 6 to 9 deep in orm's tests), and reads 64 from the top
// only when it is not there.
func callSite() runtime.Frame {
	const skip = 3 // runtime.Callers, callSite, Guard.observe
	var pcs [12]uintptr
	n := runtime.Callers(skip, pcs[:])
	if f, ok := userFrame(pcs[:n]); ok {
		return f
	}
	if n == len(pcs) {
		var more [64]uintptr
		if f, ok := userFrame(more[:runtime.Callers(skip, more[:])]); ok {
			return f
		}
	}
	return runtime.Frame{File: "unknown", Function: "unknown"}
}

// userFrame returns the first frame of pcs outside the libraries.
func userFrame(pcs []uintptr) (runtime.Frame, bool) {
	for _, pc := range pcs {
		if s := pcSiteOf(pc); s.user {
			return s.frame, true
		}
	}
	return runtime.Frame{}, false
}

// pcSite is what one program counter of a stack resolves to: the first frame, among
// those inlined at it, outside the libraries (user), if any.
type pcSite struct {
	frame runtime.Frame
	user  bool
}

// pcSites caches pcSite per program counter; code addresses are finite, so it is
// bounded by the program's size.
var pcSites sync.Map // uintptr → *pcSite

func pcSiteOf(pc uintptr) *pcSite {
	if v, ok := pcSites.Load(pc); ok {
		return v.(*pcSite)
	}
	s := &pcSite{}
	frames := runtime.CallersFrames([]uintptr{pc})
	for {
		f, more := frames.Next()
		if !libraryFunc(f.Function) {
			s.frame, s.user = f, true
			break
		}
		if !more {
			break
		}
	}
	pcSites.Store(pc, s)
	return s
}

// libraryFunc reports whether the function named fn belongs to batchorm (but not to
// its tests and examples), to one of the libraries it calls, or to the runtime.
func libraryFunc(fn string) bool {
	const self = "github.com/batchorm/batchorm/"
	switch {
	case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "github.com/jackc/"),
		strings.HasPrefix(fn, "github.com/Masterminds/"), strings.HasPrefix(fn, "github.com/georgysavva/"),
		strings.HasPrefix(fn, "iter."):
		return true
	case strings.HasPrefix(fn, self):
		rest := fn[len(self):]
		pkg, _, _ := strings.Cut(rest, ".")
		return !strings.HasSuffix(pkg, "_test") && !strings.HasPrefix(rest, "examples/")
	}
	return false
}

// refusal is the context a strict Guard gives pgx for a statement it refuses: already
// done, with an error matching ErrNPlusOne, so pgx fails the call before sending.
type refusal struct {
	context.Context
	err error
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (r refusal) Done() <-chan struct{} { return closed }
func (r refusal) Err() error            { return r.err }
