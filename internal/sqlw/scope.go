package sqlw

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/batchorm/batchorm/internal/model"
)

// ScopeValues are the values of a context's named scopes (`orm:"scope:NAME"` columns,
// such as a tenant id), set with [WithScope]. The zero value holds none.
type ScopeValues struct{ m map[string]any }

type scopeKey struct{}

// WithScope returns a context whose scope name has value v; the values ctx already
// carries are kept. A nil v removes the name.
func WithScope(ctx context.Context, name string, v any) context.Context {
	old := ScopesFrom(ctx)
	m := make(map[string]any, len(old.m)+1)
	for k, x := range old.m {
		m[k] = x
	}
	if v == nil {
		delete(m, name)
	} else {
		m[name] = v
	}
	return context.WithValue(ctx, scopeKey{}, ScopeValues{m})
}

// ScopesFrom returns the scope values ctx carries.
func ScopesFrom(ctx context.Context) ScopeValues {
	v, _ := ctx.Value(scopeKey{}).(ScopeValues)
	return v
}

// Value returns the value of the scope name, or false when the context set none.
func (s ScopeValues) Value(name string) (any, bool) {
	v, ok := s.m[name]
	return v, ok
}

// ScopeError is a statement on a model scoped by a value (`orm:"scope:NAME"`) run with
// a context that carries no value for the scope: batchorm refuses it before sending
// anything, so a missing tenant never means "every tenant".
type ScopeError struct {
	Model  string // the model's Go type (or a join table's name)
	Scope  string // the scope's name
	Column string // the column it restricts
}

func (e *ScopeError) Error() string {
	return fmt.Sprintf("%s is scoped by %q (column %s) and the context carries no %q value: set one with orm.WithScope(ctx, %q, value), or lift the scope with Unscoped",
		e.Model, e.Scope, e.Column, e.Scope, e.Scope)
}

// Scoped reports whether m declares a scope: a soft-delete column or value scopes.
func Scoped(m *model.Model) bool { return m.SoftDelete != nil || len(m.Scopes) > 0 }

// WriteScope writes the conditions every statement reading m's table under qualifier
// (its quoted name or alias) carries, ANDed, with the lead text before them, or
// nothing when m declares none: a soft-deleted row is left out ("deleted_at" IS NULL)
// and each value scope is compared with the value the Writer's scopes hold
// ("tenant_id" = $n), or with a declared parameter recorded in the Writer's scope slots
// when it defers them ([Writer.DeferScopes]). A value missing from the scopes is a
// *ScopeError. It is the one place such conditions are written: queries, Count,
// pages and aggregates (orm), every Join's ON clause (internal/join), every preload
// edge (internal/preload), relation filters (Has), subqueries and writes all call it.
func WriteScope(w *Writer, m *model.Model, qualifier, lead string) error {
	if !Scoped(m) {
		return nil
	}
	w.SQL(lead)
	return writeScope(w, m, qualifier, true, true)
}

// WriteValueScopes is [WriteScope] without the soft-delete condition: a hard delete
// reaches soft-deleted rows, never another tenant's.
func WriteValueScopes(w *Writer, m *model.Model, qualifier, lead string) error {
	if len(m.Scopes) == 0 {
		return nil
	}
	w.SQL(lead)
	return writeScope(w, m, qualifier, false, true)
}

func writeScope(w *Writer, m *model.Model, qualifier string, soft, values bool) error {
	and := false
	if soft && m.SoftDelete != nil {
		w.SQL(qualifier + "." + m.SoftDelete.Quoted + " IS NULL")
		and = true
	}
	if !values {
		return nil
	}
	for _, s := range m.Scopes {
		if and {
			w.SQL(" AND ")
		}
		and = true
		w.SQL(qualifier + "." + s.Col.Quoted + " = ")
		if err := w.bindScope(s.Name, m.Name, s.Col.Name); err != nil {
			return err
		}
	}
	return nil
}

// WriteLinkScope writes, after lead, the conditions a many-to-many relation's join
// table declares on its rows (`through_softdelete:`, `through_scope:`), qualified by
// link (the join table's quoted name or alias), as [WriteScope] does for a model: a
// link row soft-deleted, or of another tenant, links nothing. Nothing when rel
// declares none.
func WriteLinkScope(w *Writer, rel *model.Relation, link, lead string) error {
	if rel.ThroughSoftDelete == "" && len(rel.ThroughScopes) == 0 {
		return nil
	}
	w.SQL(lead)
	and := false
	if rel.ThroughSoftDelete != "" {
		w.SQL(link + "." + QuoteIdent(rel.ThroughSoftDelete) + " IS NULL")
		and = true
	}
	for _, s := range rel.ThroughScopes {
		if and {
			w.SQL(" AND ")
		}
		and = true
		w.SQL(link + "." + QuoteIdent(s.Column) + " = ")
		if err := w.bindScope(s.Name, rel.Through, s.Column); err != nil {
			return err
		}
	}
	return nil
}

// bindScope writes the value of scope name (for the error: it restricts column of
// what), or declares its parameter when w defers scopes.
func (w *Writer) bindScope(name, what, column string) error {
	if w.slots != nil {
		p := w.Param()
		*w.slots = append(*w.slots, ScopeSlot{Param: p, Name: name, Model: what, Column: column})
		w.Ref(p)
		return nil
	}
	v, ok := w.scopes.Value(name)
	if !ok {
		return &ScopeError{Model: what, Scope: name, Column: column}
	}
	w.Arg(v)
	return nil
}

