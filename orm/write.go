package orm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Insert inserts row and reads every column back into it (RETURNING), so values the
// database chooses (a serial id, created_at DEFAULT now()) land in the struct. Columns
// tagged `orm:"default"` are left to the database when their Go value is the zero
// value; `orm:"readonly"` columns are never written.
func Insert[T any](ctx context.Context, db *DB, row *T) (err error) {
	m, err := writeModel[T](db, row, "Insert")
	if err != nil {
		return err
	}
	ctx, op := db.startOp(ctx, "Insert", m)
	defer func() { op.End(oneRow(err), err) }()
	base := unsafe.Pointer(row)
	if err := scopeInsert(ctx, m, base); err != nil {
		return fmt.Errorf("orm: Insert: %w", err)
	}
	var cols []*model.Column
	for _, c := range m.Columns {
		if !c.ReadOnly && !(c.Default && c.IsZero(base)) {
			cols = append(cols, c)
		}
	}
	w := sqlw.NewWriter(64 + 2*len(m.SelectList))
	w.SQL("INSERT INTO ")
	w.SQL(m.QTable)
	if len(cols) == 0 {
		w.SQL(" DEFAULT VALUES")
	} else {
		w.SQL(" (")
		w.List(len(cols), func(i int) { w.SQL(cols[i].Quoted) })
		w.SQL(") VALUES (")
		w.List(len(cols), func(i int) { w.Arg(cols[i].Value(base)) })
		w.Byte(')')
	}
	w.SQL(" RETURNING ")
	w.SQL(m.SelectList)
	if err := scanOne(ctx, db, w, m, base); err != nil {
		return fmt.Errorf("orm: insert into %s: %w", m.Table, err)
	}
	return nil
}

// Update writes the named columns (field or column names) of row, found by its primary
// key, and reads every column back. Naming the columns is required: Go zero values are
// never taken to mean "leave alone", so an empty list is [ErrNothingToUpdate]. No
// matching row is [ErrNotFound].
func Update[T any](ctx context.Context, db *DB, row *T, columns ...string) (err error) {
	m, err := writeModel[T](db, row, "Update")
	if err != nil {
		return err
	}
	ctx, op := db.startOp(ctx, "Update", m)
	defer func() { op.End(oneRow(err), err) }()
	if len(columns) == 0 {
		return ErrNothingToUpdate
	}
	base := unsafe.Pointer(row)
	var set []*model.Column
	for _, name := range columns {
		c, err := m.Column(name)
		if err != nil {
			return fmt.Errorf("orm: Update: %w", err)
		}
		if c.PK || c.ReadOnly {
			return fmt.Errorf("orm: Update: column %q of %s is a primary key or read-only", c.Name, m.Name)
		}
		if err := scopeColumn(m, c); err != nil {
			return fmt.Errorf("orm: Update: %w", err)
		}
		if !slices.Contains(set, c) {
			set = append(set, c)
		}
	}
	if err := checkPK(m, base); err != nil {
		return err
	}
	w := sqlw.NewWriter(64 + 2*len(m.SelectList))
	w.SetScopes(sqlw.ScopesFrom(ctx))
	w.SQL("UPDATE ")
	w.SQL(m.QTable)
	w.SQL(" SET ")
	w.List(len(set), func(i int) {
		w.SQL(set[i].Quoted)
		w.SQL(" = ")
		w.Arg(set[i].Value(base))
	})
	writePKWhere(w, m, base)
	// a soft-deleted row, or another tenant's, is not there to update
	if err := sqlw.WriteScope(w, m, m.QTable, " AND "); err != nil {
		return fmt.Errorf("orm: Update: %w", err)
	}
	w.SQL(" RETURNING ")
	w.SQL(m.SelectList)
	if err := scanOne(ctx, db, w, m, base); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("orm: update %s: %w", m.Table, ErrNotFound)
		}
		return fmt.Errorf("orm: update %s: %w", m.Table, err)
	}
	return nil
}

// Delete deletes row by its primary key. On a model with a soft-delete column
// (`orm:"softdelete"`) it marks the row deleted instead (the column set to now() and
// read back into row), and every query leaves it out from then on; [HardDelete]
// removes it. No matching live row is [ErrNotFound].
func Delete[T any](ctx context.Context, db *DB, row *T) error {
	return deleteRow(ctx, db, row, "Delete", false)
}

