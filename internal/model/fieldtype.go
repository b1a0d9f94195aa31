package model

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"unicode"
)

var (
	valuerType = reflect.TypeFor[driver.Valuer]()
)

// checkFieldType refuses Go types that no PostgreSQL column can be read into or
// written from: channels, functions, complex numbers, unsafe pointers, and slices,
// arrays, maps, pointers and structs holding them. Types that scan or encode
// themselves (sql.Scanner, driver.Valuer, pgx's pgtype values) are accepted as they
// are. A field of interface type (any) is accepted: it receives whatever pgx decodes
// for the column's type (int64, string, time.Time, map[string]any for json, ...).
func checkFieldType(t reflect.Type) error {
	return checkType(t, map[reflect.Type]bool{})
}

func checkType(t reflect.Type, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	if t.Implements(scannerType) || reflect.PointerTo(t).Implements(scannerType) || t.Implements(valuerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.Complex64, reflect.Complex128, reflect.UnsafePointer, reflect.Uintptr:
		return fmt.Errorf("the Go type %v cannot hold a column value", t)
	case reflect.Pointer, reflect.Slice, reflect.Array:
		if err := checkType(t.Elem(), seen); err != nil {
			return fmt.Errorf("%v: %w", t, err)
		}
	case reflect.Map:
		if k := t.Key().Kind(); k != reflect.String && (k < reflect.Int || k > reflect.Uint64) {
			return fmt.Errorf("map key type %v: only string and integer keys travel as json", t.Key())
		}
		if err := checkType(t.Elem(), seen); err != nil {
			return fmt.Errorf("%v: %w", t, err)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			if err := checkType(f.Type, seen); err != nil {
				return fmt.Errorf("%v.%s: %w", t, f.Name, err)
			}
		}
	}
	return nil
}

// checkTagName refuses a db tag holding a control character (NUL, newline, ...):
// Go's reflect drops nothing, but such a name can never be meant, and a NUL would be
// cut off on its way to PostgreSQL, reading another column.
func checkTagName(name string) error {
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("column name %q holds the control character %U", name, r)
		}
	}
	return nil
}
