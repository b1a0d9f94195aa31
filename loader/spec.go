package loader

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	sq "github.com/Masterminds/squirrel"
)

// Spec is one relation path to preload, with options on its last edge. Make it with
// [Path]. A Spec is a value: the options given to Path are copied into it, and it can be
// reused and shared between goroutines.
type Spec struct {
	path  string
	where []sq.Sqlizer
	order []string
	limit int // 0: none
	cols  []string
	opts  bool // at least one option was given
	err   error
}

// Option is a condition on the children of one edge, given to [Path]: [Where],
// [OrderBy], [Limit] or [Columns].
type Option interface{ apply(*Spec) }

type optionFunc func(*Spec)

func (f optionFunc) apply(s *Spec) { f(s) }

// Path makes a Spec for the relation path ("Posts", "Posts.Comments.Author"): the
// fields of the relations to follow, separated by dots. The options apply to the last
// edge of the path; the edges before it are loaded without conditions unless another
// Spec names them. Specs whose paths overlap are merged, so
//
//	Path("Posts", OrderBy("-created_at")), Path("Posts.Comments")
//
// loads the posts once, newest first, and then their comments.
func Path(path string, opts ...Option) Spec {
	s := Spec{path: path}
	for _, o := range opts {
		if o == nil {
			s.fail(errors.New("nil Option"))
			continue
		}
		o.apply(&s)
		s.opts = true
	}
	return s
}

// String returns the path of s.
func (s Spec) String() string { return s.path }

func (s *Spec) fail(err error) {
	if s.err == nil {
		s.err = fmt.Errorf("loader: Path(%q): %w", s.path, err)
	}
}

// Where adds a condition on the children, joined to the others with AND. pred is a SQL
// fragment with '?' placeholders and its args (Where("published AND score > ?", 3)),
// or any squirrel Sqlizer (sq.Eq{"published": true}); values are sent as bound
// parameters. The fragment is written against the related table, whose quoted name
// qualifies its columns ("comments"."score"); a many-to-many statement also joins the
// link table, whose columns can be used too (qualify a name both tables have).
func Where(pred any, args ...any) Option {
	return optionFunc(func(s *Spec) {
		switch p := pred.(type) {
		case string:
			if strings.TrimSpace(p) == "" {
				s.fail(errors.New("Where: empty condition"))
				return
			}
			s.where = append(slices.Clip(s.where), sq.Expr(p, args...))
		case sq.Sqlizer:
			if len(args) > 0 {
				s.fail(fmt.Errorf("Where: args given with a %T condition", pred))
				return
			}
			s.where = append(slices.Clip(s.where), p)
		default:
			s.fail(fmt.Errorf("Where: unsupported condition type %T", pred))
		}
	})
}

// OrderBy sets the order of each parent's children: field or column names of the
// related model, each optionally prefixed with "-" or followed by " DESC" / " ASC", then
// optionally " NULLS FIRST" / " NULLS LAST". The primary key is appended as a tie-breaker, so the order is always total. Default: the
// primary key, ascending.
func OrderBy(keys ...string) Option {
	return optionFunc(func(s *Spec) { s.order = append(slices.Clip(s.order), keys...) })
}

// Limit keeps at most n children per parent (the first n in [OrderBy] order), in the
// same single statement: a LATERAL subquery with LIMIT n per distinct parent key, which
// reads about n rows per parent given an index on (foreign key, order columns); see
// "Per-parent limits and indexes" in the package documentation. Only for has-many and
// many-to-many relations; n must be positive.
func Limit(n int) Option {
	return optionFunc(func(s *Spec) {
		if n <= 0 {
			s.fail(fmt.Errorf("Limit: must be positive, got %d", n))
			return
		}
		s.limit = n
	})
}

// Columns restricts the columns read for the children to the named fields or columns;
// the rest of each struct keeps its zero value. The columns the loader needs (primary
// key, relation keys, and the keys of nested paths) are added automatically.
func Columns(names ...string) Option {
	return optionFunc(func(s *Spec) {
		if len(names) == 0 {
			s.fail(errors.New("Columns: no column named"))
			return
		}
		s.cols = append(slices.Clip(s.cols), names...)
	})
}

// sameOptions reports whether a and b carry the same options (conditions compared by
// their rendered SQL and args).
func sameOptions(a, b *Spec) bool {
	if a.limit != b.limit || !slices.Equal(a.order, b.order) || !slices.Equal(a.cols, b.cols) || len(a.where) != len(b.where) {
		return false
	}
	for i := range a.where {
		as, aa, aerr := a.where[i].ToSql()
		bs, ba, berr := b.where[i].ToSql()
		if aerr != nil || berr != nil || as != bs || fmt.Sprint(aa) != fmt.Sprint(ba) {
			return false
		}
	}
	return true
}
