package otelorm_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/otelorm"
	"github.com/batchorm/batchorm/paginate"
	"github.com/batchorm/batchorm/pool"
)

func TestTracer_preloadTree(t *testing.T) {
	tr := newTraced(t, pool.Config{})
	var users []User
	got := tr.run(t, func(ctx context.Context) {
		var err error
		users, err = orm.Query[User](tr.db).Preload("Posts.Comments").OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(users) != 3 || len(users[0].Posts) != 2 || len(users[0].Posts[0].Comments) != 2 {
		t.Fatalf("rows: %+v", users)
	}
	mustTree(t, got, `test
  Select.All users
    SELECT
    Preload users
      Preload.edge Posts
        SELECT
      Preload.edge Posts.Comments
        SELECT
`)
	id := tr.find(traceOf(tr, "Select.All users"), "Select.All users")
	wantAttrs(t, id[0], otelorm.OperationKey.String("Select.All"), otelorm.ModelKey.String("otelorm_test.User"),
		attrKV("db.collection.name", "users"), otelorm.RowsKey.Int64(3))
	tid := id[0].SpanContext().TraceID()
	wantAttrs(t, tr.find(tid, "Preload users")[0], otelorm.PreloadPathKey.String("Posts.Comments"))
	wantAttrs(t, tr.find(tid, "Preload.edge Posts")[0], otelorm.PreloadPathKey.String("Posts"),
		otelorm.PreloadDepthKey.Int(1), otelorm.ModelKey.String("otelorm_test.Post"), otelorm.RowsKey.Int64(3))
	edge := tr.find(tid, "Preload.edge Posts.Comments")[0]
	wantAttrs(t, edge, otelorm.PreloadPathKey.String("Posts.Comments"), otelorm.PreloadDepthKey.Int(2),
		attrKV("db.collection.name", "comments"), otelorm.RowsKey.Int64(3))
	for _, s := range tr.find(tid, "SELECT") {
		a := attrs(s)
		if !strings.HasPrefix(a["db.query.text"].AsString(), "SELECT ") || a["db.system.name"].AsString() != "postgresql" ||
			a["db.operation.name"].AsString() != "SELECT" {
			t.Errorf("statement span attributes: %v", s.Attributes())
		}
	}
}

// traceOf returns the trace of the first span named name.
func traceOf(tr *traced, name string) trace.TraceID {
	for _, s := range tr.rec.Ended() {
		if s.Name() == name {
			return s.SpanContext().TraceID()
		}
	}
	return trace.TraceID{}
}

func TestTracer_pageWithCount(t *testing.T) {
	tr := newTraced(t, pool.Config{})
	codec := &paginate.Codec{Unsigned: true}
	var page paginate.Page[Post]
	got := tr.run(t, func(ctx context.Context) {
		var err error
		page, err = orm.Query[Post](tr.db).Preload("Comments").Paginate(ctx, paginate.Request{Limit: 2, Codec: codec, Count: true})
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(page.Items) != 2 || page.Total != 3 || !page.HasNext {
		t.Fatalf("page: %+v", page)
	}
	mustTree(t, got, `test
  Select.Paginate posts
    BATCH
      SELECT
      SELECT
    Preload posts
      Preload.edge Comments
        SELECT
`)
	s := tr.find(traceOf(tr, "Select.Paginate posts"), "Select.Paginate posts")[0]
	wantAttrs(t, s, otelorm.RowsKey.Int64(2), otelorm.OperationKey.String("Select.Paginate"))
	wantAttrs(t, tr.find(s.SpanContext().TraceID(), "BATCH")[0], attrKV("db.operation.batch.size", int64(2)))
}

func TestTracer_writes(t *testing.T) {
	tr := newTraced(t, pool.Config{})
	got := tr.run(t, func(ctx context.Context) {
		posts := []Post{{UserID: 3, Title: "x"}, {UserID: 3, Title: "y"}}
		if err := bulk.Create(ctx, tr.db, posts); err != nil {
			t.Fatal(err)
		}
		n, err := orm.Query[Post](tr.db).Where(orm.Eq{"user_id": 3}).UpdateAll(ctx, orm.Set{"views": 7})
		if err != nil || n != 2 {
			t.Fatalf("UpdateAll: %d, %v", n, err)
		}
		err = tr.db.Tx(ctx, func(tx *orm.DB) error {
			return orm.Insert(ctx, tx, &User{Name: "dee"})
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	mustTree(t, got, `test
  bulk.Create posts
    SELECT
    WITH
  Select.UpdateAll posts
    UPDATE
  Tx
    BEGIN
    COMMIT
  Insert users
    INSERT
`)
	id := traceOf(tr, "Tx")
	wantAttrs(t, tr.find(id, "bulk.Create posts")[0], otelorm.RowsKey.Int64(2), otelorm.ModelKey.String("otelorm_test.Post"))
	wantAttrs(t, tr.find(id, "Select.UpdateAll posts")[0], otelorm.RowsKey.Int64(2))
	wantAttrs(t, tr.find(id, "UPDATE")[0], otelorm.RowsAffectedKey.Int64(2))
	wantAttrs(t, tr.find(id, "Insert users")[0], otelorm.RowsKey.Int64(1))
	if _, ok := attrs(tr.find(id, "Tx")[0])["batchorm.rows"]; ok {
		t.Error("Tx span has batchorm.rows; no count applies to a transaction")
	}
}

func TestTracer_failingStatement(t *testing.T) {
	tr := newTraced(t, pool.Config{})
	got := tr.run(t, func(ctx context.Context) {
		err := orm.Insert(ctx, tr.db, &User{Name: "ada"}) // unique violation
		if !orm.IsUniqueViolation(err) {
			t.Fatalf("Insert: %v", err)
		}
	})
	mustTree(t, got, `test
  Insert users
    INSERT
`)
	id := traceOf(tr, "Insert users")
	for _, name := range []string{"Insert users", "INSERT"} {
		s := tr.find(id, name)[0]
		if s.Status().Code != codes.Error || len(s.Events()) == 0 || s.Events()[0].Name != "exception" {
			t.Errorf("span %q: status %v, events %v; want an error status and a recorded exception", name, s.Status(), s.Events())
		}
		wantAttrs(t, s, attrKV("db.response.status_code", "23505"))
	}
	if _, ok := attrs(tr.find(id, "Insert users")[0])["batchorm.rows"]; ok {
		t.Error("failed Insert span reports rows")
	}
}

// TestTracer_noArgumentValues: values sent as arguments appear in no attribute and no
// event of any span, also when a statement fails.
func TestTracer_noArgumentValues(t *testing.T) {
	const secret = "s3cret-argument-value"
	tr := newTraced(t, pool.Config{})
	tr.run(t, func(ctx context.Context) {
		if _, err := orm.Query[User](tr.db).Where(orm.Eq{"name": secret}).All(ctx); err != nil {
			t.Fatal(err)
		}
		if err := bulk.Create(ctx, tr.db, []User{{Name: secret}}); err != nil {
			t.Fatal(err)
		}
		_ = orm.Insert(ctx, tr.db, &User{Name: secret}) // fails: duplicate
	})
	spans := tr.rec.Ended()
	if len(spans) < 6 {
		t.Fatalf("only %d spans", len(spans))
	}
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			if strings.Contains(kv.Value.String(), secret) {
				t.Errorf("span %q attribute %s holds an argument value: %s", s.Name(), kv.Key, kv.Value.String())
			}
		}
		for _, e := range s.Events() {
			for _, kv := range e.Attributes {
				if strings.Contains(kv.Value.String(), secret) {
					t.Errorf("span %q event %s holds an argument value: %s", s.Name(), kv.Key, kv.Value.String())
				}
			}
		}
	}
}

// TestTracer_bareHandles: loader and bulk called on a bare pool and on a pgx.Tx find
// the observer through the pool's configuration.
func TestTracer_bareHandles(t *testing.T) {
	tr := newTraced(t, pool.Config{})
	got := tr.run(t, func(ctx context.Context) {
		users, err := orm.Query[User](tr.db).OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := loader.Preload(ctx, tr.pool, users, "Posts"); err != nil {
			t.Fatal(err)
		}
		if len(users[0].Posts) != 2 {
			t.Fatalf("preloaded %+v", users[0])
		}
		err = pgx.BeginFunc(ctx, tr.pool, func(tx pgx.Tx) error {
			_, err := bulk.Delete(ctx, tx, []Comment{{ID: 3}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	mustTree(t, got, `test
  Select.All users
    SELECT
  Preload users
    Preload.edge Posts
      SELECT
  BEGIN
  bulk.Delete comments
    DELETE
  COMMIT
`)
	wantAttrs(t, tr.find(traceOf(tr, "bulk.Delete comments"), "bulk.Delete comments")[0], otelorm.RowsKey.Int64(1))
}

func TestTracer_oneAndCountAreOneSpan(t *testing.T) {
	tr := newTraced(t, pool.Config{})
	got := tr.run(t, func(ctx context.Context) {
		if _, err := orm.Query[User](tr.db).Where(orm.Eq{"name": "zed"}).One(ctx); !errors.Is(err, orm.ErrNotFound) {
			t.Fatalf("One: %v", err)
		}
		if n, err := orm.Query[User](tr.db).Count(ctx); err != nil || n != 3 {
			t.Fatalf("Count: %d, %v", n, err)
		}
		for _, err := range orm.Query[User](tr.db).Batches(ctx, 2) {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	mustTree(t, got, `test
  Select.One users
    SELECT
  Select.Count users
    SELECT
  Select.Batches users
    SELECT
  Select.Batches users
    SELECT
`)
}

// recordingHandler keeps the span context found in each record's context.
type recordingHandler struct {
	mu    sync.Mutex
	spans []trace.SpanContext
	sql   []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.spans = append(h.spans, trace.SpanContextFromContext(ctx))
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "sql" {
			h.sql = append(h.sql, a.Value.String())
		}
		return true
	})
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// TestTracer_withLogger: pool.Config.Logger and the tracer both see every statement,
// and each log record's context carries the statement's span, so a handler can put
// trace and span ids on the record.
func TestTracer_withLogger(t *testing.T) {
	h := &recordingHandler{}
	tr := newTraced(t, pool.Config{Logger: slog.New(h)})
	h.mu.Lock()
	h.spans, h.sql = nil, nil // forget warm-up
	h.mu.Unlock()
	tr.run(t, func(ctx context.Context) {
		if _, err := orm.Query[User](tr.db).Preload("Posts").All(ctx); err != nil {
			t.Fatal(err)
		}
	})
	id := traceOf(tr, "Select.All users")
	selects := tr.find(id, "SELECT")
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(selects) != 2 || len(h.spans) != 2 {
		t.Fatalf("%d statement spans, %d log records (%q); want 2 and 2", len(selects), len(h.spans), h.sql)
	}
	for i, sc := range h.spans {
		if sc.SpanID() != selects[i].SpanContext().SpanID() {
			t.Errorf("log record %d (%s) carries span %v, want the statement's %v", i, h.sql[i], sc.SpanID(), selects[i].SpanContext().SpanID())
		}
	}
}
