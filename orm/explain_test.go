package orm_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestSelect_Explain(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 20000)
	mustExec(t, db, "CREATE INDEX users_age_idx ON users (age, id)")
	mustExec(t, db, "ANALYZE users")

	plan, err := orm.Query[User](db).Where(orm.Eq{"age": 1000}).Explain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(plan.Indexes(), "users_age_idx") || len(plan.SeqScans()) != 0 {
		t.Errorf("want the age index, got:\n%s", plan)
	}
	plan, err = orm.Query[User](db).Where(orm.Eq{"name": "user00010"}).Explain(ctx, orm.Analyze())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plan.SeqScans(), []string{"users"}) || plan.ExecutionTime <= 0 || plan.Root.ActualLoops == 0 {
		t.Errorf("want an analysed seq scan on users, got:\n%s", plan)
	}
	if !strings.Contains(plan.String(), "Seq Scan on users") || len(plan.JSON) == 0 {
		t.Errorf("String/JSON: %s", plan)
	}
	if _, err := orm.Query[User](db).OrderBy("nope").Explain(ctx); err == nil {
		t.Error("bad query explained")
	}

	idx, err := orm.Indexes[User](ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := []orm.Index{
		{Name: "users_age_idx", Columns: []string{"age", "id"}},
		{Name: "users_email_key", Columns: []string{"email"}, Unique: true},
		{Name: "users_pkey", Columns: []string{"id"}, Unique: true, Primary: true},
	}
	if !reflect.DeepEqual(idx, want) {
		t.Errorf("indexes %+v", idx)
	}
}

// PreferIndexes shows what an index can serve even on a table small enough to scan,
// and leaves nothing behind: the setting is rolled back with its transaction.
func TestExplain_preferIndexes(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 10) // a table this small is scanned whatever its indexes
	mustExec(t, db, "ANALYZE users")
	byEmail := orm.Query[User](db).Where(orm.Eq{"email": "x@example.com"})
	plan, err := byEmail.Explain(ctx)
	if err != nil || len(plan.SeqScans()) == 0 {
		t.Fatalf("small table: want a seq scan, got %v:\n%s", err, plan)
	}
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 2, TxStatements: 2}, func(ctx context.Context) {
		plan, err = byEmail.Explain(ctx, orm.PreferIndexes())
	})
	if err != nil || len(plan.SeqScans()) != 0 || !slices.Contains(plan.Indexes(), "users_email_key") {
		t.Fatalf("PreferIndexes: want users_email_key, got %v:\n%s", err, plan)
	}
	plan, err = orm.Query[User](db).Where(orm.Eq{"name": "user00003"}).Explain(ctx, orm.PreferIndexes())
	if err != nil || !slices.Equal(plan.SeqScans(), []string{"users"}) {
		t.Fatalf("no index on name: want a seq scan left, got %v:\n%s", err, plan)
	}
	plans, err := byEmail.Preload("Posts").ExplainAll(ctx, orm.Analyze())
	if err != nil || len(plans) != 2 || plans[0].Path != "" || plans[1].Path != "Posts" ||
		!strings.Contains(plans[1].SQL, `"posts"."user_id" = ANY($1)`) || plans[1].Plan.ExecutionTime <= 0 {
		t.Fatalf("ExplainAll: %v %+v", err, plans)
	}
	var setting string
	if err := db.QueryRow(ctx, "SHOW enable_seqscan").Scan(&setting); err != nil || setting != "on" {
		t.Fatalf("enable_seqscan after PreferIndexes: %q, %v", setting, err)
	}
}
