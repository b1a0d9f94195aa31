package schema

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Querier is what Drift and Audit read the catalog through: *orm.DB,
// *pgxpool.Pool, *pgx.Conn and pgx.Tx satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// liveTable is what the catalog says about one table.
type liveTable struct {
	name    string
	exists  bool
	cols    []liveColumn
	indexes []liveIndex
	cons    []liveConstraint
}

type liveColumn struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	NotNull bool   `json:"notnull"`
}

type liveIndex struct {
	Name    string   `json:"name"`
	Cols    []string `json:"cols"`
	Desc    []bool   `json:"desc"`
	Nulls   []bool   `json:"nulls"` // NULLS FIRST
	Include []string `json:"include"`
	Unique  bool     `json:"unique"`
	Primary bool     `json:"primary"`
	Where   string   `json:"where"`
}

type liveConstraint struct {
	Type     string   `json:"type"` // p, f, u
	Cols     []string `json:"cols"`
	RefTable string   `json:"ref_table"`
	RefCols  []string `json:"ref_cols"`
}

// catalogSQL reads the columns, indexes and constraints of the tables named by its
// one parameter (a text[] of unquoted names, found through the search path), one row
// per name, in one statement.
var catalogSQL = func() string {
	w := sqlw.NewWriter(2048)
	w.SQL(querylog.CatalogMarker)
	w.SQL(`SELECT n.name, c.oid IS NOT NULL,
 coalesce((SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
   'notnull', a.attnotnull) ORDER BY a.attnum)
  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
 coalesce((SELECT json_agg(json_build_object('name', i.relname, 'unique', x.indisunique, 'primary', x.indisprimary,
   'where', coalesce(pg_get_expr(x.indpred, x.indrelid, true), ''),
   'cols', (SELECT json_agg(CASE WHEN x.indkey[k - 1] <> 0 THEN
       (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = x.indkey[k - 1])
       ELSE pg_get_indexdef(x.indexrelid, k, true) END ORDER BY k) FROM generate_series(1, x.indnkeyatts) k),
   'desc', (SELECT json_agg(x.indoption[k - 1] & 1 = 1 ORDER BY k) FROM generate_series(1, x.indnkeyatts) k),
   'nulls', (SELECT json_agg(x.indoption[k - 1] & 2 = 2 ORDER BY k) FROM generate_series(1, x.indnkeyatts) k),
   'include', (SELECT json_agg(a.attname ORDER BY k) FROM generate_series(x.indnkeyatts + 1, x.indnatts) k
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[k - 1]))
   ORDER BY i.relname)
  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid), '[]'),
 coalesce((SELECT json_agg(json_build_object('type', k.contype,
   'cols', (SELECT json_agg(a.attname ORDER BY u.ord) FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num),
   'ref_table', coalesce((SELECT r.relname FROM pg_class r WHERE r.oid = k.confrelid), ''),
   'ref_cols', (SELECT json_agg(a.attname ORDER BY u.ord) FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
       JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num)) ORDER BY k.conname)
  FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'f', 'u')), '[]')
FROM unnest(`)
	w.Cast(w.Param(), "text[]")
	w.SQL(`) WITH ORDINALITY AS n(name, ord)
LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(n.name)) AND c.relkind IN ('r', 'p')
ORDER BY n.ord`)
	return w.String()
}()

// readCatalog reads the live shape of the named tables: one catalog statement,
// marked so that query logs count it apart.
func readCatalog(ctx context.Context, q Querier, tables []string) (map[string]*liveTable, error) {
	rows, err := q.Query(ctx, catalogSQL, tables)
	if err != nil {
		return nil, fmt.Errorf("schema: reading the catalog: %w", err)
	}
	out := make(map[string]*liveTable, len(tables))
	err = scan.Each(rows, func() error {
		t := &liveTable{}
		if err := rows.Scan(&t.name, &t.exists, &t.cols, &t.indexes, &t.cons); err != nil {
			return err
		}
		out[t.name] = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schema: reading the catalog: %w", err)
	}
	return out, nil
}
