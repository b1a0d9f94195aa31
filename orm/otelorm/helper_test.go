package otelorm_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/otelorm"
	"github.com/batchorm/batchorm/pool"
)

const schema = `
CREATE TABLE users (
	id   bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE
);
CREATE TABLE posts (
	id      bigserial PRIMARY KEY,
	user_id bigint NOT NULL REFERENCES users(id),
	title   text NOT NULL,
	views   integer NOT NULL DEFAULT 0
);
CREATE INDEX ON posts (user_id);
CREATE TABLE comments (
	id      bigserial PRIMARY KEY,
	post_id bigint NOT NULL REFERENCES posts(id),
	body    text NOT NULL
);
CREATE INDEX ON comments (post_id);
INSERT INTO users (name) VALUES ('ada'), ('bob'), ('cy');
INSERT INTO posts (user_id, title) VALUES (1, 'a1'), (1, 'a2'), (2, 'b1');
INSERT INTO comments (post_id, body) VALUES (1, 'c1'), (1, 'c2'), (3, 'c3');
`

type User struct {
	ID    int64
	Name  string
	Posts []Post `orm:"has-many"`
}

type Post struct {
	ID       int64
	UserID   int64
	Title    string
	Views    int32
	Comments []Comment `orm:"has-many"`
}

type Comment struct {
	ID     int64
	PostID int64
	Body   string
}

// traced is a database whose pool carries an otelorm.Tracer recording into rec.
type traced struct {
	db   *orm.DB
	pool *pgxpool.Pool
	rec  *tracetest.SpanRecorder
	tp   *sdktrace.TracerProvider
}

// newTraced gives the test its own database (ormtest) and a second pool on it built by
// pool.New with an otelorm.Tracer in Config.Tracers, plus cfg's other settings.
func newTraced(t *testing.T, cfg pool.Config, opts ...otelorm.Option) *traced {
	t.Helper()
	base := ormtest.New(t, ormtest.Schema(schema))
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tr := otelorm.New(append([]otelorm.Option{otelorm.WithTracerProvider(tp)}, opts...)...)
	cfg.ConnString = base.Pool().Config().ConnString()
	cfg.Tracers = append(cfg.Tracers, tr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := pool.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	db, err := orm.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return &traced{db: db, pool: p, rec: rec, tp: tp}
}

// run runs fn under a root span named "test" and returns the tree of spans below it,
// one line per span, children indented by two spaces in start order.
func (tr *traced) run(t *testing.T, fn func(ctx context.Context)) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx, root := tr.tp.Tracer("test").Start(ctx, "test")
	fn(ctx)
	root.End()
	id := root.SpanContext().TraceID()
	mustAllEnded(t, tr, id)
	return tree(tr.spansOf(id))
}

// mustAllEnded fails the test when a span of trace id was started and not ended: a
// leaked span, which an exporter never receives.
func mustAllEnded(t *testing.T, tr *traced, id trace.TraceID) {
	t.Helper()
	ended := map[trace.SpanID]bool{}
	for _, s := range tr.spansOf(id) {
		ended[s.SpanContext().SpanID()] = true
	}
	for _, s := range tr.rec.Started() {
		if s.SpanContext().TraceID() == id && !ended[s.SpanContext().SpanID()] {
			t.Errorf("span %q was started and never ended", s.Name())
		}
	}
}

// spansOf returns the ended spans of trace id.
func (tr *traced) spansOf(id trace.TraceID) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tr.rec.Ended() {
		if s.SpanContext().TraceID() == id {
			out = append(out, s)
		}
	}
	return out
}

// find returns the spans of trace id named name.
func (tr *traced) find(id trace.TraceID, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tr.spansOf(id) {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

func tree(spans []sdktrace.ReadOnlySpan) string {
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext().SpanID()] = true
	}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if p := s.Parent().SpanID(); ids[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(list []sdktrace.ReadOnlySpan, depth int)
	walk = func(list []sdktrace.ReadOnlySpan, depth int) {
		slices.SortStableFunc(list, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
		for _, s := range list {
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", depth), s.Name())
			walk(children[s.SpanContext().SpanID()], depth+1)
		}
	}
	walk(roots, 0)
	return b.String()
}

// attrs returns s's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// wantAttrs fails the test unless s has each of want (compared by their Emit text).
func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want ...attribute.KeyValue) {
	t.Helper()
	got := attrs(s)
	for _, kv := range want {
		v, ok := got[kv.Key]
		if !ok || v.String() != kv.Value.String() {
			t.Errorf("span %q: attribute %s = %q (present %v), want %q", s.Name(), kv.Key, v.String(), ok, kv.Value.String())
		}
	}
}

func mustTree(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("span tree:\n%s\nwant:\n%s", got, want)
	}
}

var _ pgx.QueryTracer = (*otelorm.Tracer)(nil)

func attrKV(key string, v any) attribute.KeyValue {
	switch v := v.(type) {
	case string:
		return attribute.String(key, v)
	case int64:
		return attribute.Int64(key, v)
	}
	panic("attrKV: unsupported type")
}
