package querylog

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Op describes one of batchorm's calls (a query, a page, a preload, a bulk write, a
// transaction) to an [Observer]. New fields may be added; observers read the ones
// they know.
type Op struct {
	// Name is the call: "Select.All", "Select.Paginate", "Insert", "bulk.Create",
	// "loader.Preload", "Tx", …; "preload" for the preloads of a query and
	// "preload.edge" for one relation edge of a preload.
	Name string
	// Model is the Go type name of the model ("User"); empty for Tx.
	Model string
	// Table is the model's table ("users"); empty for Tx.
	Table string
	// Path is the relation path of a preload edge ("Posts.Comments"), or the paths of a
	// preload call joined by ", "; empty otherwise.
	Path string
	// Depth is a preload edge's depth (1 for the relations of the parents themselves).
	Depth int
}

// OpEnd describes how an [Op] ended.
type OpEnd struct {
	// Rows is the number of rows the call returned or wrote (for a preload edge: the
	// related rows it read), or -1 when no count applies (Count, Exists, Tx).
	Rows int64
	// Err is the error the call returned, if any.
	Err error
	// Panicked reports that the call ended by a panic going through it (from the
	// user's function given to Tx, an Iter loop's body, a column type's Scan); Rows is
	// then -1 and Err nil. The panic goes on after the op has ended.
	Panicked bool
}

// Observer is told when batchorm's calls start and end. StartOp returns the context
// the call continues with (statements it sends carry it, so a tracer can make them
// children of the call) and a function the call runs once when it ends. An Observer
// is installed by being one of a pool's tracers (see [Install]); it must be safe for
// concurrent use.
type Observer interface {
	StartOp(ctx context.Context, op Op) (context.Context, func(OpEnd))
}

// observing counts the Tracers with an Observer: while it is zero, [Ops] returns at
// once, whatever handle it is given.
var observing atomic.Int32

// AnyObserver reports whether any Tracer in the process has an observer.
func AnyObserver() bool { return observing.Load() != 0 }

// Span is a started [Op]; the zero Span (no observer) does nothing.
type Span struct{ end func(OpEnd) }

// End reports the end of the op: rows (-1: not applicable) and err.
func (s Span) End(rows int64, err error) {
	if s.end != nil {
		s.end(OpEnd{Rows: rows, Err: err})
	}
}

// Live reports whether s reports to an observer: call sites recover (and re-panic)
// only then, to end s as panicked ([Span.EndPanicked]).
func (s Span) Live() bool { return s.end != nil }

// EndPanicked reports the end of the op by a panic.
func (s Span) EndPanicked() {
	if s.end != nil {
		s.end(OpEnd{Rows: -1, Panicked: true})
	}
}

// opsKey carries, in the context of a started op, the Tracer that observes it, so that
// the calls it makes (a query's preloads) find it without a handle.
type opsKey struct{}

// Observing reports whether t has an observer: a nil check, for call sites that want
// to skip building an [Op].
func (t *Tracer) Observing() bool { return t != nil && t.obs != nil }

// StartOp starts op on t's observer and returns the context to continue with and the
// Span to end. With no observer (or a nil t) it returns ctx and the zero Span.
func (t *Tracer) StartOp(ctx context.Context, op Op) (context.Context, Span) {
	if t == nil || t.obs == nil {
		return ctx, Span{}
	}
	ctx, end := t.obs.StartOp(ctx, op)
	return context.WithValue(ctx, opsKey{}, t), Span{end: end}
}

// Ops returns the Tracer observing calls made with ctx on q, or nil when none does:
// the one of the op ctx is inside, else the one installed on q's connection config
// (q a *pgxpool.Pool, a pgx.Tx or a *pgx.Conn). Handles that know their Tracer (an
// orm.DB) are found by the caller first. While no Tracer in the process has an
// observer, Ops costs one atomic load.
func Ops(ctx context.Context, q any) *Tracer {
	if observing.Load() == 0 {
		return nil
	}
	if t, _ := ctx.Value(opsKey{}).(*Tracer); t != nil {
		return t
	}
	var t *Tracer
	switch v := q.(type) {
	case *pgxpool.Pool:
		t = poolTracer(v)
	case interface{ Conn() *pgx.Conn }: // pgx.Tx
		if c := v.Conn(); c != nil {
			t = connTracer(c)
		}
	case *pgx.Conn:
		t = connTracer(v)
	}
	if t == nil || t.obs == nil {
		return nil
	}
	return t
}

// pools caches each pool's Tracer: Pool.Config copies the whole config. Entries are
// keyed weakly and dropped when their pool is collected.
var pools sync.Map // weak.Pointer[pgxpool.Pool] → *Tracer (nil when none)

func poolTracer(p *pgxpool.Pool) *Tracer {
	key := weak.Make(p)
	if v, ok := pools.Load(key); ok {
		return v.(*Tracer)
	}
	t := Find(p.Config().ConnConfig.Tracer)
	if _, loaded := pools.LoadOrStore(key, t); !loaded {
		runtime.AddCleanup(p, func(k weak.Pointer[pgxpool.Pool]) { pools.Delete(k) }, key)
	}
	return t
}

// conns caches each connection's Tracer, as pools does: Conn.Config copies the
// config, which a bulk write or a preload on a bare transaction would otherwise pay
// on every call while any pool in the process has an observer.
var conns sync.Map // weak.Pointer[pgx.Conn] → *Tracer (nil when none)

func connTracer(c *pgx.Conn) *Tracer {
	key := weak.Make(c)
	if v, ok := conns.Load(key); ok {
		return v.(*Tracer)
	}
	t := Find(c.Config().Tracer)
	if _, loaded := conns.LoadOrStore(key, t); !loaded {
		runtime.AddCleanup(c, func(k weak.Pointer[pgx.Conn]) { conns.Delete(k) }, key)
	}
	return t
}

// findObserver returns the Observers among tr's members (tr itself or a multitracer's
// query tracers), composed into one, or nil.
func findObserver(tr pgx.QueryTracer) Observer {
	var found []Observer
	add := func(x any) {
		if o, ok := x.(Observer); ok {
			found = append(found, o)
		}
	}
	if m, ok := tr.(*multitracer.Tracer); ok {
		for _, q := range m.QueryTracers {
			add(q)
		}
	} else if tr != nil {
		add(tr)
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
		return found[0]
	}
	return observers(found)
}

// observers tells each of several Observers, in order; each nests in the previous one's
// context.
type observers []Observer

func (os observers) StartOp(ctx context.Context, op Op) (context.Context, func(OpEnd)) {
	ends := make([]func(OpEnd), len(os))
	for i, o := range os {
		ctx, ends[i] = o.StartOp(ctx, op)
	}
	return ctx, func(e OpEnd) {
		for i := len(ends) - 1; i >= 0; i-- {
			if ends[i] != nil {
				ends[i](e)
			}
		}
	}
}
