package dataload_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Fuse is a column type whose Scan panics on "boom": a bug in a user's Scanner.
type Fuse string

func (f *Fuse) Scan(src any) error {
	if s, _ := src.(string); s == "boom" {
		panic("fuse blown")
	}
	*f = Fuse(src.(string))
	return nil
}

type Gadget struct {
	ID   int64 `db:"id"`
	Fuse Fuse  `db:"fuse"`
}

// TestRequest_panickingScan: a row whose reading panics fails the keys of its
// statement with an error, never a not-found (which would be cached); the other
// loader of the round trip gets its rows or an error, never a not-found; and the
// connection goes back to the pool (a pool of one serves the next statement).
func TestRequest_panickingScan(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.MaxConns(1), ormtest.Schema(schemaDDL+`
		CREATE TABLE gadgets (id bigint PRIMARY KEY, fuse text NOT NULL);
		INSERT INTO gadgets VALUES (1, 'ok'), (2, 'boom');`))
	ctx := mustCtx(t)
	gadgets, err := dataload.Key[Gadget, int64]()
	if err != nil {
		t.Fatal(err)
	}
	for range 4 { // the panicking statement first or last in the batch, sent by either loader
		var errGadget, errAuthor error
		var a *Author
		rctx := mustRequest(t, ctx, db, dataload.WithWait(100*time.Millisecond))
		runAll(2, func(i int) {
			if i == 0 {
				_, errGadget = gadgets.Load(rctx, 2)
			} else {
				a, errAuthor = authors.Load(rctx, 1)
			}
		})
		if errGadget == nil || errors.Is(errGadget, dataload.ErrNotFound) {
			t.Errorf("gadget whose Scan panics: %v, want an error other than not found", errGadget)
		}
		if errors.Is(errAuthor, dataload.ErrNotFound) || errAuthor == nil && (a == nil || a.ID != 1) {
			t.Errorf("author 1 in the same round trip: %+v, %v; want the row (or an error), never not found", a, errAuthor)
		}
		if _, err := gadgets.Load(rctx, 2); errors.Is(err, dataload.ErrNotFound) {
			t.Errorf("gadget 2 asked again: not found was cached")
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var n int
		err := db.Pool().QueryRow(qctx, "SELECT count(*) FROM gadgets").Scan(&n)
		cancel()
		if err != nil {
			t.Fatalf("the pool of one connection after the panic: %v (the connection was not released)", err)
		}
	}
}
