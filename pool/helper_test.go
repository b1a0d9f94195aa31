package pool_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/pool"
)

// testCtx returns a context that ends with the test or after 30 seconds.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustNew builds a pool from cfg and closes it when the test ends, after checking that
// no connection is still acquired.
func mustNew(t testing.TB, cfg pool.Config) *pgxpool.Pool {
	t.Helper()
	p, err := pool.New(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("pool.New: %v", err)
	}
	t.Cleanup(func() {
		if n := p.Stat().AcquiredConns(); n != 0 {
			t.Errorf("%d connections still acquired at the end of the test", n)
		}
		p.Close()
	})
	return p
}

// mustShow returns the value of a server setting as the pool's connections see it.
func mustShow(t testing.TB, p *pgxpool.Pool, setting string) string {
	t.Helper()
	var v string
	if err := p.QueryRow(testCtx(t), "SHOW "+setting).Scan(&v); err != nil {
		t.Fatalf("SHOW %s: %v", setting, err)
	}
	return v
}

// mustSilentServer listens on 127.0.0.1 and accepts connections but never answers, like
// a server whose network path has died after the handshake. It returns host:port.
func mustSilentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// mustClosedPort returns 127.0.0.1:port for a port nothing listens on.
func mustClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// countingTracer counts the query events it receives.
type countingTracer struct {
	starts, ends atomic.Int64
}

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.starts.Add(1)
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {
	c.ends.Add(1)
}
