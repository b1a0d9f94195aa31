package orm_test

import (
	"database/sql"
	"encoding/json"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/orm"
)

func TestTypes_roundTrip(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	at := time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC)
	in := KitchenSink{
		Price:   pgtype.Numeric{Int: big.NewInt(12345678), Exp: -4, Valid: true}, // 1234.5678 exactly
		Ratio:   ptr(0.25),
		Flag:    sql.NullBool{Bool: true, Valid: true},
		Born:    pgtype.Date{Time: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), Valid: true},
		SeenAt:  pgtype.Timestamp{Time: time.Date(2001, 1, 1, 1, 1, 1, 1000, time.UTC), Valid: true},
		At:      &at,
		Doc:     json.RawMessage(`{"a": [1, 2, {"b": "ü"}]}`),
		Blob:    []byte{0, 1, 2, 255},
		Tags:    []string{"x", "y,z", `q"uote`},
		Scores:  []int32{3, 1, 2},
		Feeling: ptr("happy"),
		Qty:     ptr(int32(5)),
		Note:    sql.NullString{},
		Small:   -7,
	}
	if err := orm.Insert(ctx, db, &in); err != nil {
		t.Fatal(err)
	}
	if !in.ID.Valid {
		t.Fatal("uuid default not read back")
	}
	out, err := orm.Query[KitchenSink](db).Where(orm.Eq{"id": in.ID}).One(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var docIn, docOut any
	_ = json.Unmarshal(in.Doc, &docIn)
	_ = json.Unmarshal(out.Doc, &docOut)
	if !reflect.DeepEqual(docIn, docOut) {
		t.Errorf("jsonb: %s", out.Doc)
	}
	in.Doc, out.Doc = nil, nil
	if f, _ := out.Price.Float64Value(); f.Float64 != 1234.5678 {
		t.Errorf("numeric: %+v", out.Price)
	}
	in.Price, out.Price = pgtype.Numeric{}, pgtype.Numeric{}
	if !out.At.Equal(at) {
		t.Errorf("timestamptz: %v", out.At)
	}
	in.At, out.At = nil, nil
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip\n in: %+v\nout: %+v", in, out)
	}

	// NULLs into pointers, sql.Null* and pgtype values.
	empty := KitchenSink{Price: pgtype.Numeric{Int: big.NewInt(0), Valid: true}}
	if err := orm.Insert(ctx, db, &empty); err != nil {
		t.Fatal(err)
	}
	got, err := orm.Query[KitchenSink](db).Where(orm.Eq{"id": empty.ID}).One(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ratio != nil || got.Flag.Valid || got.Born.Valid || got.At != nil || got.Doc != nil || got.Tags != nil || got.Feeling != nil || got.Note.Valid {
		t.Errorf("NULLs: %+v", got)
	}
	// Domain CHECK is enforced by the server and surfaces as a check violation.
	bad := KitchenSink{Price: empty.Price, Qty: ptr(int32(-1))}
	if err := orm.Insert(ctx, db, &bad); !orm.IsCheckViolation(err) {
		t.Errorf("domain check: %v", err)
	}
	// An enum value the type does not have is refused.
	bad = KitchenSink{Price: empty.Price, Feeling: ptr("furious")}
	if err := orm.Insert(ctx, db, &bad); err == nil {
		t.Errorf("bad enum accepted")
	}
}
