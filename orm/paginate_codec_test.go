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

// Score's Go type holds values its integer column cannot: a crafted unsigned cursor
// carrying one is a bad cursor (a 400), not a driver error (a 500).
type Score struct {
	ID     int64 `db:"id"`
	Points int   `db:"points"`
}

func TestSelect_Paginate_cursorValueOutOfColumnRange(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(`CREATE TABLE scores (id bigserial PRIMARY KEY, points integer NOT NULL);
		INSERT INTO scores (points) SELECT g FROM generate_series(1, 5) g`))
	ctx := testCtx(t)
	order, err := paginate.OrderBy[Score]("points")
	if err != nil {
		t.Fatal(err)
	}
	q := orm.Query[Score](db)
	for _, points := range []int64{1 << 40, -(1 << 40)} {
		tok, err := testCodec.Encode(order, []any{points, int64(1)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = q.Paginate(ctx, paginate.Request{Order: order, After: tok, Codec: testCodec})
		var ce *paginate.CursorError
		if !errors.Is(err, paginate.ErrInvalidCursor) || !errors.As(err, &ce) {
			t.Fatalf("points %d: want ErrInvalidCursor, got %v", points, err)
		}
	}
	// A value that fits is an ordinary page.
	tok, err := testCodec.Encode(order, []any{int64(3), int64(3)})
	if err != nil {
		t.Fatal(err)
	}
	page, err := q.Paginate(ctx, paginate.Request{Order: order, After: tok, Codec: testCodec})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("page %+v, %v", page.Items, err)
	}
}