// HardDelete deletes row by its primary key with a real DELETE, on a model with a
// soft-delete column too. No matching row is [ErrNotFound].
func HardDelete[T any](ctx context.Context, db *DB, row *T) error {
	return deleteRow(ctx, db, row, "HardDelete", true)
}

func deleteRow[T any](ctx context.Context, db *DB, row *T, call string, hard bool) (err error) {
	m, err := writeModel[T](db, row, call)
	if err != nil {
		return err
	}
	ctx, op := db.startOp(ctx, call, m)
	defer func() { op.End(oneRow(err), err) }()
	base := unsafe.Pointer(row)
	if err := checkPK(m, base); err != nil {
		return err
	}
	w := sqlw.NewWriter(64)
	w.SetScopes(sqlw.ScopesFrom(ctx))
	if m.SoftDelete != nil && !hard {
		w.SQL("UPDATE " + m.QTable + " SET " + m.SoftDelete.Quoted + " = now()")
		writePKWhere(w, m, base)
		if err := sqlw.WriteScope(w, m, m.QTable, " AND "); err != nil {
			return fmt.Errorf("orm: %s: %w", call, err)
		}
		w.SQL(" RETURNING " + m.SoftDelete.Qualified)
		err := db.q.QueryRow(ctx, w.String(), w.Args()...).Scan(m.SoftDelete.Ptr(base))
		if errors.Is(err, pgx.ErrNoRows) {
			err = ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("orm: delete from %s: %w", m.Table, err)
		}
		return nil
	}
	w.SQL("DELETE FROM ")
	w.SQL(m.QTable)
	writePKWhere(w, m, base)
	// a hard delete reaches soft-deleted rows, never another tenant's
	if err := sqlw.WriteValueScopes(w, m, m.QTable, " AND "); err != nil {
		return fmt.Errorf("orm: %s: %w", call, err)
	}
	tag, err := db.q.Exec(ctx, w.String(), w.Args()...)
	if err != nil {
		return fmt.Errorf("orm: delete from %s: %w", m.Table, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("orm: delete from %s: %w", m.Table, ErrNotFound)
	}
	return nil
}

// scanOne sends w's statement and reads its one row, every column of m, into base.
func scanOne(ctx context.Context, db *DB, w *sqlw.Writer, m *model.Model, base unsafe.Pointer) error {
	rows, err := db.q.Query(ctx, w.String(), w.Args()...)
	if err != nil {
		return err
	}
	r := scan.NewRow(nil, m.Columns, nil)
	n := 0
	err = scan.Each(rows, func() error {
		n++
		return r.Scan(rows, base)
	})
	if err == nil && n == 0 {
		err = pgx.ErrNoRows
	}
	return err
}

func writeModel[T any](db *DB, row *T, call string) (*model.Model, error) {
	if db == nil {
		return nil, fmt.Errorf("orm: %s: nil DB", call)
	}
	if row == nil {
		return nil, fmt.Errorf("orm: %s: nil row", call)
	}
	m, err := model.Of[T]()
	if err != nil {
		return nil, fmt.Errorf("orm: %s: %w", call, err)
	}
	if call != "Insert" && len(m.PK) == 0 {
		return nil, fmt.Errorf("orm: %s: model %s has no primary key: %w", call, m.Name, ErrMissingPK)
	}
	return m, nil
}

// checkPK refuses a row whose database-chosen key is still zero.
func checkPK(m *model.Model, base unsafe.Pointer) error {
	for _, c := range m.PK {
		if c.IsZero(base) && c.Default {
			return fmt.Errorf("orm: %s has a zero primary key %s: %w", m.Name, c.Field, ErrMissingPK)
		}
	}
	return nil
}

// writePKWhere writes " WHERE pk1 = $n AND pk2 = $n+1".
func writePKWhere(w *sqlw.Writer, m *model.Model, base unsafe.Pointer) {
	w.SQL(" WHERE ")
	for i, c := range m.PK {
		if i > 0 {
			w.SQL(" AND ")
		}
		w.SQL(c.Quoted)
		w.SQL(" = ")
		w.Arg(c.Value(base))
	}
}
