package pool_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/pool"
)

// syncBuffer is a bytes.Buffer safe for the pool's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// Config.Logger logs each statement at Debug, a slow one at Warn and a failed one at
// Error, with its text, duration, rows and argument count but not the arguments.
func TestConfig_Logger(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var buf syncBuffer
	cfg := pool.Config{ConnString: databaseURL, MaxConns: 2,
		Logger: slogJSON(&buf), SlowStatement: 50 * time.Millisecond}
	p, err := pool.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Exec(ctx, "SELECT $1::text", "a secret value"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exec(ctx, "SELECT pg_sleep(0.08)"); err != nil {
		t.Fatal(err)
	}
	_, _ = p.Exec(ctx, "SELECT nope")
	b := &pgx.Batch{}
	b.Queue("SELECT 1")
	b.Queue("SELECT 2")
	if err := p.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range buf.records(t) {
		if sql, _ := r["sql"].(string); strings.Contains(sql, "pg_catalog") {
			continue // the pool's own warm-up, if any
		}
		got = append(got, r["level"].(string)+" "+r["msg"].(string)+": "+r["sql"].(string))
		if _, ok := r["duration"]; !ok || r["args"] == nil {
			t.Errorf("record without duration or args: %v", r)
		}
	}
	want := []string{
		"DEBUG batchorm: statement: SELECT $1::text",
		"WARN batchorm: slow statement: SELECT pg_sleep(0.08)",
		"ERROR batchorm: statement failed: SELECT nope",
		"DEBUG batchorm: statement: -- batch of 2 statements; SELECT 1; SELECT 2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(buf.b.String(), "a secret value") {
		t.Fatal("an argument's value was logged")
	}
}

func slogJSON(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
