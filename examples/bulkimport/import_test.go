package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { ormtest.Main(m) }

// mustCSV generates n rows and replaces the lines named in edit (1 is the header).
func mustCSV(t testing.TB, n int, edit map[int]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := generate(&buf, n, 0); err != nil {
		t.Fatal(err)
	}
	if len(edit) == 0 {
		return buf.Bytes()
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for line, text := range edit {
		lines[line-1] = text
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func mustCount(t testing.TB, ctx context.Context, db *orm.DB) int64 {
	t.Helper()
	n, err := orm.Query[Product](db).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImport_rowsAndStatements(t *testing.T) {
	for name, tc := range map[string]struct {
		chunk int
		want  ormtest.Counts
	}{
		"one chunk":  {chunk: 0, want: ormtest.Counts{Statements: 1, RoundTrips: 1, TxStatements: 2}},
		"ten chunks": {chunk: 1000, want: ormtest.Counts{Statements: 10, RoundTrips: 10, TxStatements: 2}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db := ormtest.New(t, ormtest.Schema(schema))
			data := mustCSV(t, 10_000, nil)
			var res Result
			var progressed []int
			opts := Options{ChunkSize: tc.chunk, Progress: func(rows int, _ int64) { progressed = append(progressed, rows) }}
			ormtest.AssertCounts(t, ctx, tc.want, func(ctx context.Context) {
				var err error
				if res, err = Import(ctx, db, bytes.NewReader(data), opts); err != nil {
					t.Fatalf("Import: %v", err)
				}
			})
			if res.Rows != 10_000 || res.Chunks != tc.want.Statements {
				t.Errorf("Import returned %+v, want 10000 rows in %d chunks", res, tc.want.Statements)
			}
			if n := mustCount(t, ctx, db); n != 10_000 {
				t.Errorf("table holds %d rows, want 10000", n)
			}
			if len(progressed) != tc.want.Statements || progressed[len(progressed)-1] != 10_000 {
				t.Errorf("progress reported %v, want %d calls ending at 10000", progressed, tc.want.Statements)
			}
			last, err := orm.Query[Product](db).Where(orm.Eq{"sku": "SKU-10000"}).One(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if last.Name != "Product 10000" || last.Stock != 0 || last.PriceCents != 99+(10_000*7919)%100_000 {
				t.Errorf("last row is %+v", last)
			}
		})
	}
}

func TestImport_badLineLeavesTableEmpty(t *testing.T) {
	const n, chunk = 10_000, 1000
	for name, tc := range map[string]struct {
		line     int
		text     string
		wantText string // in the error
		sqlstate string // "" for an error found in Go, before sending
	}{
		"price does not parse":     {line: 4321, text: "SKU-x,Thing,12.50,3,2025-01-01T00:00:00Z", wantText: `price_cents "12.50" is not an integer`},
		"stock out of range":       {line: 9999, text: "SKU-x,Thing,1,99999999999,2025-01-01T00:00:00Z", wantText: "stock"},
		"bad time":                 {line: 2, text: "SKU-x,Thing,1,2,yesterday", wantText: "updated_at"},
		"missing field":            {line: 5000, text: "SKU-x,Thing,1,2", wantText: "wrong number of fields"},
		"empty sku":                {line: 7000, text: ",Thing,1,2,2025-01-01T00:00:00Z", wantText: "sku is empty"},
		"CHECK refused by server":  {line: 7001, text: "SKU-x,Thing,-5,2,2025-01-01T00:00:00Z", wantText: "products_price_cents_check", sqlstate: "23514"},
		"UNIQUE refused by server": {line: 9500, text: "SKU-1,Again,1,2,2025-01-01T00:00:00Z", wantText: "products_sku_key", sqlstate: "23505"},
		"first data line refused":  {line: 2, text: "SKU-x,Thing,-1,2,2025-01-01T00:00:00Z", wantText: "products_price_cents_check", sqlstate: "23514"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db := ormtest.New(t, ormtest.Schema(schema))
			data := mustCSV(t, n, map[int]string{tc.line: tc.text})
			log := ormtest.Record(ctx, func(ctx context.Context) {
				_, err := Import(ctx, db, bytes.NewReader(data), Options{ChunkSize: chunk})
				var lineErr *LineError
				if !errors.As(err, &lineErr) || lineErr.Line != tc.line {
					t.Fatalf("Import error = %v, want a LineError naming line %d", err, tc.line)
				}
				if want := fmt.Sprintf("line %d: ", tc.line); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.wantText) {
					t.Errorf("error %q does not say %q and %q", err, want, tc.wantText)
				}
				var pgErr *pgconn.PgError
				if got := errors.As(err, &pgErr); got != (tc.sqlstate != "") || (got && pgErr.Code != tc.sqlstate) {
					t.Errorf("error %v: PgError reachable = %v, want SQLSTATE %q", err, got, tc.sqlstate)
				}
			})
			// Chunks before the bad line were sent (the reader stays at most two
			// chunks ahead); none survives the rollback.
			if sent, most := log.Statements(), (tc.line-2)/chunk+1; sent > most {
				t.Errorf("sent %d statements, want at most %d (one per chunk up to the bad line):\n%s", sent, most, log)
			}
			if got := mustCount(t, ctx, db); got != 0 {
				t.Errorf("table holds %d rows after a failed import, want 0", got)
			}
		})
	}
}

func TestImport_header(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := ormtest.New(t, ormtest.Schema(schema))
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		_, err := Import(ctx, db, strings.NewReader("sku,title,price_cents,stock,updated_at\n"), Options{})
		var lineErr *LineError
		if !errors.As(err, &lineErr) || lineErr.Line != 1 || !strings.Contains(err.Error(), `"title"`) {
			t.Errorf("Import error = %v, want line 1 naming the bad header column", err)
		}
		if _, err := Import(ctx, db, strings.NewReader(""), Options{}); err == nil || !strings.Contains(err.Error(), "empty CSV") {
			t.Errorf("Import of nothing: error = %v, want empty CSV", err)
		}
	})
}
