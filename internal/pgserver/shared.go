package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
)

// shared is the process-wide server behind Shared and StopShared.
var shared = newSharedServer(os.Getenv)

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

// StopShared stops the cluster that [Shared] started and deletes its data, if this
// process started one. It is safe to call many times, and when none was started. A
// later Shared call starts a new cluster.
func StopShared() error {
	return shared.stop()
}

// sharedServer is a lazily started, restartable server. Concurrent callers share one
// start, as with singleflight.
type sharedServer struct {
	getenv func(string) string
	opts   []Option

	mu       sync.Mutex
	srv      *Server    // the running cluster, or nil
	starting *startCall // the start in progress, or nil
}

// startCall is one start that concurrent callers wait for.
type startCall struct {
	done chan struct{} // closed when url and err are set
	url  string
	err  error
}

func newSharedServer(getenv func(string) string, opts ...Option) *sharedServer {
	return &sharedServer{getenv: getenv, opts: opts}
}

func (sh *sharedServer) url(ctx context.Context) (string, error) {
	if u := sh.getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	for {
		sh.mu.Lock()
		if srv := sh.srv; srv != nil {
			sh.mu.Unlock()
			return srv.URL(), nil
		}
		c := sh.starting
		if c == nil {
			c = &startCall{done: make(chan struct{})}
			sh.starting = c
			sh.mu.Unlock()
			sh.start(ctx, c)
			return c.url, c.err
		}
		sh.mu.Unlock()
		select {
		case <-c.done:
		case <-ctx.Done():
			return "", fmt.Errorf("pgserver: waiting for the shared server to start: %w", ctx.Err())
		}
		// A start that failed only because its caller's context ended is retried under ours.
		if c.err == nil || !isContextErr(c.err) {
			return c.url, c.err
		}
	}
}

// start runs c, the start this caller leads.
func (sh *sharedServer) start(ctx context.Context, c *startCall) {
	srv, err := Start(ctx, sh.opts...)
	sh.mu.Lock()
	if err == nil {
		sh.srv = srv
		c.url = srv.URL()
	}
	c.err = err
	sh.starting = nil
	sh.mu.Unlock()
	close(c.done)
}

// stop waits for a start in progress, then stops the cluster if there is one.
func (sh *sharedServer) stop() error {
	for {
		sh.mu.Lock()
		if c := sh.starting; c != nil {
			sh.mu.Unlock()
			<-c.done
			continue
		}
		srv := sh.srv
		sh.srv = nil
		sh.mu.Unlock()
		return srv.Stop()
	}
}

// server returns the running cluster, or nil.
func (sh *sharedServer) server() *Server {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.srv
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
