package dataload

import (
	"context"
	"fmt"
	"github.com/batchorm/batchorm/internal/sqlw"
	"reflect"
	"strings"
	"unsafe"

	"github.com/batchorm/batchorm/internal/box"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/preload"
	"github.com/batchorm/batchorm/loader"
)

// RelationLoader loads the related rows (C) of parents of model P through one of P's
// relations, by the parent's key K, batching the keys asked for by the goroutines of
// one request into one statement: the edge statement of [loader.Preload], e.g.
//
//	SELECT "comments"."id", ... FROM "comments" WHERE "comments"."post_id" = ANY($1)
//
// Make it once with [Relation] and share it; the per-request state lives in the
// request scope of the context given to Load.
type RelationLoader[P, C any, K comparable] struct {
	plan   *preload.Plan
	rel    *model.Relation
	owner  *model.Column
	ptrKey bool // the owner key field is *K
	what   string
	norm   func(K) K // see keyNorm; nil: keys compare with ==
}

// Relation returns the loader of the relation field name of P ("Comments"), whose
// rows are of type C, by the parent's key of type K: P's primary key for has-one,
// has-many and many-to-many, P's foreign key field for belongs-to. opts are the
// options of [loader.Path]: [loader.OrderBy], [loader.Where], [loader.Limit] (per
// parent), [loader.Columns].
//
// Errors, before anything is sent: an unknown relation ([*RelationError], listing P's
// relations) or a path of several relations; a bad option ([loader.OptionError]); C
// not the relation's model; K not the Go type of the key field, or a composite key
// ([*KeyError]).
func Relation[P, C any, K comparable](name string, opts ...loader.Option) (*RelationLoader[P, C, K], error) {
	m, err := model.Of[P]()
	if err != nil {
		return nil, fmt.Errorf("dataload: %w", err)
	}
	if strings.Contains(name, ".") {
		return nil, fmt.Errorf("dataload: Relation %q: one relation of %s, not a path; load the next level with its own loader", name, m.Name)
	}
	spec, _ := box.Get[preload.Spec](loader.Path(name, opts...))
	plan, err := preload.For(m, spec)
	if err != nil {
		return nil, fmt.Errorf("dataload: %w", err)
	}
	rel := m.Relation(name)
	if ct := reflect.TypeFor[C](); rel.Target.Type != ct {
		return nil, fmt.Errorf("dataload: relation %s.%s loads %s, not %v", m.Name, name, rel.Target.Name, ct)
	}
	kt := reflect.TypeFor[K]()
	if len(rel.OwnerKey) != 1 {
		return nil, &KeyError{Model: m.Name, Field: fieldNames(rel.OwnerKey), Got: kt,
			Reason: fmt.Sprintf("relation %s is keyed by %d columns; a relation loader needs one", name, len(rel.OwnerKey))}
	}
	oc := rel.OwnerKey[0]
	l := &RelationLoader[P, C, K]{plan: plan, rel: rel, owner: oc, what: m.Name + "." + name, norm: keyNorm[K]()}
	switch {
	case oc.Type == kt:
	case oc.Type.Kind() == reflect.Pointer && oc.Type.Elem() == kt:
		l.ptrKey = true
	default:
		return nil, &KeyError{Model: m.Name, Field: oc.Field, Want: model.KeyType(oc.Type), Got: kt,
			Reason: fmt.Sprintf("relation %s is keyed by a field of type %v, the loader's key is of type %v", name, oc.Type, kt)}
	}
	return l, nil
}

// SQL returns the statement the loader sends; its first parameter is the array of
// parent keys.
func (l *RelationLoader[P, C, K]) SQL() string { return l.plan.Statements()[0].SQL }

// Load returns the rows related to the parent whose key is key, loaded with the keys
// other goroutines of the request ask for within the request's wait, in one statement
// per [WithMaxBatch] keys: the children in primary-key order (or the OrderBy given),
// an empty slice when there are none or key is the zero value, and at most one row
// for a to-one relation. The rows are shared by every caller asking for key: do not
// modify them.
//
// Errors: [ErrNoRequest] when ctx carries no request scope; ctx's error when ctx is
// done first; the statement's error, wrapped, when it failed (such a key is not cached).
func (l *RelationLoader[P, C, K]) Load(ctx context.Context, key K) ([]*C, error) {
	b, err := bind[K, []*C](ctx, l, l)
	if err != nil {
		return nil, err
	}
	if l.norm != nil {
		key = l.norm(key)
	}
	return b.load(ctx, key)
}

// LoadMany returns the related rows of each key, in the order of keys (see Load).
// When some keys fail, the error is an [Errors] with one entry per key.
func (l *RelationLoader[P, C, K]) LoadMany(ctx context.Context, keys []K) ([][]*C, error) {
	b, err := bind[K, []*C](ctx, l, l)
	if err != nil {
		return nil, err
	}
	return b.loadMany(ctx, normKeys(l.norm, keys))
}

// prepare makes one parent struct per non-zero key, holding only the key, and
// prepares the preload edge of the relation on them.
func (l *RelationLoader[P, C, K]) prepare(keys []K, v sqlw.ScopeValues) (*job, func(error) ([][]*C, []error)) {
	var zero K
	at := make([]int, len(keys)) // index in parents, -1 for the zero key
	parents := make([]P, 0, len(keys))
	for i, k := range keys {
		if k == zero {
			at[i] = -1
			continue
		}
		at[i] = len(parents)
		parents = append(parents, *new(P))
		base := unsafe.Add(unsafe.Pointer(&parents[len(parents)-1]), l.owner.Offset)
		if l.ptrKey {
			*(**K)(base) = &keys[i]
		} else {
			*(*K)(base) = k
		}
	}
	fail := func(err error) ([][]*C, []error) {
		err = fmt.Errorf("dataload: load %s: %w", l.what, err)
		errs := make([]error, len(keys))
		for i := range errs {
			errs[i] = err
		}
		return make([][]*C, len(keys)), errs
	}
	ed, err := l.plan.Prepare(parents, v)
	if err != nil {
		return nil, func(error) ([][]*C, []error) { return fail(err) }
	}
	var j *job
	if ed.SQL != "" {
		j = &job{sql: ed.SQL, args: ed.Args, scan: ed.Scan}
	}
	return j, func(err error) ([][]*C, []error) {
		if j == nil {
			err = ed.Scan(nil)
		}
		if err != nil {
			return fail(err)
		}
		out := make([][]*C, len(keys))
		for i := range keys {
			if at[i] < 0 {
				out[i] = []*C{}
				continue
			}
			out[i] = l.children(unsafe.Add(unsafe.Pointer(&parents[at[i]]), l.rel.Offset))
		}
		return out, make([]error, len(keys))
	}
}

// children reads the relation field at f as a slice of pointers.
func (l *RelationLoader[P, C, K]) children(f unsafe.Pointer) []*C {
	switch {
	case !l.rel.Kind.ToMany():
		if p := *(**C)(f); p != nil {
			return []*C{p}
		}
		return []*C{}
	case l.rel.ElemPtr:
		return *(*[]*C)(f)
	}
	s := *(*[]C)(f)
	out := make([]*C, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