// ScopeSlot is a value scope's parameter in a statement rendered once and run with
// each context's values (a preload edge): [FillScopes] sets it.
type ScopeSlot struct {
	Param  Param
	Name   string // the scope
	Model  string // for errors: the model and column it restricts
	Column string
}

// SetScopes gives w the scope values its scope conditions bind.
func (w *Writer) SetScopes(v ScopeValues) { w.scopes = v }

// Scopes returns the scope values w binds.
func (w *Writer) Scopes() ScopeValues { return w.scopes }

// DeferScopes makes w declare a parameter for each value scope it writes instead of
// binding a value, recorded in the slots [Writer.ScopeSlots] returns.
func (w *Writer) DeferScopes() { w.slots = new([]ScopeSlot) }

// ScopeSlots returns the parameters of the value scopes written while deferred.
func (w *Writer) ScopeSlots() []ScopeSlot {
	if w.slots == nil {
		return nil
	}
	return *w.slots
}

// FillScopes sets the value of each slot in args (a statement's arguments, one per
// parameter) from v, or returns a *ScopeError for a value v lacks.
func FillScopes(args []any, slots []ScopeSlot, v ScopeValues) error {
	for _, s := range slots {
		x, ok := v.Value(s.Name)
		if !ok {
			return &ScopeError{Model: s.Model, Scope: s.Name, Column: s.Column}
		}
		args[s.Param-1] = x
	}
	return nil
}

// ScopeCond is m's scope under qualifier as a condition (see [WriteScope]); it renders
// nothing when m declares none.
func ScopeCond(m *model.Model, qualifier string) Cond { return scopeCond{m, qualifier, true, true} }

// SoftDeleteCond is m's soft-delete condition alone: a soft delete of rows read
// Unscoped still touches live rows only.
func SoftDeleteCond(m *model.Model, qualifier string) Cond {
	return scopeCond{m, qualifier, true, false}
}

type scopeCond struct {
	m            *model.Model
	q            string
	soft, values bool
}

func (s scopeCond) ToSql() (string, []any, error) { return "", nil, ErrUnresolved }

func (s scopeCond) write(w *Writer, _ Resolver) (bool, error) {
	return false, writeScope(w, s.m, s.q, s.soft, s.values)
}

// ScopeConds is m's scope under qualifier ([ScopeCond]) before conds, or conds when m
// declares none.
func ScopeConds(m *model.Model, qualifier string, conds []Cond) []Cond {
	if !Scoped(m) {
		return conds
	}
	return append([]Cond{ScopeCond(m, qualifier)}, conds...)
}

// RowScopeError is a row whose value scope column holds another value than the
// context's: batchorm writes no row of another scope.
type RowScopeError struct {
	Index        int // the row's index among those given
	Scope, Field string
	Row, Context any
}

func (e *RowScopeError) Error() string {
	return fmt.Sprintf("scope %q: the row's %s is %v, the context's value %v: a row of another scope is not written",
		e.Scope, e.Field, e.Row, e.Context)
}

// ScopeRows checks the rows at bases (structs of m) against the value scopes of v and
// then writes v's value into each zero scope column: a missing value is a *ScopeError,
// a value the column cannot hold an error, a row holding another value a
// *RowScopeError naming it; no row is changed unless every one passes.
func ScopeRows(m *model.Model, bases []unsafe.Pointer, v ScopeValues) error {
	if len(m.Scopes) == 0 {
		return nil
	}
	want := make([]reflect.Value, len(m.Scopes))
	for i, s := range m.Scopes {
		x, ok := v.Value(s.Name)
		if !ok {
			return &ScopeError{Model: m.Name, Scope: s.Name, Column: s.Col.Name}
		}
		xv := reflect.ValueOf(x)
		// ConvertibleTo also lets an integer become a string (of one rune): refuse it.
		toText := s.Col.Type.Kind() == reflect.String && xv.Kind() != reflect.String
		if toText || !xv.Type().ConvertibleTo(s.Col.Type) {
			return fmt.Errorf("scope %q: the context's value is a %s, which field %s (%s) cannot hold",
				s.Name, xv.Type(), s.Col.Field, s.Col.Type)
		}
		want[i] = xv.Convert(s.Col.Type)
	}
	field := func(s model.ScopeColumn, base unsafe.Pointer) reflect.Value {
		return reflect.NewAt(s.Col.Type, unsafe.Add(base, s.Col.Offset)).Elem()
	}
	for r, base := range bases {
		for i, s := range m.Scopes {
			f := field(s, base)
			if !f.IsZero() && (!want[i].Comparable() || !f.Equal(want[i])) {
				return &RowScopeError{Index: r, Scope: s.Name, Field: s.Col.Field, Row: f.Interface(), Context: want[i].Interface()}
			}
		}
	}
	for _, base := range bases {
		for i, s := range m.Scopes {
			if f := field(s, base); f.IsZero() {
				f.Set(want[i])
			}
		}
	}
	return nil
}

// ScopeColumnError returns an error when c is one of m's value scope columns, which a write
// never sets: a row is not moved out of its scope.
func ScopeColumnError(m *model.Model, c *model.Column) error {
	for _, s := range m.Scopes {
		if s.Col == c {
			return fmt.Errorf("column %q of %s is the %q scope: a row is not moved to another scope", c.Name, m.Name, s.Name)
		}
	}
	return nil
}
