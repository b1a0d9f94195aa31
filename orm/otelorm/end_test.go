package otelorm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/otelorm"
	"github.com/batchorm/batchorm/pool"
)

// boomText is a column type whose Scan panics on the value "boom": a user's code
// running inside a batchorm call.
type boomText string

func (b *boomText) Scan(src any) error {
	s, _ := src.(string)
	if s == "boom" {
		panic("boomText: boom")
	}
	*b = boomText(s)
	return nil
}

// BUser and BPost are users and posts whose posts' titles scan as boomText.
type BUser struct {
	ID    int64
	Name  string
	Posts []BPost `orm:"has-many,fk:user_id"`
}

func (BUser) TableName() string { return "users" }

type BPost struct {
	ID     int64
	UserID int64
	Title  boomText
}

func (BPost) TableName() string { return "posts" }

var errStop = errors.New("stop")

// catch runs fn and returns what it panicked with (nil if it returned).
func catch(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

// TestTracer_everyCallSpanEnds: on every way out of a call (an error from the user's
// function, a panic in it, a loop left early, a cancelled context, a panic in a
// column's Scan) each span started ends exactly once ([traced.run] fails on a span
// never ended), and the call span says how it ended.
func TestTracer_everyCallSpanEnds(t *testing.T) {
	cases := []struct {
		name string
		// setup may change the data; call is the call under test.
		setup    string
		call     func(ctx context.Context, db *orm.DB) error
		panics   bool
		tree     string
		span     string     // the call span checked
		status   codes.Code // its status
		wantRows int64      // its batchorm.rows when >= 0 and status is not Error
	}{
		{
			name: "Tx fn returns an error",
			call: func(ctx context.Context, db *orm.DB) error {
				return db.Tx(ctx, func(tx *orm.DB) error { return errStop })
			},
			tree: "test\n  Tx\n    BEGIN\n    ROLLBACK\n", span: "Tx", status: codes.Error, wantRows: -1,
		},
		{
			name: "Tx fn panics",
			call: func(ctx context.Context, db *orm.DB) error {
				return db.Tx(ctx, func(tx *orm.DB) error { panic("in fn") })
			},
			panics: true,
			tree:   "test\n  Tx\n    BEGIN\n    ROLLBACK\n", span: "Tx", status: codes.Error, wantRows: -1,
		},
		{
			name: "Iter left after the first row",
			call: func(ctx context.Context, db *orm.DB) error {
				for _, err := range orm.Query[User](db).OrderBy("id").Iter(ctx) {
					return err
				}
				return nil
			},
			tree: "test\n  Select.Iter users\n    SELECT\n", span: "Select.Iter users", status: codes.Unset, wantRows: 1,
		},
		{
			name: "Iter loop body panics",
			call: func(ctx context.Context, db *orm.DB) error {
				for range orm.Query[User](db).OrderBy("id").Iter(ctx) {
					panic("in loop")
				}
				return nil
			},
			panics: true,
			tree:   "test\n  Select.Iter users\n    SELECT\n", span: "Select.Iter users", status: codes.Error, wantRows: -1,
		},
		{
			name: "Batches left after the first batch",
			call: func(ctx context.Context, db *orm.DB) error {
				for _, err := range orm.Query[User](db).Batches(ctx, 2) {
					return err
				}
				return nil
			},
			tree: "test\n  Select.Batches users\n    SELECT\n", span: "Select.Batches users", status: codes.Unset, wantRows: 2,
		},
		{
			name: "Each fn returns an error",
			call: func(ctx context.Context, db *orm.DB) error {
				return orm.Query[User](db).Each(ctx, 2, func(User) error { return errStop })
			},
			tree: "test\n  Select.Batches users\n    SELECT\n", span: "Select.Batches users", status: codes.Unset, wantRows: 2,
		},
		{
			name: "Each fn panics",
			call: func(ctx context.Context, db *orm.DB) error {
				return orm.Query[User](db).Each(ctx, 2, func(User) error { panic("in fn") })
			},
			panics: true,
			tree:   "test\n  Select.Batches users\n    SELECT\n", span: "Select.Batches users", status: codes.Unset, wantRows: 2,
		},
		{
			name: "cancelled context",
			call: func(ctx context.Context, db *orm.DB) error {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				_, err := orm.Query[User](db).Preload("Posts").All(ctx)
				return err
			},
			span: "Select.All users", status: codes.Error, wantRows: -1,
		},
		{
			name:  "Scan panics in a preload edge",
			setup: "UPDATE posts SET title = 'boom' WHERE id = 3",
			call: func(ctx context.Context, db *orm.DB) error {
				_, err := orm.Query[BUser](db).Preload("Posts").All(ctx)
				return err
			},
			panics: true,
			tree:   "test\n  Select.All users\n    SELECT\n    Preload users\n      Preload.edge Posts\n        SELECT\n", span: "Preload.edge Posts", status: codes.Error, wantRows: -1,
		},
		{
			name:  "Scan panics in a batch of Batches",
			setup: "UPDATE posts SET title = 'boom' WHERE id = 1",
			call: func(ctx context.Context, db *orm.DB) error {
				for _, err := range orm.Query[BPost](db).Batches(ctx, 2) {
					return err
				}
				return nil
			},
			panics: true,
			tree:   "test\n  Select.Batches posts\n    SELECT\n", span: "Select.Batches posts", status: codes.Error, wantRows: -1,
		},
		{
			name: "loader.Preload on a cancelled context",
			call: func(ctx context.Context, db *orm.DB) error {
				users := []User{{ID: 1}}
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return loader.Preload(ctx, db, users, "Posts.Comments")
			},
			span: "Preload users", status: codes.Error, wantRows: -1,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := newTraced(t, pool.Config{})
			if c.setup != "" {
				if _, err := tr.pool.Exec(context.Background(), c.setup); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			var p any
			got := tr.run(t, func(ctx context.Context) {
				p = catch(func() { err = c.call(ctx, tr.db) })
			})
			if (p != nil) != c.panics {
				t.Fatalf("panic %v, want a panic: %v", p, c.panics)
			}
			if c.tree != "" {
				mustTree(t, got, c.tree)
			}
			spans := tr.find(traceOf(tr, c.span), c.span)
			if len(spans) != 1 {
				t.Fatalf("%d spans %q, want 1; tree:\n%s", len(spans), c.span, got)
			}
			s := spans[0]
			if s.Status().Code != c.status {
				t.Errorf("span %q status %v, want %v (call error %v)", c.span, s.Status(), c.status, err)
			}
			rows, ok := attrs(s)["batchorm.rows"]
			switch {
			case c.wantRows >= 0 && (!ok || rows.AsInt64() != c.wantRows):
				t.Errorf("span %q batchorm.rows = %v (present %v), want %d", c.span, rows.AsInt64(), ok, c.wantRows)
			case c.wantRows < 0 && ok && c.status == codes.Error:
				t.Errorf("failed span %q reports rows %d", c.span, rows.AsInt64())
			}
			if c.panics && c.status == codes.Error && s.Status().Description != "panic" {
				t.Errorf("span %q status description %q, want %q", c.span, s.Status().Description, "panic")
			}
		})
	}
}

// TestTracer_errorTextWithheld: a data error quoting its input records only the
// SQLSTATE by default, and the message with WithErrorText.
func TestTracer_errorTextWithheld(t *testing.T) {
	const secret = "s3cret-input"
	for _, full := range []bool{false, true} {
		t.Run(fmt.Sprint("WithErrorText=", full), func(t *testing.T) {
			var opts []otelorm.Option
			if full {
				opts = append(opts, otelorm.WithErrorText())
			}
			tr := newTraced(t, pool.Config{}, opts...)
			tr.run(t, func(ctx context.Context) {
				if _, err := tr.pool.Exec(ctx, "SELECT $1::text::int", secret); err == nil {
					t.Fatal("no error")
				}
			})
			s := tr.find(traceOf(tr, "SELECT"), "SELECT")[0]
			wantAttrs(t, s, attrKV("db.response.status_code", "22P02"))
			seen := strings.Contains(s.Status().Description, secret)
			for _, e := range s.Events() {
				for _, kv := range e.Attributes {
					seen = seen || strings.Contains(kv.Value.String(), secret)
				}
			}
			if seen != full {
				t.Errorf("input %q in the span's status or events: %v, want %v (status %q)", secret, seen, full, s.Status().Description)
			}
		})
	}
}
