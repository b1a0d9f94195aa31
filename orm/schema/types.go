package schema

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
)

// named maps Go types that are not told apart by their kind to their SQL type.
var named = map[reflect.Type]string{
	reflect.TypeFor[time.Time]():          "timestamptz",
	reflect.TypeFor[json.RawMessage]():    "jsonb",
	reflect.TypeFor[[16]byte]():           "uuid",
	reflect.TypeFor[netip.Addr]():         "inet",
	reflect.TypeFor[netip.Prefix]():       "cidr",
	reflect.TypeFor[sql.NullInt64]():      "bigint",
	reflect.TypeFor[sql.NullInt32]():      "integer",
	reflect.TypeFor[sql.NullInt16]():      "smallint",
	reflect.TypeFor[sql.NullByte]():       "smallint",
	reflect.TypeFor[sql.NullString]():     "text",
	reflect.TypeFor[sql.NullBool]():       "boolean",
	reflect.TypeFor[sql.NullFloat64]():    "double precision",
	reflect.TypeFor[sql.NullTime]():       "timestamptz",
	reflect.TypeFor[pgtype.Int8]():        "bigint",
	reflect.TypeFor[pgtype.Int4]():        "integer",
	reflect.TypeFor[pgtype.Int2]():        "smallint",
	reflect.TypeFor[pgtype.Text]():        "text",
	reflect.TypeFor[pgtype.Bool]():        "boolean",
	reflect.TypeFor[pgtype.Float8]():      "double precision",
	reflect.TypeFor[pgtype.Float4]():      "real",
	reflect.TypeFor[pgtype.Numeric]():     "numeric",
	reflect.TypeFor[pgtype.Timestamptz](): "timestamptz",
	reflect.TypeFor[pgtype.Timestamp]():   "timestamp",
	reflect.TypeFor[pgtype.Date]():        "date",
	reflect.TypeFor[pgtype.Time]():        "time",
	reflect.TypeFor[pgtype.Interval]():    "interval",
	reflect.TypeFor[pgtype.UUID]():        "uuid",
}

var kinds = map[reflect.Kind]string{
	reflect.Bool:    "boolean",
	reflect.Int8:    "smallint",
	reflect.Uint8:   "smallint",
	reflect.Int16:   "smallint",
	reflect.Uint16:  "integer",
	reflect.Int32:   "integer",
	reflect.Uint32:  "bigint",
	reflect.Int:     "bigint",
	reflect.Int64:   "bigint",
	reflect.Uint:    "numeric(20,0)",
	reflect.Uint64:  "numeric(20,0)",
	reflect.Float32: "real",
	reflect.Float64: "double precision",
	reflect.String:  "text",
	reflect.Map:     "jsonb",
	reflect.Struct:  "jsonb",
}

// columnType returns the SQL type of c: its `orm:"type:…"` when given, else the type
// its Go type maps to.
func columnType(m *model.Model, c *model.Column) (string, error) {
	if c.SQLType != "" {
		return c.SQLType, nil
	}
	if t, ok := goType(c.Type); ok {
		return t, nil
	}
	return "", fmt.Errorf("schema: model %s field %s: no SQL type for the Go type %v: give one with `orm:\"type:…\"`", m.Name, c.Field, c.Type)
}

// goType maps a Go type: pointers to their element, []byte to bytea, other slices
// and arrays to arrays of their element's type (slices of structs or maps to jsonb),
// structs and maps (which travel as json) to jsonb.
func goType(t reflect.Type) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := named[t]; ok {
		return s, true
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "bytea", true
		}
		et := t.Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if _, isNamed := named[et]; !isNamed && (et.Kind() == reflect.Struct || et.Kind() == reflect.Map) {
			return "jsonb", true
		}
		if s, ok := goType(et); ok && !strings.HasSuffix(s, "[]") {
			return s + "[]", true
		}
		return "", false
	}
	s, ok := kinds[t.Kind()]
	return s, ok
}

// aliases are the spellings PostgreSQL accepts for a type, mapped to the one
// format_type reports, so a declared type can be compared with the catalog's.
var aliases = map[string]string{
	"int8": "bigint", "bigserial": "bigint", "serial8": "bigint",
	"int": "integer", "int4": "integer", "serial": "integer", "serial4": "integer",
	"int2": "smallint", "smallserial": "smallint", "serial2": "smallint",
	"bool": "boolean", "float8": "double precision", "float4": "real", "float": "double precision",
	"decimal":     "numeric",
	"timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone",
	"timetz": "time with time zone", "time": "time without time zone",
	"varchar": "character varying", "char": "character", "varbit": "bit varying",
}

var (
	spaces     = regexp.MustCompile(`\s+`)
	modifierRE = regexp.MustCompile(`^([a-z0-9_ ]+?)\s*(\([0-9, ]*\))?((\[\])*)$`)
)

// canonicalType spells a type as format_type does: "timestamptz" as
// "timestamp with time zone", "varchar(20)" as "character varying(20)",
// "numeric(10, 2)" as "numeric(10,2)", "int4[]" as "integer[]".
func canonicalType(s string) string {
	s = strings.ToLower(strings.TrimSpace(spaces.ReplaceAllString(s, " ")))
	mm := modifierRE.FindStringSubmatch(s)
	if mm == nil {
		return s
	}
	base, mod, arr := mm[1], strings.ReplaceAll(mm[2], " ", ""), mm[3]
	if a, ok := aliases[base]; ok {
		base = a
	}
	switch {
	case mod != "" && strings.HasPrefix(base, "timestamp "):
		base = "timestamp" + mod + strings.TrimPrefix(base, "timestamp")
	case mod != "" && strings.HasPrefix(base, "time "):
		base = "time" + mod + strings.TrimPrefix(base, "time")
	default:
		base += mod
	}
	return base + arr
}
