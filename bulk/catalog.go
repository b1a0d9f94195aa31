package bulk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/internal/model"
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
// statement.
const catalogSQL = `SELECT
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
FROM (SELECT $1::text::regclass::oid AS oid) AS r`

// planKey identifies a cached plan: the database a querier reaches and the model.
type planKey struct {
	db any // weak.Pointer to the *pgxpool.Pool or *pgx.Conn
	t  reflect.Type
}

// plans caches plans per (pool or connection, model type). An entry goes away when
// its pool or connection is garbage collected.
var plans sync.Map

// dbIdentity returns a comparable key for the database q reaches and the object whose
// lifetime bounds it, or nils when q is of an unknown kind (then nothing is cached).
func dbIdentity(q Querier) (any, any) {
	switch x := q.(type) {
	case *pgxpool.Pool:
		return weak.Make(x), x
	case interface{ Pool() *pgxpool.Pool }: // *orm.DB, also inside a transaction
		if p := x.Pool(); p != nil {
			return weak.Make(p), p
		}
	case *pgx.Conn:
		return weak.Make(x), x
	case interface{ Conn() *pgx.Conn }: // pgx.Tx, *pgxpool.Conn
		if c := x.Conn(); c != nil {
			return weak.Make(c), c
		}
	}
	return nil, nil
}

// Prepare reads the catalog entry of T's table now (one statement, then cached as
// every bulk call caches it: per pool or connection) and checks the model against
// the table, so that the next bulk call on q sends only its own statements. Call it
// at startup to fail fast when a model and its table disagree ([ErrSchema]: a column
// missing from the table), or in a test before counting statements. A second call
// for the same pool and model sends nothing.
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

// planFor returns the plan of m on the database q reaches. The first call per pool
// (or connection) and model sends one catalog statement; later calls read the cache.
func planFor(ctx context.Context, q Querier, m *model.Model) (*plan, error) {
	dbKey, owner := dbIdentity(q)
	key := planKey{db: dbKey, t: m.Type}
	if dbKey != nil {
		if p, ok := plans.Load(key); ok {
			return p.(*plan), nil
		}
	}
	cols, cons, err := readCatalog(ctx, q, m)
	if err != nil {
		return nil, err
	}
	p, err := newPlan(m, cols, cons)
	if err != nil {
		return nil, err
	}
	if dbKey != nil {
		if prev, loaded := plans.LoadOrStore(key, p); loaded {
			return prev.(*plan), nil
		}
		forget := func(k planKey) { plans.Delete(k) }
		switch o := owner.(type) {
		case *pgxpool.Pool:
			runtime.AddCleanup(o, forget, key)
		case *pgx.Conn:
			runtime.AddCleanup(o, forget, key)
		}
	}
	return p, nil
}

// forgetStale drops the cached plan of m on q's database when err says the table is no
// longer what the plan describes (SQLSTATE class 42, such as a column whose type
// changed, or 22P03, a binary value the column no longer takes), so that the next call
// reads the catalog again. The failed call changed nothing: bulk writes are atomic.
func forgetStale(q Querier, m *model.Model, err error) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || !strings.HasPrefix(pe.Code, "42") && pe.Code != "22P03" {
		return
	}
	if dbKey, _ := dbIdentity(q); dbKey != nil {
		plans.Delete(planKey{db: dbKey, t: m.Type})
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
