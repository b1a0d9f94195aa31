package advisor

import (
	"context"
	"fmt"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/internal/scan"
)

// tableInfo is what the catalog says about one table: its indexes' key columns in
// order ("" for an expression key), which of them may stand in for the index a plan
// did not use, and its number of columns.
type tableInfo struct {
	indexes map[string][]string
	// whole holds the valid b-tree indexes without a predicate. A partial index
	// serves a statement only when the statement implies its predicate, which only
	// the planner can tell: it counts when a plan uses it, never as a stand-in.
	whole   map[string]bool
	columns int
}

// leadingIndex returns the name of an index whose leading key columns are exactly
// the set cols (in any order), or "".
func (ti *tableInfo) leadingIndex(cols []string) string {
	for name, keys := range ti.indexes {
		if !ti.whole[name] || len(keys) < len(cols) {
			continue
		}
		want := map[string]bool{}
		for _, c := range cols {
			want[c] = true
		}
		ok := true
		for _, k := range keys[:len(want)] {
			ok = ok && want[k]
		}
		if ok {
			return name
		}
	}
	return ""
}

const indexKeysSQL = querylog.CatalogMarker + `SELECT i.relname,
	array(SELECT coalesce(a.attname, '') FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(n, o)
		LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n
		WHERE k.o <= ix.indnkeyatts ORDER BY k.o),
	(SELECT count(*) FROM pg_attribute c WHERE c.attrelid = ix.indrelid AND c.attnum > 0 AND NOT c.attisdropped),
	ix.indisvalid AND ix.indpred IS NULL AND am.amname = 'btree'
FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_am am ON am.oid = i.relam
WHERE ix.indrelid = to_regclass($1)`

const columnsSQL = querylog.CatalogMarker + `SELECT count(*) FROM pg_attribute
WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`

// catalog reads tables' facts once per judgement.
type catalog struct {
	db     dbx.Querier
	tables map[string]*tableInfo
}

// table returns the facts of the table named by its quoted, qualified name.
func (c *catalog) table(ctx context.Context, name string) (*tableInfo, error) {
	if ti, ok := c.tables[name]; ok {
		return ti, nil
	}
	ti := &tableInfo{indexes: map[string][]string{}, whole: map[string]bool{}}
	rows, err := c.db.Query(ctx, indexKeysSQL, name)
	if err != nil {
		return nil, fmt.Errorf("indexes of %s: %w", name, err)
	}
	err = scan.Each(rows, func() error {
		var idx string
		var keys []string
		var whole bool
		if err := rows.Scan(&idx, &keys, &ti.columns, &whole); err != nil {
			return err
		}
		ti.indexes[idx], ti.whole[idx] = keys, whole
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("indexes of %s: %w", name, err)
	}
	if len(ti.indexes) == 0 {
		if err := c.db.QueryRow(ctx, columnsSQL, name).Scan(&ti.columns); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", name, err)
		}
	}
	if c.tables == nil {
		c.tables = map[string]*tableInfo{}
	}
	c.tables[name] = ti
	return ti, nil
}
