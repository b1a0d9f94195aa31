package orm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
)

// Insert inserts row and reads every column back into it (RETURNING), so values the
// database chooses (a serial id, created_at DEFAULT now()) land in the struct. Columns
// tagged `orm:"default"` are left to the database when their Go value is the zero
// value; `orm:"readonly"` columns are never written.
func Insert[T any](ctx context.Context, db *DB, row *T) error {
	m, err := writeModel[T](db, row, "Insert")
	if err != nil {
		return err
	}
	base := unsafe.Pointer(row)
	var names []string
	var args []any
	for _, c := range m.Columns {
		if c.ReadOnly || (c.Default && c.IsZero(base)) {
			continue
		}
		names = append(names, c.Quoted)
		args = append(args, c.Value(base))
	}
	var sql strings.Builder
	sql.WriteString("INSERT INTO ")
	sql.WriteString(m.QTable)
	if len(names) == 0 {
		sql.WriteString(" DEFAULT VALUES")
	} else {
		sql.WriteString(" (")
		sql.WriteString(strings.Join(names, ", "))
		sql.WriteString(") VALUES (")
		writePlaceholders(&sql, 1, len(names))
		sql.WriteString(")")
	}
	sql.WriteString(" RETURNING ")
	sql.WriteString(m.QualifiedList(m.Table, m.Columns))
	if err := db.q.QueryRow(ctx, sql.String(), args...).Scan(pointers(m.Columns, base)...); err != nil {
		return fmt.Errorf("orm: insert into %s: %w", m.Table, err)
	}
	return nil
}

// Update writes the named columns (field or column names) of row, found by its primary
// key, and reads every column back. Naming the columns is required: Go zero values are
// never taken to mean "leave alone", so an empty list is [ErrNothingToUpdate]. No
// matching row is [ErrNotFound].
func Update[T any](ctx context.Context, db *DB, row *T, columns ...string) error {
	m, err := writeModel[T](db, row, "Update")
	if err != nil {
		return err
	}
	if len(columns) == 0 {
		return ErrNothingToUpdate
	}
	base := unsafe.Pointer(row)
	var sets []string
	var args []any
	seen := map[*model.Column]bool{}
	for _, name := range columns {
		c, err := m.Column(name)
		if err != nil {
			return fmt.Errorf("orm: Update: %w", err)
		}
		if c.PK || c.ReadOnly {
			return fmt.Errorf("orm: Update: column %q of %s is a primary key or read-only", c.Name, m.Name)
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		args = append(args, c.Value(base))
		sets = append(sets, c.Quoted+" = $"+strconv.Itoa(len(args)))
	}
	where, args, err := pkWhere(m, base, args)
	if err != nil {
		return err
	}
	sql := "UPDATE " + m.QTable + " SET " + strings.Join(sets, ", ") + " WHERE " + where +
		" RETURNING " + m.QualifiedList(m.Table, m.Columns)
	if err := db.q.QueryRow(ctx, sql, args...).Scan(pointers(m.Columns, base)...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("orm: update %s: %w", m.Table, ErrNotFound)
		}
		return fmt.Errorf("orm: update %s: %w", m.Table, err)
	}
	return nil
}

// Delete deletes row by its primary key. No matching row is [ErrNotFound].
func Delete[T any](ctx context.Context, db *DB, row *T) error {
	m, err := writeModel[T](db, row, "Delete")
	if err != nil {
		return err
	}
	where, args, err := pkWhere(m, unsafe.Pointer(row), nil)
	if err != nil {
		return err
	}
	tag, err := db.q.Exec(ctx, "DELETE FROM "+m.QTable+" WHERE "+where, args...)
	if err != nil {
		return fmt.Errorf("orm: delete from %s: %w", m.Table, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("orm: delete from %s: %w", m.Table, ErrNotFound)
	}
	return nil
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
		return nil, err
	}
	if call != "Insert" && len(m.PK) == 0 {
		return nil, fmt.Errorf("orm: %s: model %s has no primary key: %w", call, m.Name, ErrMissingPK)
	}
	return m, nil
}

// pkWhere renders "pk1 = $n AND pk2 = $n+1" after the args already in args.
func pkWhere(m *model.Model, base unsafe.Pointer, args []any) (string, []any, error) {
	parts := make([]string, len(m.PK))
	for i, c := range m.PK {
		if c.IsZero(base) && c.Default {
			return "", nil, fmt.Errorf("orm: %s has a zero primary key %s: %w", m.Name, c.Field, ErrMissingPK)
		}
		args = append(args, c.Value(base))
		parts[i] = c.Quoted + " = $" + strconv.Itoa(len(args))
	}
	return strings.Join(parts, " AND "), args, nil
}

func pointers(cols []*model.Column, base unsafe.Pointer) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = c.Ptr(base)
	}
	return out
}

func writePlaceholders(b *strings.Builder, from, n int) {
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
}
