package bulk

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
)

// plan is a model matched against its table: how each column travels.
type plan struct {
	m           *model.Model
	cols        []*colPlan          // aligned with m.Columns
	byName      map[string]*colPlan // column name -> plan
	constraints map[string][]string // unique and primary-key constraints -> column names
}

// colPlan says how one model column travels in a statement.
//
// A column travels "typed" when pgx can encode the Go type as an array of the column's
// type in binary: the parameter is cast to that array type. Otherwise it travels as
// text: each value is rendered with pgx's text encoding for the column's type and the
// statement casts the text back. Array columns (unnest would flatten them), enums,
// domains and other types pgx does not know always travel as text.
type colPlan struct {
	col      *model.Column
	pg       *pgColumn
	text     bool   // travels as text and is cast back
	elemType string // SQL type of one value as sent: the column type, or "text"
	cast     string // type to cast a text value back to; "" for typed columns
	textOID  uint32 // OID whose text encoding renders a value
	copyable bool   // COPY (binary) can carry it
	scanCast string // cast applied in RETURNING so pgx can scan it; "" for none
	read     func(base unsafe.Pointer) any
}

func newPlan(m *model.Model, cols []pgColumn, cons map[string][]string) (*plan, error) {
	byPG := make(map[string]*pgColumn, len(cols))
	for i := range cols {
		byPG[cols[i].Name] = &cols[i]
	}
	tm := pgtype.NewMap()
	p := &plan{m: m, byName: map[string]*colPlan{}, constraints: cons}
	for _, c := range m.Columns {
		pg, ok := byPG[c.Name]
		if !ok {
			return nil, fmt.Errorf("bulk: model %s: column %q is not in table %s: %w", m.Name, c.Name, m.Table, ErrSchema)
		}
		cp := newColPlan(tm, c, pg)
		p.cols = append(p.cols, cp)
		p.byName[c.Name] = cp
	}
	return p, nil
}

func newColPlan(tm *pgtype.Map, c *model.Column, pg *pgColumn) *colPlan {
	cp := &colPlan{col: c, pg: pg, elemType: pg.Type, read: valueFunc(c)}
	_, known := tm.TypeForOID(pg.OID)
	isArray := pg.Category == "A"
	switch {
	case isArray || !known:
		cp.text = true
	default:
		_, arrKnown := tm.TypeForOID(pg.ArrayOID)
		zero := reflect.Zero(reflect.SliceOf(c.Type)).Interface()
		cp.text = !arrKnown || tm.PlanEncode(pg.ArrayOID, pgtype.BinaryFormatCode, zero) == nil
	}
	cp.textOID = pg.OID
	if !known { // render with the type pgx maps the Go type to, or as text
		t, ok := tm.TypeForValue(reflect.Zero(c.Type).Interface())
		switch {
		case ok:
			cp.textOID = t.OID
		case isArray || c.Type.Kind() == reflect.Slice && c.Type.Elem().Kind() != reflect.Uint8:
			cp.textOID = pgtype.TextArrayOID
		default:
			cp.textOID = pgtype.TextOID
		}
		if isArray {
			cp.scanCast = "text[]"
		}
	}
	if cp.text {
		cp.elemType, cp.cast = "text", pg.Type
	}
	str := c.Type.Kind() == reflect.String || c.Type.Kind() == reflect.Pointer && c.Type.Elem().Kind() == reflect.String
	cp.copyable = known || (pg.Category == "E" && str)
	return cp
}

// render renders the value of the column in the struct at base the way PostgreSQL
// prints it (for most types), and false for NULL or a value that cannot be rendered.
func (cp *colPlan) render(tm *pgtype.Map, base unsafe.Pointer) (string, bool) {
	b, err := tm.Encode(cp.textOID, pgtype.TextFormatCode, cp.read(base), nil)
	if err != nil || b == nil {
		return "", false
	}
	return string(b), true
}

