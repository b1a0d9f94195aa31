package model

import (
	"database/sql"
	"database/sql/driver"
	"reflect"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
)

var nullInner = map[reflect.Type]reflect.Type{
	reflect.TypeFor[sql.NullInt64]():  reflect.TypeFor[int64](),
	reflect.TypeFor[sql.NullInt32]():  reflect.TypeFor[int64](),
	reflect.TypeFor[sql.NullInt16]():  reflect.TypeFor[int64](),
	reflect.TypeFor[sql.NullString](): reflect.TypeFor[string](),
	reflect.TypeFor[pgtype.Int8]():    reflect.TypeFor[int64](),
	reflect.TypeFor[pgtype.Int4]():    reflect.TypeFor[int64](),
	reflect.TypeFor[pgtype.Int2]():    reflect.TypeFor[int64](),
	reflect.TypeFor[pgtype.Text]():    reflect.TypeFor[string](),
	reflect.TypeFor[pgtype.UUID]():    reflect.TypeFor[[16]byte](),
}

// KeyValue returns the value of c in the struct at base normalised for use as a map
// key (signed integers as int64, nullable wrappers unwrapped), and false when the value
// is NULL. A time.Time is the instant in UTC truncated to microseconds, as
// PostgreSQL compares a timestamptz. Values of other comparable types are returned as
// they are.
func (c *Column) KeyValue(base unsafe.Pointer) (any, bool) {
	v := reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Elem()
	return NormalizeKey(v)
}

// NormalizeKey is KeyValue for a reflect.Value.
func NormalizeKey(v reflect.Value) (any, bool) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int64(v.Uint()), true
	case reflect.String:
		return v.String(), true
	}
	switch x := v.Interface().(type) {
	case pgtype.UUID:
		return x.Bytes, x.Valid
	case time.Time:
		// PostgreSQL compares a timestamptz as an instant at microsecond precision
		// (pgx truncates what it sends and reads it back in time.Local); == also
		// compares the location and the monotonic reading.
		return x.Truncate(time.Microsecond).UTC(), true
	case driver.Valuer:
		dv, err := x.Value()
		if err != nil || dv == nil {
			return nil, false
		}
		return NormalizeKey(reflect.ValueOf(dv))
	}
	if v.Comparable() {
		return v.Interface(), true
	}
	return nil, false
}
