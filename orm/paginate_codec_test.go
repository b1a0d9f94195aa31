package orm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// Signing is the default: a page request without a Codec, or with one that has no Key
// and does not say Unsigned, is refused before anything is sent (a server setting, not
// a client's bad cursor).
func TestSelect_Paginate_codecRequired(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 3)
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		for name, c := range map[string]*paginate.Codec{"nil": nil, "zero": {}, "key and unsigned": {Key: []byte("0123456789abcdef0123"), Unsigned: true}} {
			_, err := orm.Query[User](db).Paginate(ctx, paginate.Request{Limit: 2, Codec: c})
			if err == nil || errors.Is(err, paginate.ErrInvalidCursor) {
				t.Errorf("%s codec: want a settings error, got %v", name, err)
			}
			if name != "key and unsigned" && !errors.Is(err, paginate.ErrNoKey) {
				t.Errorf("%s codec: want ErrNoKey, got %v", name, err)
			}
		}
	})
	signed := &paginate.Codec{Key: []byte("a secret key of 32 random bytes!")}
	page, err := orm.Query[User](db).Paginate(ctx, paginate.Request{Limit: 2, Codec: signed})
	if err != nil || len(page.Items) != 2 || !page.HasNext {
		t.Fatalf("signed page: %+v, %v", page, err)
	}
}
