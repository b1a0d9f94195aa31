package paginate_test

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// Post is the model of the SQL-shape, sort and cursor tests.
type Post struct {
	ID        int64
	CreatedAt time.Time
	Title     string
	Score     *int32 // nullable
	AuthorID  int32
}

// Article has the same columns as Post on another table, to check that cursors are
// bound to their model.
type Article struct {
	ID        int64
	CreatedAt time.Time
	Title     string
	Score     *int32
	AuthorID  int32
}

// Item is the model of the walk tests: ties in A, NULLs in B and D, microsecond
// timestamps in C.
type Item struct {
	ID int64
	A  int32
	B  *string
	C  time.Time
	D  pgtype.Numeric
	E  sql.NullBool
}

const postsDDL = `CREATE TABLE posts (
	id bigserial PRIMARY KEY,
	created_at timestamptz NOT NULL,
	title text NOT NULL,
	score int,
	author_id int NOT NULL
)`

const itemsDDL = `CREATE TABLE items (
	id bigserial PRIMARY KEY,
	a int NOT NULL,
	b text COLLATE "C",
	c timestamptz NOT NULL,
	d numeric,
	e boolean
)`

// testCtx returns a context with a deadline for one test.
func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustOrder is paginate.OrderBy that fails the test on error.
func mustOrder[T any](t testing.TB, keys ...string) paginate.Order {
	t.Helper()
	o, err := paginate.OrderBy[T](keys...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// mustExec runs sql on db or fails the test.
func mustExec(t testing.TB, ctx context.Context, db *orm.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// mustItems makes a database with n items holding ties, NULLs, Unicode text and
// microsecond timestamps, and returns it with the rows as stored.
func mustItems(t testing.TB, ctx context.Context, n int) (*orm.DB, []Item) {
	t.Helper()
	db := ormtest.New(t, ormtest.Schema(itemsDDL))
	words := []string{"a", "Z", "é", "😀", "ab", "a b", "", "ñandú", "日本"}
	base := time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.UTC)
	var as []int32
	var bs []*string
	var cs []time.Time
	var ds []pgtype.Numeric
	var es []sql.NullBool
	for i := range n {
		as = append(as, int32(i*7%5))
		var b *string
		if i%4 != 0 {
			b = &words[i*5%len(words)]
		}
		bs = append(bs, b)
		cs = append(cs, base.Add(time.Duration(i%11)*time.Microsecond))
		var d pgtype.Numeric
		if i%3 != 0 {
			_ = d.Scan(strings.Repeat("9", i%4+1) + ".0" + string(rune('0'+i%10)))
		}
		ds = append(ds, d)
		es = append(es, sql.NullBool{Bool: i%2 == 0, Valid: i%5 != 0})
	}
	mustExec(t, ctx, db, `INSERT INTO items (a, b, c, d, e)
		SELECT * FROM unnest($1::int[], $2::text[], $3::timestamptz[], $4::numeric[], $5::bool[])`, as, bs, cs, ds, es)
	items, err := orm.Query[Item](db).OrderBy("id").All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return db, items
}

// goSort sorts items as PostgreSQL does for keys (OrderBy syntax, id appended): NULLs
// last ascending and first descending unless a key says "nulls first" or "nulls
// last", ties broken by id in the last key's direction.
func goSort(items []Item, keys ...string) []int64 {
	out := slices.Clone(items)
	type key struct {
		name             string
		desc, nullsFirst bool
	}
	var ks []key
	for _, k := range keys {
		f := strings.Fields(strings.ToLower(k))
		name, desc := strings.CutPrefix(f[0], "-")
		nullsFirst := desc
		if len(f) == 3 {
			nullsFirst = f[2] == "first"
		}
		ks = append(ks, key{name, desc, nullsFirst})
	}
	last := len(ks) > 0 && ks[len(ks)-1].desc
	ks = append(ks, key{"id", last, last})
	slices.SortFunc(out, func(x, y Item) int {
		for _, k := range ks {
			xn, yn := isNull(x, k.name), isNull(y, k.name)
			switch {
			case xn && yn:
				continue
			case xn || yn:
				c := 1 // the NULL one sorts after
				if yn {
					c = -1
				}
				if k.nullsFirst {
					c = -c
				}
				return c
			}
			c := compareField(x, y, k.name)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	ids := make([]int64, len(out))
	for i, it := range out {
		ids[i] = it.ID
	}
	return ids
}

func isNull(it Item, name string) bool {
	switch name {
	case "b":
		return it.B == nil
	case "d":
		return !it.D.Valid
	case "e":
		return !it.E.Valid
	}
	return false
}

// compareField compares one field ascending with NULLs last.
func compareField(x, y Item, name string) int {
	switch name {
	case "id":
		return cmp.Compare(x.ID, y.ID)
	case "a":
		return cmp.Compare(x.A, y.A)
	case "b":
		return nullsLast(x.B == nil, y.B == nil, func() int { return strings.Compare(*x.B, *y.B) })
	case "c":
		return x.C.Compare(y.C)
	case "d":
		return nullsLast(!x.D.Valid, !y.D.Valid, func() int {
			xf, _ := x.D.Float64Value()
			yf, _ := y.D.Float64Value()
			return cmp.Compare(xf.Float64, yf.Float64)
		})
	case "e":
		return nullsLast(!x.E.Valid, !y.E.Valid, func() int {
			return cmp.Compare(boolInt(x.E.Bool), boolInt(y.E.Bool))
		})
	}
	panic("compareField: unknown field " + name)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullsLast(xNull, yNull bool, both func() int) int {
	switch {
	case xNull && yNull:
		return 0
	case xNull:
		return 1
	case yNull:
		return -1
	}
	return both()
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func itemID(it Item) int64 { return it.ID }

// sqExpr is squirrel's Expr.
func sqExpr(sql string, args ...any) sq.Sqlizer { return sq.Expr(sql, args...) }

func isInvalidCursor(err error) bool { return errors.Is(err, paginate.ErrInvalidCursor) }

func isInvalidSort(err error) bool { return errors.Is(err, paginate.ErrInvalidSort) }

// testCodec makes the cursors of the tests: unsigned, so tests can craft them.
var testCodec = &paginate.Codec{Unsigned: true}
