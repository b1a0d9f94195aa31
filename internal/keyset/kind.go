package keyset

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
)

// kind is the type of a sort-key value as a cursor carries it. Decoded values are
// returned (and bound) as: int64, uint64, float64, bool, string, []byte, time.Time,
// [16]byte (uuid) and pgtype.Numeric; NULL is nil.
type kind uint8

const (
	kindInt kind = iota + 1
	kindUint
	kindFloat
	kindBool
	kindString
	kindBytes
	kindTime
	kindUUID
	kindNumeric
)

func (k kind) String() string {
	switch k {
	case kindInt:
		return "integer"
	case kindUint:
		return "unsigned integer"
	case kindFloat:
		return "float"
	case kindBool:
		return "bool"
	case kindString:
		return "text"
	case kindBytes:
		return "bytes"
	case kindTime:
		return "timestamp"
	case kindUUID:
		return "uuid"
	case kindNumeric:
		return "numeric"
	}
	return "unknown"
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	numericType = reflect.TypeFor[pgtype.Numeric]()
	uuidType    = reflect.TypeFor[pgtype.UUID]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
)

// valuerKinds are the nullable wrapper types accepted as sort columns: their
// driver.Value is read and converted to the kind.
var valuerKinds = map[reflect.Type]kind{
	reflect.TypeFor[sql.NullInt64]():      kindInt,
	reflect.TypeFor[sql.NullInt32]():      kindInt,
	reflect.TypeFor[sql.NullInt16]():      kindInt,
	reflect.TypeFor[sql.NullByte]():       kindInt,
	reflect.TypeFor[sql.NullFloat64]():    kindFloat,
	reflect.TypeFor[sql.NullBool]():       kindBool,
	reflect.TypeFor[sql.NullString]():     kindString,
	reflect.TypeFor[sql.NullTime]():       kindTime,
	reflect.TypeFor[pgtype.Int8]():        kindInt,
	reflect.TypeFor[pgtype.Int4]():        kindInt,
	reflect.TypeFor[pgtype.Int2]():        kindInt,
	reflect.TypeFor[pgtype.Float8]():      kindFloat,
	reflect.TypeFor[pgtype.Float4]():      kindFloat,
	reflect.TypeFor[pgtype.Bool]():        kindBool,
	reflect.TypeFor[pgtype.Text]():        kindString,
	reflect.TypeFor[pgtype.Timestamptz](): kindTime,
	reflect.TypeFor[pgtype.Timestamp]():   kindTime,
	reflect.TypeFor[pgtype.Date]():        kindTime,
}

// kindOf returns the cursor kind of a sort column's Go type, or an error for a type
// whose values a cursor cannot carry exactly.
func kindOf(t reflect.Type) (kind, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return kindTime, nil
	case numericType:
		return kindNumeric, nil
	case uuidType:
		return kindUUID, nil
	}
	if k, ok := valuerKinds[t]; ok {
		return k, nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kindInt, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kindUint, nil
	case reflect.Float32, reflect.Float64:
		return kindFloat, nil
	case reflect.Bool:
		return kindBool, nil
	case reflect.String:
		return kindString, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return kindBytes, nil
		}
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Len() == 16 {
			return kindUUID, nil
		}
	}
	return 0, fmt.Errorf("type %v cannot be a sort key (use an integer, float, bool, string, []byte, time.Time, [16]byte/uuid, pgtype.Numeric, a pointer to one, or a sql.Null*/pgtype nullable wrapper)", t)
}

// readValue reads column c of the struct at base as a value of kind k: nil for NULL.
func readValue(c *model.Column, k kind, base unsafe.Pointer) (any, error) {
	v := reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Elem()
	return normalize(v, k)
}

// normalize converts v (a field value of a type kindOf accepted as k) to the cursor
// representation of k, or nil for NULL.
func normalize(v reflect.Value, k kind) (any, error) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	switch t := v.Type(); {
	case t == timeType:
		return v.Interface().(time.Time), nil
	case t == numericType:
		n := v.Interface().(pgtype.Numeric)
		if !n.Valid {
			return nil, nil
		}
		return n, nil
	case t == uuidType:
		u := v.Interface().(pgtype.UUID)
		if !u.Valid {
			return nil, nil
		}
		return u.Bytes, nil
	case valuerKinds[t] != 0 && t.Implements(valuerType):
		dv, err := v.Interface().(driver.Valuer).Value()
		if err != nil {
			return nil, err
		}
		if dv == nil {
			return nil, nil
		}
		return normalize(reflect.ValueOf(dv), k)
	}
	switch k {
	case kindInt:
		return v.Int(), nil
	case kindUint:
		return v.Uint(), nil
	case kindFloat:
		return v.Float(), nil
	case kindBool:
		return v.Bool(), nil
	case kindString:
		if v.Kind() != reflect.String {
			return nil, fmt.Errorf("%v value where text was expected", v.Type())
		}
		return v.String(), nil
	case kindBytes:
		if v.IsNil() {
			return nil, nil
		}
		return append([]byte{}, v.Bytes()...), nil
	case kindUUID:
		var u [16]byte
		reflect.Copy(reflect.ValueOf(&u).Elem(), v)
		return u, nil
	}
	return nil, fmt.Errorf("%v value cannot be read as %s", v.Type(), k)
}

// normalizeAny is normalize for a value handed to Encode: its type must have
// the key's kind.
func normalizeAny(v any, k kind) (any, error) {
	if v == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	if got, err := kindOf(rv.Type()); err != nil || got != k {
		return nil, fmt.Errorf("%T value where %s was expected", v, k)
	}
	return normalize(rv, k)
}

// intRange returns the range of values an integer sort column of type t can hold.
func intRange(t reflect.Type) (lo int64, hi uint64) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[sql.NullInt32](), reflect.TypeFor[pgtype.Int4]():
		return math.MinInt32, math.MaxInt32
	case reflect.TypeFor[sql.NullInt16](), reflect.TypeFor[pgtype.Int2]():
		return math.MinInt16, math.MaxInt16
	case reflect.TypeFor[sql.NullByte]():
		return 0, math.MaxUint8
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		return -1 << (bits - 1), 1<<(bits-1) - 1
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return 0, math.MaxUint64 >> (64 - t.Bits())
	}
	return math.MinInt64, math.MaxInt64
}

// inRange checks that a decoded integer fits the key's Go type, so that a crafted
// cursor is refused here rather than by the driver.
func (k Key) inRange(v any) error {
	switch x := v.(type) {
	case int64:
		if x < k.lo || (x > 0 && uint64(x) > k.hi) {
			return fmt.Errorf("%d out of range for %v", x, k.Col.Type)
		}
	case uint64:
		if x > k.hi {
			return fmt.Errorf("%d out of range for %v", x, k.Col.Type)
		}
	}
	return nil
}
