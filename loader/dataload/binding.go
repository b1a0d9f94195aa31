package dataload

import (
	"context"
	"errors"
	"github.com/batchorm/batchorm/internal/sqlw"
	"sync"

	"github.com/vikstrous/dataloadgen"
)

// fetcher is what a loader contributes to a request: the statement for a set of
// distinct keys and the reading of its rows into one value or error per key.
type fetcher[K comparable, V any] interface {
	// prepare returns the statement loading keys (nil when none is needed) and the
	// function giving each key's value or error once the statement has run (err is
	// the statement's error). v are the request's scope values (a tenant id), which
	// the statement binds.
	prepare(keys []K, v sqlw.ScopeValues) (*job, func(err error) ([]V, []error))
}

// binding is one loader in one request: its cache and its coalescer.
type binding[K comparable, V any] struct {
	s  *scope
	st *state
	f  fetcher[K, V]
	dl *dataloadgen.Loader[K, V]

	mu    sync.Mutex
	cache map[K]*entry[V]
}

// entry is a cached load: its result, once its batch has run.
type entry[V any] struct{ get func() (V, error) }

// bind returns the binding of loader id in the request of ctx, making it the first time.
func bind[K comparable, V any](ctx context.Context, id any, f fetcher[K, V]) (*binding[K, V], error) {
	s, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.bindings[id]; ok {
		return b.(*binding[K, V]), nil
	}
	b := &binding[K, V]{s: s, st: &state{}, f: f, cache: map[K]*entry[V]{}}
	// dataloadgen coalesces the keys and closes the batches (window, capacity); the
	// cache is kept here, so that the dispatcher knows which loads open a window.
	b.dl = dataloadgen.NewLoader(b.fetch,
		dataloadgen.WithWait(s.cfg.wait), dataloadgen.WithBatchCapacity(s.cfg.maxBatch), dataloadgen.WithoutCache())
	s.bindings[id] = b
	s.states = append(s.states, b.st)
	return b, nil
}

// fetch is dataloadgen's fetch function: keys are distinct (the cache sends each key
// once). Its context, the first caller's, is not used: the statement runs under the
// request's (see scope).
func (b *binding[K, V]) fetch(_ context.Context, keys []K) ([]V, []error) {
	j, finish := b.f.prepare(keys, sqlw.ScopesFrom(b.s.ctx))
	var err error
	if j != nil {
		err = b.s.run(b.st, len(keys), j)
	} else {
		b.s.skip(b.st, len(keys))
	}
	return finish(err)
}

// load returns the value of key: from the cache, or from the batch the key joins.
// Not-found results are cached; a key whose statement failed is not, so a later load
// asks again.
func (b *binding[K, V]) load(ctx context.Context, key K) (V, error) {
	if err := ctx.Err(); err != nil {
		var zero V
		return zero, err
	}
	b.mu.Lock()
	e := b.entry(ctx, key)
	b.mu.Unlock()
	v, err := b.wait(ctx, e)
	b.forget(key, e, err)
	return v, err
}

// entry returns the cache entry of key, asking dataloadgen for it when there is none
// (the key joins the open batch, or opens one). b.mu is held.
func (b *binding[K, V]) entry(ctx context.Context, key K) *entry[V] {
	e, ok := b.cache[key]
	if !ok {
		b.s.asked(b.st)
		e = &entry[V]{get: b.dl.LoadThunk(ctx, key)}
		b.cache[key] = e
	}
	return e
}

// forget drops e, the entry of key, from the cache when its load failed other than
// with not found.
func (b *binding[K, V]) forget(key K, e *entry[V], err error) {
	if err == nil || errors.Is(err, ErrNotFound) {
		return
	}
	b.mu.Lock()
	if b.cache[key] == e {
		delete(b.cache, key)
	}
	b.mu.Unlock()
}

// wait returns e's result, or ctx's error as soon as ctx is done. A context sharing
// the request's cancellation waits for the batch, whose statement the request's
// context already bounds; another gets a goroutine that waits for it.
func (b *binding[K, V]) wait(ctx context.Context, e *entry[V]) (V, error) {
	done := ctx.Done()
	if done == nil || done == b.s.ctx.Done() {
		return e.get()
	}
	type result struct {
		v   V
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := e.get()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-done:
		var zero V
		return zero, ctx.Err()
	}
}

// loadMany loads keys concurrently, as many goroutines calling load would.
func (b *binding[K, V]) loadMany(ctx context.Context, keys []K) ([]V, error) {
	out := make([]V, len(keys))
	errs := make([]error, len(keys))
	if err := ctx.Err(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, Errors(errs)
	}
	entries := make([]*entry[V], len(keys))
	b.mu.Lock()
	for i, k := range keys {
		entries[i] = b.entry(ctx, k)
	}
	b.mu.Unlock()
	failed := false
	for i, e := range entries {
		out[i], errs[i] = b.wait(ctx, e)
		b.forget(keys[i], e, errs[i])
		failed = failed || errs[i] != nil
	}
	if failed {
		return out, Errors(errs)
	}
	return out, nil
}
