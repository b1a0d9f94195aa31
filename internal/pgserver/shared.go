package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// shared is the process-wide server behind Shared, SharedBouncer and StopShared.
var shared = newSharedServer(os.Getenv, nil, nil)

// Shared returns the connection URL of the process-wide server. When DATABASE_URL is
// set and not empty, it is returned as is, and that server is never stopped by this
// package. Otherwise the first call starts a throwaway cluster with [Start], and every
// later call returns its URL. ctx bounds this call (including the start), not the
// server's life. Calls made while a start is in progress share its result; a failed
// start is not cached, so a later call tries again. With neither DATABASE_URL nor
// binaries, Shared returns [ErrNoServer].
//
// The server runs until [StopShared] or the end of the process. Setting DATABASE_URL
// to the returned URL afterwards (so that examples can read it) is fine: StopShared
// still stops the cluster.
func Shared(ctx context.Context) (url string, err error) {
	return shared.url(ctx)
}

// SharedBouncer returns the connection URL of the process-wide PgBouncer, in
// transaction pooling mode in front of the [Shared] server (started first if needed,
// or DATABASE_URL's), with the same user, password and database. The first call
// starts it with [StartBouncer]; later calls return its URL, as with Shared. Without a
// pgbouncer binary it returns [ErrNoBouncer], whether or not DATABASE_URL is set.
//
// The PgBouncer runs until [StopShared] or the end of the process.
func SharedBouncer(ctx context.Context) (url string, err error) {
	return shared.bouncerURL(ctx)
}

// StopShared stops the PgBouncer that [SharedBouncer] started and the cluster that
// [Shared] started, and deletes their files, if this process started them. It is safe
// to call many times, and when none was started. A later Shared or SharedBouncer call
// starts new ones.
func StopShared() error {
	return shared.stop()
}

// sharedServer is a lazily started, restartable server and PgBouncer.
type sharedServer struct {
	getenv      func(string) string
	opts        []Option
	bouncerOpts []BouncerOption

	server  lazy
	bouncer lazy
}

func newSharedServer(getenv func(string) string, opts []Option, bouncerOpts []BouncerOption) *sharedServer {
	return &sharedServer{getenv: getenv, opts: opts, bouncerOpts: bouncerOpts}
}

func (sh *sharedServer) url(ctx context.Context) (string, error) {
	if u := sh.getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	return sh.server.get(ctx, "server", func(ctx context.Context) (process, error) {
		return Start(ctx, sh.opts...)
	})
}

func (sh *sharedServer) bouncerURL(ctx context.Context) (string, error) {
	return sh.bouncer.get(ctx, "PgBouncer", func(ctx context.Context) (process, error) {
		admin, err := sh.url(ctx)
		if err != nil {
			return nil, err
		}
		return StartBouncer(ctx, admin, sh.bouncerOpts...)
	})
}

// stop stops the PgBouncer, then the server.
func (sh *sharedServer) stop() error {
	return errors.Join(sh.bouncer.stop(), sh.server.stop())
}

// runningServer returns the running cluster, or nil.
func (sh *sharedServer) runningServer() *Server {
	s, _ := sh.server.running().(*Server)
	return s
}

// runningBouncer returns the running PgBouncer, or nil.
func (sh *sharedServer) runningBouncer() *Bouncer {
	b, _ := sh.bouncer.running().(*Bouncer)
	return b
}

// process is a started *Server or *Bouncer.
type process interface {
	URL() string
	Stop() error
}

// lazy is a process started on first use and kept until stopped. Concurrent callers
// share one start, as with singleflight.
type lazy struct {
	mu       sync.Mutex
	proc     process    // the running process, or nil
	starting *startCall // the start in progress, or nil
}

// startCall is one start that concurrent callers wait for.
type startCall struct {
	done chan struct{} // closed when url and err are set
	url  string
	err  error
}

// get returns the running process's URL, starting it with start if none runs. what
// names it in errors.
func (l *lazy) get(ctx context.Context, what string, start func(context.Context) (process, error)) (string, error) {
	for {
		l.mu.Lock()
		if p := l.proc; p != nil {
			l.mu.Unlock()
			return p.URL(), nil
		}
		c := l.starting
		if c == nil {
			c = &startCall{done: make(chan struct{})}
			l.starting = c
			l.mu.Unlock()
			l.lead(ctx, c, start)
			return c.url, c.err
		}
		l.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return "", fmt.Errorf("pgserver: waiting for the shared %s to start: %w", what, ctx.Err())
		}
		// A start that failed only because its caller's context ended is retried under ours.
		if c.err == nil || !isContextErr(c.err) {
			return c.url, c.err
		}
	}
}

// lead runs c, the start this caller leads.
func (l *lazy) lead(ctx context.Context, c *startCall, start func(context.Context) (process, error)) {
	p, err := start(ctx)
	l.mu.Lock()
	if err == nil {
		l.proc = p
		c.url = p.URL()
	}
	c.err = err
	l.starting = nil
	l.mu.Unlock()
	close(c.done)
}

// stop waits for a start in progress, then stops the process if there is one.
func (l *lazy) stop() error {
	for {
		l.mu.Lock()
		if c := l.starting; c != nil {
			l.mu.Unlock()
			<-c.done
			continue
		}
		p := l.proc
		l.proc = nil
		l.mu.Unlock()
		if p == nil {
			return nil
		}
		return p.Stop()
	}
}

// running returns the running process, or nil.
func (l *lazy) running() process {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.proc
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
