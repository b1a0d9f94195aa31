package schema_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
)

// Ranked declares an index whose NULLs sort against PostgreSQL's default.
type Ranked struct {
	ID    int64  `db:"id"`
	Score *int32 `db:"score"`
}

func (Ranked) Indexes() []schema.Index {
	return []schema.Index{{Name: "ranked_best", Columns: []string{"-score NULLS LAST", "-id"}}}
}

// An index column's NULL placement is declared, emitted, read back from the catalog and
// compared: an index without NULLS LAST is drift.
func TestDrift_nullsPlacement(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ddl := mustDDL(t, Ranked{})
	if want := `CREATE INDEX "ranked_best" ON "rankeds" ("score" DESC NULLS LAST, "id" DESC);`; !strings.Contains(ddl, want) {
		t.Fatalf("DDL lacks %s:\n%s", want, ddl)
	}
	db := ormtest.New(t, ormtest.Schema(ddl))
	if rep := mustDrift(t, ctx, db, Ranked{}); rep.Err() != nil {
		t.Fatalf("the emitted DDL drifts:\n%s", rep)
	}
	mustExec(t, ctx, db, `DROP INDEX ranked_best; CREATE INDEX ranked_best ON rankeds (score DESC, id DESC)`)
	rep := mustDrift(t, ctx, db, Ranked{})
	if rep.Err() == nil || !strings.Contains(rep.String(), "NULLS LAST") {
		t.Fatalf("an index with NULLs first is not reported:\n%s", rep)
	}
}
