package faults_test

import (
	"context"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// A backend killed at any point of a chunked bulk write (the first chunk, a middle
// one, the last, or at COMMIT) leaves the table as it was, gives back a connection
// error, restores the ids written back into the structs, and the pool works on.
func TestBulkCreate_backendKilledAtEachPoint(t *testing.T) {
	t.Parallel()
	const rows, chunk = 5000, 1000
	for name, at := range map[string]struct {
		row  int
		mark string
	}{
		"first chunk":  {10, "stall"},
		"middle chunk": {2500, "stall"},
		"last chunk":   {4999, "stall"},
		"at commit":    {1234, "stall-commit"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := ormtest.New(t, ormtest.Schema(entriesDDL), ormtest.Schema(stallDDL))
			ctx := testCtx(t)
			if err := bulk.Prepare[Entry](ctx, db); err != nil {
				t.Fatal(err)
			}
			batch := entries(rows, func(i int) string {
				if i == at.row {
					return at.mark
				}
				return "e"
			})
			done := make(chan error, 1)
			go func() { done <- bulk.Create(ctx, db, batch, bulk.ChunkSize(chunk)) }()
			pid := awaitSleeper(t, ctx, db)
			if _, err := db.Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
				t.Fatal(err)
			}
			err := <-done
			if !orm.IsConnLost(err) {
				t.Fatalf("want a lost-connection error, got %v", err)
			}
			if n := countEntries(t, ctx, db); n != 0 {
				t.Fatalf("partial write: %d rows after the backend was killed", n)
			}
			for i := range batch {
				if batch[i].ID != 0 {
					t.Fatalf("row %d kept the id %d of a rolled-back insert", i, batch[i].ID)
				}
			}
			ok := entries(3, func(int) string { return "after" })
			ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
				if err := bulk.Create(ctx, db, ok); err != nil {
					t.Fatalf("the pool did not recover: %v", err)
				}
			})
			if n := countEntries(t, ctx, db); n != 3 || ok[2].ID == 0 {
				t.Fatalf("after recovery: %d rows, ids %+v", n, ok)
			}
		})
	}
}
