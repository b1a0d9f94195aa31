package pool

import "github.com/batchorm/batchorm/internal/querylog"

// OpObserver is told when batchorm's calls start and end: queries (Select.All, One,
// First, Count, Exists, Iter, Scan), pages and batches, single-row and where-writes,
// transactions, each Preload and each of its relation edges, and bulk writes. It is
// how a tracing adapter such as orm/otelorm makes a span per call, parent of the
// statements the call sends. Implement its one method:
//
//	StartOp(ctx context.Context, op pool.Op) (context.Context, func(pool.OpEnd))
//
// StartOp returns the context the call continues with (its statements carry it to
// the pool's tracers) and a function the call runs once when it ends.
//
// There is no field to set: a tracer in [Config.Tracers] (or already on a pgxpool
// config given to [Instrument]) that also implements OpObserver is found by type
// assertion when the pool is configured, as pgxpool finds an AcquireTracer. Without
// one, each call pays a nil check (and bulk and loader calls on a bare pool one atomic
// load) and nothing is allocated. It must be safe for concurrent use.
type OpObserver = querylog.Observer

// Op describes one of batchorm's calls to an [OpObserver]: Name ("Select.All",
// "Select.Paginate", "Insert", "Tx", "bulk.Create", "Preload", "Preload.edge", …),
// Model (the Go type name with its package), Table, and for preloads Path (an edge's
// relation path such as "Posts.Comments", or a load's paths joined by ", ") and Depth
// (an edge's depth, 1 for the parents' own relations). Fields may be added.
type Op = querylog.Op

// OpEnd describes how an [Op] ended: Rows, the rows the call returned or wrote (a
// preload edge: the related rows it read; -1 when no count applies: Count, Exists,
// Scan, Tx, a whole Preload), Err, the error the call returned, and Panicked, set
// when a panic went through the call (from Tx's function, an Iter loop's body, a
// column's Scan) and ended it: the function runs once on every way out.
type OpEnd = querylog.OpEnd
