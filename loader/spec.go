package loader

import (
	"fmt"
	"slices"

	"github.com/batchorm/batchorm/internal/box"
	"github.com/batchorm/batchorm/internal/preload"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// inner is the spec a Spec carries, readable only by batchorm's own packages.
type inner = box.Box[preload.Spec]

// Spec is one relation path to preload, with options on its last edge. Make it with
// [Path]; pass it to [PreloadWith] or to orm's Select.PreloadWith. A Spec is a value:
// the options given to Path are copied into it, and it can be reused and shared
// between goroutines.
type Spec struct{ inner }

// Option is a condition on the children of one edge, given to [Path]: [Where],
// [OrderBy], [Limit] or [Columns].
type Option interface{ apply(*preload.Spec) }

type optionFunc func(*preload.Spec)

func (f optionFunc) apply(s *preload.Spec) { f(s) }

// Path makes a Spec for the relation path ("Posts", "Posts.Comments.Author"): the
// fields of the relations to follow, separated by dots. The options apply to the last
// edge of the path; the edges before it are loaded without conditions unless another
// Spec names them. Specs whose paths overlap are merged, so
//
//	Path("Posts", OrderBy("-created_at")), Path("Posts.Comments")
//
// loads the posts once, newest first, and then their comments. A mistake in an option
// is returned by the call the Spec is given to, before any statement is sent.
func Path(path string, opts ...Option) Spec {
	s := preload.Spec{Path: path}
	for _, o := range opts {
		if o == nil {
			s.Fail("", "nil Option", nil)
			continue
		}
		o.apply(&s)
		s.Opts = true
	}
	return Spec{box.Of(s)}
}

// String returns the path of s.
func (s Spec) String() string {
	v, _ := box.Get[preload.Spec](s)
	return v.Path
}

// Where adds a condition on the children, joined to the others with AND. pred is
// anything orm's Select.Where accepts:
//   - a SQL fragment with '?' placeholders and its args: Where("published AND score > ?", 3)
//     (write a literal '?' as '??');
//   - a condition of the one condition language, spelled orm.Eq, orm.NotEq, orm.Lt,
//     orm.Lte, orm.Gt, orm.Gte (maps whose keys are field or column names of the
//     related model, checked before any statement is sent), orm.IsNull, orm.Or,
//     orm.And, orm.Not, orm.Expr: Where(orm.Eq{"return_date": nil});
//   - any squirrel Sqlizer (sq.Eq{"published": true}), rendered as it is.
//
// Values are sent as bound parameters. Names in the maps are qualified with the related
// table ("comments"."score"); a SQL fragment is written against that table, and in a
// many-to-many statement also against the link table, whose columns can be used too
// (qualify a name both tables have).
func Where(pred any, args ...any) Option {
	return optionFunc(func(s *preload.Spec) {
		c, err := sqlw.From(pred, args...)
		if err != nil {
			s.Fail("Where", "", err)
			return
		}
		s.Where = append(slices.Clip(s.Where), c)
	})
}

// OrderBy sets the order of each parent's children: field or column names of the
// related model, each optionally prefixed with "-" or followed by " DESC" / " ASC",
// then optionally " NULLS FIRST" / " NULLS LAST". The primary key is appended as a
// tie-breaker, so the order is always total. Default: the primary key, ascending.
// An OrderBy is sorted by PostgreSQL, in the statement; the default order is kept in
// memory where the key's Go type allows (see the package documentation).
func OrderBy(keys ...string) Option {
	return optionFunc(func(s *preload.Spec) { s.Order = append(slices.Clip(s.Order), keys...) })
}

// Limit keeps at most n children per parent (the first n in [OrderBy] order), in the
// same single statement: a LATERAL subquery with LIMIT n per distinct parent key, which
// reads about n rows per parent given an index on (foreign key, order columns); see
// "Per-parent limits and indexes" in the package documentation. Only for has-many and
// many-to-many relations; n must be positive.
func Limit(n int) Option {
	return optionFunc(func(s *preload.Spec) {
		if n <= 0 {
			s.Fail("Limit", fmt.Sprintf("must be positive, got %d", n), nil)
			return
		}
		s.Limit = n
	})
}

// Columns restricts the columns read for the children to the named fields or columns;
// the rest of each struct keeps its zero value. The columns the loader needs (primary
// key, relation keys, and the keys of nested paths) are added automatically.
func Columns(names ...string) Option {
	return optionFunc(func(s *preload.Spec) {
		if len(names) == 0 {
			s.Fail("Columns", "no column named", nil)
			return
		}
		s.Cols = append(slices.Clip(s.Cols), names...)
	})
}
