package bulk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// A NUL byte in text is refused before anything is sent, naming the row and the
// column, on every path (PostgreSQL's own 22021 on an unnest names neither).
func TestText_NULRefusedNamingRowAndColumn(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	mustWarm(t, ctx, db)
	warm := mustWarmUser(t, ctx, db)
	users := makeUsers(5)
	users[3].Name = "bad\x00name"
	warm.Name = "also\x00bad"
	calls := map[string]func(ctx context.Context) error{
		"Create unnest": func(ctx context.Context) error { return bulk.Create(ctx, db, users) },
		"Create values": func(ctx context.Context) error {
			return bulk.Create(ctx, db, users, bulk.WithStrategy(bulk.Values))
		},
		"Create copy": func(ctx context.Context) error {
			return bulk.Create(ctx, db, users, bulk.NoReturning(), bulk.WithStrategy(bulk.Copy))
		},
		"Upsert": func(ctx context.Context) error {
			_, err := bulk.Upsert(ctx, db, users, bulk.OnConflict("email").DoUpdate("name"))
			return err
		},
		"Update": func(ctx context.Context) error {
			_, err := bulk.Update(ctx, db, []User{warm}, []string{"name"})
			return err
		},
	}
	for name, call := range calls {
		ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
			err := call(ctx)
			var re *bulk.RowError
			if !errors.As(err, &re) || !errors.Is(err, bulk.ErrNULInText) || !strings.Contains(err.Error(), "column name") {
				t.Fatalf("%s: want a RowError naming column name, got %v", name, err)
			}
			if want := map[bool]int{true: 0, false: 3}[name == "Update"]; re.Index != want {
				t.Errorf("%s: row %d, want %d", name, re.Index, want)
			}
		})
	}
	if n := mustCount(t, ctx, db, "users"); n != 1 {
		t.Fatalf("table holds %d rows, want the warm-up row only", n)
	}
}
