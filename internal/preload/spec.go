package preload

import (
	"reflect"
	"slices"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// Spec is one relation path to preload with the options of its last edge: what
// package loader's Path and options build, boxed in a loader.Spec.
type Spec struct {
	Path  string
	Where []sqlw.Cond // ANDed; names resolve against the related model
	Order []string    // OrderBy keys as given
	Limit int         // per parent; 0: none
	Cols  []string    // Columns as given; empty: all
	Opts  bool        // at least one option was given
	Err   error       // the first mistake made while building the spec
}

// Fail records the first mistake made while building s: in option opt, for reason,
// with the underlying error err (either may be empty).
func (s *Spec) Fail(opt, reason string, err error) {
	if s.Err == nil {
		s.Err = &OptionError{Path: s.Path, Option: opt, Reason: reason, Err: err}
	}
}

// sameOptions reports whether a and b carry the same options. Conditions are compared
// by the SQL and args they render against target.
func sameOptions(a, b *Spec, target *model.Model) bool {
	if a.Limit != b.Limit || !slices.Equal(a.Order, b.Order) || !slices.Equal(a.Cols, b.Cols) || len(a.Where) != len(b.Where) {
		return false
	}
	r := sqlw.Table{M: target}
	wa, wb := sqlw.NewWriter(64), sqlw.NewWriter(64)
	if wa.AndConds(a.Where, r) != nil || wb.AndConds(b.Where, r) != nil {
		return false
	}
	return wa.String() == wb.String() && reflect.DeepEqual(wa.Args(), wb.Args())
}
