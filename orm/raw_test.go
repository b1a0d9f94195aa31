package orm_test

import (
	"testing"

	"github.com/batchorm/batchorm/orm"
)

func TestRaw(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 3)
	users, err := orm.Raw[User](ctx, db, `SELECT id, name, created_at FROM users WHERE id >= $1 ORDER BY id`, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].ID != 2 || users[1].Name != "user00003" || users[0].CreatedAt.IsZero() {
		t.Fatalf("raw: %+v", users)
	}
	names, err := orm.Raw[string](ctx, db, `SELECT name FROM users ORDER BY id DESC`)
	if err != nil || len(names) != 3 || names[0] != "user00003" {
		t.Fatalf("scalar: %v %v", names, err)
	}
	none, err := orm.Raw[User](ctx, db, `SELECT id FROM users WHERE false`)
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("empty: %#v %v", none, err)
	}
	if _, err := orm.Raw[User](ctx, db, `SELECT id, 1 AS surprise FROM users`); err == nil {
		t.Fatal("unknown column accepted")
	}
}
