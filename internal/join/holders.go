package join

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"
)

// holder receives one column that may be NULL and stores it into a field whose type
// cannot hold NULL.
type holder interface {
	dest() any
	null() bool
	store(field unsafe.Pointer)
}

// newHolder picks a holder for a field of type t: allocation-free ones for time.Time
// and the plain integer, float, bool and string kinds, and a pointer for everything
// else.
func newHolder(t reflect.Type) holder {
	if t == reflect.TypeFor[time.Time]() {
		return &timeHolder{}
	}
	if t.NumMethod() == 0 && reflect.PointerTo(t).NumMethod() == 0 {
		switch t.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8,
			reflect.Uint32, reflect.Uint16, reflect.Uint8:
			return &intHolder{kind: t.Kind()}
		case reflect.Float64, reflect.Float32:
			return &floatHolder{kind: t.Kind()}
		case reflect.Bool:
			return &boolHolder{}
		case reflect.String:
			return &textHolder{}
		}
	}
	pp := reflect.New(reflect.PointerTo(t))
	return &ptrHolder{typ: t, pp: pp, d: pp.Interface()}
}

type intHolder struct {
	v    pgtype.Int8
	kind reflect.Kind
}

func (h *intHolder) dest() any  { return &h.v }
func (h *intHolder) null() bool { return !h.v.Valid }
func (h *intHolder) store(p unsafe.Pointer) {
	switch h.kind {
	case reflect.Int:
		*(*int)(p) = int(h.v.Int64)
	case reflect.Int64:
		*(*int64)(p) = h.v.Int64
	case reflect.Int32:
		*(*int32)(p) = int32(h.v.Int64)
	case reflect.Int16:
		*(*int16)(p) = int16(h.v.Int64)
	case reflect.Int8:
		*(*int8)(p) = int8(h.v.Int64)
	case reflect.Uint32:
		*(*uint32)(p) = uint32(h.v.Int64)
	case reflect.Uint16:
		*(*uint16)(p) = uint16(h.v.Int64)
	case reflect.Uint8:
		*(*uint8)(p) = uint8(h.v.Int64)
	}
}

type floatHolder struct {
	v    pgtype.Float8
	kind reflect.Kind
}

func (h *floatHolder) dest() any  { return &h.v }
func (h *floatHolder) null() bool { return !h.v.Valid }
func (h *floatHolder) store(p unsafe.Pointer) {
	if h.kind == reflect.Float32 {
		*(*float32)(p) = float32(h.v.Float64)
	} else {
		*(*float64)(p) = h.v.Float64
	}
}

type boolHolder struct{ v pgtype.Bool }

func (h *boolHolder) dest() any              { return &h.v }
func (h *boolHolder) null() bool             { return !h.v.Valid }
func (h *boolHolder) store(p unsafe.Pointer) { *(*bool)(p) = h.v.Bool }

type textHolder struct{ v pgtype.Text }

func (h *textHolder) dest() any              { return &h.v }
func (h *textHolder) null() bool             { return !h.v.Valid }
func (h *textHolder) store(p unsafe.Pointer) { *(*string)(p) = h.v.String }

// timeHolder receives date, timestamp and timestamptz columns as pgx scans them into a
// time.Time, and NULL.
type timeHolder struct {
	t     time.Time
	valid bool
}

func (h *timeHolder) dest() any              { return h }
func (h *timeHolder) null() bool             { return !h.valid }
func (h *timeHolder) store(p unsafe.Pointer) { *(*time.Time)(p) = h.t }

func (h *timeHolder) set(t time.Time, valid bool, inf pgtype.InfinityModifier) error {
	h.t, h.valid = t, valid
	if valid && inf != pgtype.Finite {
		return fmt.Errorf("cannot scan %v into *time.Time", inf)
	}
	return nil
}

// ScanDate implements pgtype.DateScanner.
func (h *timeHolder) ScanDate(v pgtype.Date) error { return h.set(v.Time, v.Valid, v.InfinityModifier) }

// ScanTimestamp implements pgtype.TimestampScanner.
func (h *timeHolder) ScanTimestamp(v pgtype.Timestamp) error {
	return h.set(v.Time, v.Valid, v.InfinityModifier)
}

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (h *timeHolder) ScanTimestamptz(v pgtype.Timestamptz) error {
	return h.set(v.Time, v.Valid, v.InfinityModifier)
}

// ptrHolder scans through a **T: pgx sets it to nil for NULL and to a new T otherwise.
type ptrHolder struct {
	typ reflect.Type
	pp  reflect.Value // **T
	d   any
}

func (h *ptrHolder) dest() any  { return h.d }
func (h *ptrHolder) null() bool { return h.pp.Elem().IsNil() }
func (h *ptrHolder) store(p unsafe.Pointer) {
	reflect.NewAt(h.typ, p).Elem().Set(h.pp.Elem().Elem())
}
