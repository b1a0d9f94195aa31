package bulk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/internal/dbx"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/querylog"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// pgColumn is what the catalog says about one column of a table.
type pgColumn struct {
	Name      string  `json:"name"`
	OID       uint32  `json:"oid"`
	ArrayOID  uint32  `json:"array_oid"`
	Type      string  `json:"type"`     // format_type without typmod, e.g. "bigint", "mood", "integer[]"
	Category  string  `json:"category"` // pg_type.typcategory: "A" array, "E" enum, ...
	Len       int     `json:"len"`      // pg_type.typlen: > 0 for fixed-width types
	Generated bool    `json:"generated"`
	Identity  string  `json:"identity"` // "", "a" (ALWAYS) or "d" (BY DEFAULT)
	Default   *string `json:"default"`  // the DEFAULT expression, or nextval(...) for identity columns
}

// catalogSQL reads a table's columns and its primary-key and unique constraints in one
// statement; its one parameter is the quoted table name.
var catalogSQL = func() string {
	var w sqlw.Writer
	w.SQL(querylog.CatalogMarker)
	w.SQL(`SELECT
 (SELECT json_agg(json_build_object('name', a.attname, 'oid', a.atttypid::int8, 'array_oid', t.typarray::int8,
   'type', format_type(a.atttypid, NULL), 'category', t.typcategory, 'len', t.typlen,
   'generated', a.attgenerated <> '', 'identity', a.attidentity::text,
   'default', CASE WHEN a.attidentity <> '' THEN format('nextval(%L::regclass)', pg_get_serial_sequence(a.attrelid::regclass::text, a.attname))
                   WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END) ORDER BY a.attnum)
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped),
 (SELECT json_object_agg(c.conname, (SELECT json_agg(a.attname ORDER BY k.ord)
    FROM unnest(c.conkey) WITH ORDINALITY AS k(num, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num))
  FROM pg_constraint c WHERE c.conrelid = r.oid AND c.contype IN ('p', 'u'))
FROM (SELECT `)
	w.Cast(w.Param(), "text::regclass::oid")
	w.SQL(" AS oid) AS r")
	return w.String()
}()

// planKey is the key of a model's plan among the facts cached on a handle.
type planKey struct{ t reflect.Type }

// Prepare reads the catalog entry of T's table now (one statement) and checks the
// model against the table, so that the next bulk call sends only its own statements.
// Call it at startup to fail fast when a model and its table disagree ([ErrSchema]: a
// column missing from the table), or in a test before counting statements.
//
// The entry is cached on the handle q, when q is an *orm.DB: every bulk call through
// that DB, and through the transactions it makes (orm.DB.Tx, orm.DB.WithTx),
// reuses it, and a second Prepare for the same model sends nothing. A bare
// *pgxpool.Pool, *pgx.Conn or pgx.Tx has no cache: Prepare only checks the model,
// and every bulk call on it reads the catalog again (one extra round trip, which query
// logs record as a catalog read, apart from the statement count). So hand
// bulk an orm.DB, and for a transaction begun with pgx, db.WithTx(tx).
func Prepare[T any](ctx context.Context, q Querier) error {
	m, err := modelOf[T]("Prepare")
	if err != nil {
		return err
	}
	if q == nil {
		return fmt.Errorf("bulk: Prepare: nil Querier")
	}
	_, err = planFor(ctx, q, m)
	return err
}

// planFor returns the plan of m on the database q reaches: from the handle's cache
// when q has one (the first call per handle and model sends the catalog statement),
// read from the catalog otherwise.
func planFor(ctx context.Context, q Querier, m *model.Model) (*plan, error) {
	shared := dbx.SharedOf(q)
	if shared == nil {
		return readPlan(ctx, q, m)
	}
	p, err := shared.Memo(planKey{m.Type}, func() (any, error) { return readPlan(ctx, q, m) })
	if err != nil {
		return nil, err
	}
	return p.(*plan), nil
}

// readPlan reads the catalog and matches m against it.
func readPlan(ctx context.Context, q Querier, m *model.Model) (*plan, error) {
	cols, cons, err := readCatalog(ctx, q, m)
	if err != nil {
		return nil, err
	}
	return newPlan(m, cols, cons)
}

// forgetStale drops the cached plan of m on q's handle when err says the table is no
// longer what the plan describes (SQLSTATE class 42, such as a column whose type
// changed, or 22P03, a binary value the column no longer takes), so that the next call
// reads the catalog again. The failed call changed nothing: bulk writes are atomic.
func forgetStale(q Querier, m *model.Model, err error) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "42") && pe.Code != "22P03" {
		return
	}
	if shared := dbx.SharedOf(q); shared != nil {
		shared.Forget(planKey{m.Type})
	}
}

func readCatalog(ctx context.Context, q Querier, m *model.Model) ([]pgColumn, map[string][]string, error) {
	var cols []pgColumn
	var cons map[string][]string
	if err := q.QueryRow(ctx, catalogSQL, m.QTable).Scan(&cols, &cons); err != nil {
		return nil, nil, fmt.Errorf("bulk: read columns of table %s: %w", m.Table, err)
	}
	return cols, cons, nil
}
