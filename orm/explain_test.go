package orm_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/orm"
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
