package advisor_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/batchorm/batchorm/internal/advisor"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// The judge counts an index as serving a column only when the column leads it as a
// column (not inside an expression) and, when the plan did not use it, only when it
// holds every row (no predicate: the planner alone can tell whether a statement
// implies one).
func TestCheck_judgeIndexShapes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := ormtest.New(t, ormtest.Schema(`CREATE TABLE items (id bigserial PRIMARY KEY, a int NOT NULL, owner_id bigint NOT NULL,
			name text NOT NULL, deleted_at timestamptz);
		CREATE INDEX items_live_owner_idx ON items (owner_id) WHERE deleted_at IS NULL;
		CREATE INDEX items_lower_name_idx ON items (lower(name));
		CREATE INDEX items_lower_name_a_idx ON items (lower(name), a);
		INSERT INTO items (a, owner_id, name, deleted_at) SELECT g % 7, g % 50, 'n' || g,
			CASE WHEN g % 2 = 0 THEN now() END FROM generate_series(1, 2000) g;
		ANALYZE items`))
	tests := []struct {
		name string
		sql  string
		args []any
		want []string // the columns not served; nil when served
	}{
		{"partial index, predicate not implied", "SELECT * FROM items WHERE owner_id = $1", []any{3}, []string{"owner_id"}},
		{"partial index, predicate implied", "SELECT * FROM items WHERE owner_id = $1 AND deleted_at IS NULL", []any{3}, nil},
		{"expression index is not a column index", "SELECT * FROM items WHERE name = $1", []any{"n3"}, []string{"name"}},
		{"column behind an expression key", "SELECT * FROM items WHERE a = $1", []any{3}, []string{"a"}},
		{"expression filter is not judged", "SELECT * FROM items WHERE lower(name) = $1", []any{"n3"}, nil},
	}
	for _, tt := range tests {
		rs, err := advisor.Check(ctx, db, []advisor.Statement{{SQL: tt.sql, Args: tt.args}}, advisor.Options{})
		if err != nil || len(rs) != 1 {
			t.Fatalf("%s: %v %+v", tt.name, err, rs)
		}
		var got []string
		for _, f := range rs[0].Findings {
			got = append(got, f.Columns...)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %s\n columns not served %q, want %q (findings %+v)", tt.name, tt.sql, got, tt.want, rs[0].Findings)
		}
	}
}