// array builds the one parameter carrying the column for every row in bases. With
// nullZero, zero values travel as NULL.
func (cp *colPlan) array(tm *pgtype.Map, bases []unsafe.Pointer, offset int, nullZero bool) (any, error) {
	if cp.text {
		out := make([]pgtype.Text, len(bases))
		for i, base := range bases {
			if nullZero && cp.col.IsZero(base) {
				continue
			}
			v, err := cp.encodeText(tm, base, offset+i)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if nullZero {
		s := reflect.MakeSlice(reflect.SliceOf(reflect.PointerTo(cp.col.Type)), len(bases), len(bases))
		for i, base := range bases {
			if !cp.col.IsZero(base) {
				s.Index(i).Set(reflect.NewAt(cp.col.Type, unsafe.Add(base, cp.col.Offset)))
			}
		}
		return s.Interface(), nil
	}
	return typedSlice(cp.col, bases), nil
}

// typedSlice copies column c of every row into a []FieldType.
func typedSlice(c *model.Column, bases []unsafe.Pointer) any {
	if a, ok := gatherFast(c, bases); ok {
		return a
	}
	s := reflect.MakeSlice(reflect.SliceOf(c.Type), len(bases), len(bases))
	for i, base := range bases {
		s.Index(i).Set(reflect.NewAt(c.Type, unsafe.Add(base, c.Offset)).Elem())
	}
	return s.Interface()
}

// value returns the parameter carrying the column of one row (VALUES strategy).
func (cp *colPlan) value(tm *pgtype.Map, base unsafe.Pointer, index int, nullZero bool) (any, error) {
	if nullZero && cp.col.IsZero(base) {
		return nil, nil
	}
	if cp.text {
		return cp.encodeText(tm, base, index)
	}
	return cp.read(base), nil
}

func (cp *colPlan) encodeText(tm *pgtype.Map, base unsafe.Pointer, index int) (pgtype.Text, error) {
	b, err := tm.Encode(cp.textOID, pgtype.TextFormatCode, cp.read(base), nil)
	if err != nil {
		return pgtype.Text{}, &RowError{Index: index, Err: fmt.Errorf("column %s (%s): %w", cp.col.Name, cp.pg.Type, err)}
	}
	if b == nil {
		return pgtype.Text{}, nil
	}
	return pgtype.Text{String: string(b), Valid: true}, nil
}

// gatherFast copies a column of a common Go type into a typed slice without
// reflection, so pgx can use its fast array encoders.
func gatherFast(c *model.Column, bases []unsafe.Pointer) (any, bool) {
	switch c.Type {
	case reflect.TypeFor[string]():
		return gather[string](c.Offset, bases), true
	case reflect.TypeFor[int64]():
		return gather[int64](c.Offset, bases), true
	case reflect.TypeFor[int]():
		return gather[int](c.Offset, bases), true
	case reflect.TypeFor[int32]():
		return gather[int32](c.Offset, bases), true
	case reflect.TypeFor[bool]():
		return gather[bool](c.Offset, bases), true
	case reflect.TypeFor[float64]():
		return gather[float64](c.Offset, bases), true
	case reflect.TypeFor[time.Time]():
		return gather[time.Time](c.Offset, bases), true
	case reflect.TypeFor[[]byte]():
		return gather[[]byte](c.Offset, bases), true
	}
	return nil, false
}

// valueFunc returns a function reading column c of the struct at a base address as an
// interface value: a plain load for common Go types, reflection for the others.
func valueFunc(c *model.Column) func(base unsafe.Pointer) any {
	switch c.Type {
	case reflect.TypeFor[string]():
		return load[string](c.Offset)
	case reflect.TypeFor[int64]():
		return load[int64](c.Offset)
	case reflect.TypeFor[int]():
		return load[int](c.Offset)
	case reflect.TypeFor[int32]():
		return load[int32](c.Offset)
	case reflect.TypeFor[bool]():
		return load[bool](c.Offset)
	case reflect.TypeFor[float64]():
		return load[float64](c.Offset)
	case reflect.TypeFor[time.Time]():
		return load[time.Time](c.Offset)
	case reflect.TypeFor[*string]():
		return load[*string](c.Offset)
	}
	return c.Value
}

func load[V any](off uintptr) func(base unsafe.Pointer) any {
	return func(base unsafe.Pointer) any { return *(*V)(unsafe.Add(base, off)) }
}

func gather[V any](off uintptr, bases []unsafe.Pointer) []V {
	out := make([]V, len(bases))
	for i, base := range bases {
		out[i] = *(*V)(unsafe.Add(base, off))
	}
	return out
}
