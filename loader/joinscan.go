package loader

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/model"
)

// JoinScanner holds the scan destinations of one query's joined columns. Make one per
// query with [JoinPlan.NewScanner]; it is not safe for concurrent use.
//
// A LEFT JOIN yields NULL in every joined column when the related row is absent, which
// a Go int64 or string cannot hold. So each joined column is scanned into a
// NULL-tolerant holder (pgtype.Int8, pgtype.Text, ...; the field itself when its type
// already holds NULL), and [JoinScanner.Assign] copies the holders into a new struct
// only when the related row is there.
type JoinScanner struct {
	dest  []any
	nodes []nodeScan
}

// nodeScan is the scan state of one joined relation.
type nodeScan struct {
	rel     *model.Relation
	parent  int
	typ     reflect.Type
	scratch unsafe.Pointer // a *T receiving the columns that hold NULL themselves
	copyAll bool           // some column is scanned into scratch
	holders []fieldHolder  // the other columns
	keys    []keyCheck     // the related key columns: all non-NULL when the row is there
	cur     unsafe.Pointer // the struct built for the current row, or nil
}

type fieldHolder struct {
	off uintptr
	h   holder
}

// keyCheck tells whether one key column of the current row is NULL.
type keyCheck struct {
	h   holder // nil when the column is scanned into scratch
	col *model.Column
}

// NewScanner returns fresh scan state for one query.
func (p *JoinPlan) NewScanner() *JoinScanner {
	s := &JoinScanner{nodes: make([]nodeScan, len(p.nodes))}
	for i, n := range p.nodes {
		t := n.rel.Target
		ns := nodeScan{rel: n.rel, parent: n.parent, typ: t.Type, scratch: reflect.New(t.Type).UnsafePointer()}
		byCol := map[*model.Column]holder{}
		for _, c := range t.Columns {
			if c.Nullable {
				s.dest = append(s.dest, c.Ptr(ns.scratch))
				ns.copyAll = true
				continue
			}
			h := newHolder(c.Type)
			byCol[c] = h
			ns.holders = append(ns.holders, fieldHolder{off: c.Offset, h: h})
			s.dest = append(s.dest, h.dest())
		}
		for _, c := range n.rel.TargetKey {
			ns.keys = append(ns.keys, keyCheck{h: byCol[c], col: c})
		}
		s.nodes[i] = ns
	}
	return s
}

// Dest returns the destinations of the joined columns, in [JoinPlan.SelectList] order,
// to append after the base columns' destinations. They are the same for every row.
func (s *JoinScanner) Dest() []any { return s.dest }

// Assign builds, after each row's Scan, the joined structs of that row and sets the
// relation fields of the owner struct at base (and of the joined structs, for nested
// paths): a new struct when the related row is there, nil when its key columns are
// NULL.
func (s *JoinScanner) Assign(base unsafe.Pointer) error {
	for i := range s.nodes {
		ns := &s.nodes[i]
		owner := base
		if ns.parent >= 0 {
			owner = s.nodes[ns.parent].cur
		}
		ns.cur = nil
		if owner == nil {
			continue
		}
		field := (*unsafe.Pointer)(unsafe.Add(owner, ns.rel.Offset))
		if !ns.present() {
			*field = nil
			continue
		}
		v := reflect.New(ns.typ)
		p := v.UnsafePointer()
		if ns.copyAll {
			v.Elem().Set(reflect.NewAt(ns.typ, ns.scratch).Elem())
		}
		for _, fh := range ns.holders {
			fh.h.store(unsafe.Add(p, fh.off))
		}
		*field = p
		ns.cur = p
	}
	return nil
}

func (ns *nodeScan) present() bool {
	for _, k := range ns.keys {
		if k.h != nil {
			if k.h.null() {
				return false
			}
		} else if _, ok := k.col.KeyValue(ns.scratch); !ok {
			return false
		}
	}
	return true
}

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
