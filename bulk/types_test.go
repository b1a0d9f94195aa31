package bulk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// kindRows returns rows using every column type, one with every nullable column NULL
// and one with empty arrays, and the table content each must produce, as text.
func kindRows(t testing.TB) ([]Kind, []string) {
	t.Helper()
	at := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	var amount, amount2 pgtype.Numeric
	if err := amount.Scan("12.345"); err != nil {
		t.Fatal(err)
	}
	if err := amount2.Scan("-0.5"); err != nil {
		t.Fatal(err)
	}
	uid := pgtype.UUID{Bytes: [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}, Valid: true}
	rows := []Kind{
		{
			Label: "full", Attrs: map[string]any{"a": 1.0, "b": []any{"x", nil}}, Tags: []string{"x", "y z", `q"uote`, "comma,"},
			Grid: [][]int32{{1, 2}, {3, 4}}, M: ptr[Mood]("happy"), Moods: []Mood{"sad", "ok"}, Blob: []byte{0, 1, 0xff},
			Amount: amount, Price: ptr("3.14159265358979"), At: &at, UID: uid, Ref: ptr("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), Note: ptr("é\tñ"), Pos: ptr(7),
		},
		{Label: "nulls"},
		{Label: "empty", Attrs: map[string]any{}, Tags: []string{}, Grid: [][]int32{}, Moods: []Mood{}, Blob: []byte{}, Amount: amount2, Note: ptr("")},
	}
	want := []string{
		`empty|{}|{}|{}|NULL|{}||-0.50|NULL|NULL|NULL|NULL||NULL|EMPTY`,
		`full|{"a": 1, "b": ["x", null]}|{x,"y z","q\"uote","comma,"}|{{1,2},{3,4}}|happy|{sad,ok}|0001ff|12.35|3.14159265358979|2024-02-29 13:14:15.123456+00|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|6ba7b810-9dad-11d1-80b4-00c04fd430c8|é	ñ|7|FULL`,
		`nulls|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULLS`,
	}
	return rows, want
}

// mustKindsText reads the kinds table as text, one line a row, sorted by label.
func mustKindsText(t testing.TB, ctx context.Context, db *orm.DB) []string {
	t.Helper()
	got, err := orm.Raw[string](ctx, db, `SELECT concat_ws('|', label, coalesce(attrs::text, 'NULL'), coalesce(tags::text, 'NULL'),
		coalesce(grid::text, 'NULL'), coalesce(m::text, 'NULL'), coalesce(moods::text, 'NULL'), coalesce(encode(blob, 'hex'), 'NULL'),
		coalesce(amount::text, 'NULL'), coalesce(price::text, 'NULL'), coalesce(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00', 'NULL'),
		coalesce(uid::text, 'NULL'), coalesce(ref::text, 'NULL'), coalesce(note, 'NULL'), coalesce(pos::text, 'NULL'), upper_label)
		FROM kinds ORDER BY label`)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestCreate_columnTypes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		opts     []bulk.Option
		readBack bool
	}{
		{"unnest", nil, true},
		{"values", []bulk.Option{bulk.WithStrategy(bulk.Values)}, true},
		{"unnest, nothing back", []bulk.Option{bulk.NoReturning()}, false},
		{"values, nothing back", []bulk.Option{bulk.NoReturning(), bulk.WithStrategy(bulk.Values)}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := mustDB(t)
			ctx := testCtx(t)
			rows, want := kindRows(t)
			ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { // one insert (the catalog read is counted apart)
				if err := bulk.Create(ctx, db, rows, tc.opts...); err != nil {
					t.Fatal(err)
				}
			})
			if got := mustKindsText(t, ctx, db); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, r := range rows {
				if read := r.ID != 0 && r.UpperLabel == strings.ToUpper(r.Label); read != tc.readBack {
					t.Fatalf("values read back: %v, want %v: %+v", read, tc.readBack, r)
				}
			}
		})
	}
}

// CopyKind maps the kinds columns COPY can carry (types pgx knows and enums as Go
// strings), with no value to read back.
type CopyKind struct {
	ID     int64
	Label  string
	Attrs  map[string]any
	Tags   []string
	Grid   [][]int32
	M      *Mood
	Blob   []byte
	Amount pgtype.Numeric
	At     *time.Time
	UID    pgtype.UUID
	Note   *string
}

func (CopyKind) TableName() string { return "kinds" }

func TestCreate_columnTypesByCopy(t *testing.T) {
	t.Parallel()
	db := mustDB(t)
	ctx := testCtx(t)
	kinds, _ := kindRows(t)
	rows := make([]CopyKind, len(kinds))
	for i, k := range kinds {
		rows[i] = CopyKind{ID: int64(i + 1), Label: k.Label, Attrs: k.Attrs, Tags: k.Tags, Grid: k.Grid, M: ptr[Mood]("ok"),
			Blob: k.Blob, Amount: k.Amount, At: k.At, UID: k.UID, Note: k.Note}
	}
	log := ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) { // the first call also reads the catalog
		if err := bulk.Create(ctx, db, rows, bulk.NoReturning(), bulk.WithStrategy(bulk.Copy)); err != nil {
			t.Fatal(err)
		}
	})
	if sql := log.SQL()[0]; !strings.HasPrefix(sql, "COPY") || log.CatalogStatements() != 1 {
		t.Fatalf("not sent with COPY: %s", log)
	}
	want := []string{
		`empty|{}|{}|{}|ok|NULL||-0.50|NULL|NULL|NULL|NULL||NULL|EMPTY`,
		`full|{"a": 1, "b": ["x", null]}|{x,"y z","q\"uote","comma,"}|{{1,2},{3,4}}|ok|NULL|0001ff|12.35|NULL|2024-02-29 13:14:15.123456+00|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|NULL|é	ñ|NULL|FULL`,
		`nulls|NULL|NULL|NULL|ok|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULLS`,
	}
	if got := mustKindsText(t, ctx, db); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	err := bulk.Create(ctx, db, kinds, bulk.NoReturning(), bulk.WithStrategy(bulk.Copy))
	if err == nil || !strings.Contains(err.Error(), "moods") {
		t.Fatalf("want COPY refused for the enum array, got %v", err)
	}
}
