package dataload

import (
	"context"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/scan"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// KeyLoader loads rows of model T by primary key K, batching the keys asked for by the
// goroutines of one request into one statement:
//
//	SELECT "users"."id", ... FROM "users" WHERE "users"."id" = ANY($1)
//
// Make it once with [Key] and share it: it holds only the rendered statement. The
// per-request state (the keys waiting, the cache) lives in the request scope of the
// context given to Load.
type KeyLoader[T any, K comparable] struct {
	m      *model.Model
	pk     *model.Column
	sql    string
	nargs  int              // parameters: the key array first
	scopes []sqlw.ScopeSlot // value scopes (a tenant id), bound per request
	norm   func(K) K        // see keyNorm; nil: keys compare with ==
}

// Key returns the loader of T by its primary key, whose Go type must be K. Errors,
// before anything is sent: T is not a model, or its key is not one column of type K
// ([*KeyError]).
func Key[T any, K comparable]() (*KeyLoader[T, K], error) {
	m, err := model.Of[T]()
	if err != nil {
		return nil, fmt.Errorf("dataload: %w", err)
	}
	kt := reflect.TypeFor[K]()
	if len(m.PK) != 1 {
		return nil, &KeyError{Model: m.Name, Field: fieldNames(m.PK), Got: kt,
			Reason: fmt.Sprintf("the primary key has %d columns; a key loader needs one", len(m.PK))}
	}
	pk := m.PK[0]
	if pk.Type != kt {
		return nil, &KeyError{Model: m.Name, Field: pk.Field, Want: pk.Type, Got: kt,
			Reason: fmt.Sprintf("the key is of type %v, the loader's of type %v", pk.Type, kt)}
	}
	w := sqlw.NewWriter(len(m.SelectList) + 64)
	w.DeferScopes()
	keys := w.Param()
	match := sqlw.Func(func(w *sqlw.Writer) error {
		w.SQL(pk.Qualified + " = ANY(")
		w.Ref(keys)
		w.Byte(')')
		return nil
	})
	sel := sqlw.Select{
		Columns: m.SelectList, From: m.QTable, Limit: -1, Offset: -1,
		Where: sqlw.ScopeConds(m, m.QTable, []sqlw.Cond{match}),
	}
	if err := sel.Write(w); err != nil {
		return nil, fmt.Errorf("dataload: %s: %w", m.Name, err)
	}
	return &KeyLoader[T, K]{m: m, pk: pk, sql: w.String(), nargs: w.Params(), scopes: w.ScopeSlots(), norm: keyNorm[K]()}, nil
}

// SQL returns the statement the loader sends; its one parameter is the array of keys.
func (l *KeyLoader[T, K]) SQL() string { return l.sql }

// Load returns the row of T whose key is key, loaded with the keys other goroutines of
// the request ask for within the request's wait (see [WithWait]), in one statement per
// [WithMaxBatch] keys. A key asked for again in the request is answered from its
// cache. The row is shared by every caller asking for key: do not modify it.
//
// Errors: [ErrNotFound] (errors.Is with pgx.ErrNoRows works too) when no row has the
// key; [ErrNoRequest] when ctx carries no request scope; ctx's error when ctx is done
// first; the statement's error, wrapped, when it failed (such a key is not cached).
func (l *KeyLoader[T, K]) Load(ctx context.Context, key K) (*T, error) {
	b, err := bind[K, *T](ctx, l, l)
	if err != nil {
		return nil, err
	}
	if l.norm != nil {
		key = l.norm(key)
	}
	return b.load(ctx, key)
}

// LoadMany returns the rows of keys, in the order of keys, as many goroutines calling
// Load would, in one statement per [WithMaxBatch] keys. When some keys fail, the error
// is an [Errors] with one entry per key (nil for those loaded) and their rows are nil.
func (l *KeyLoader[T, K]) LoadMany(ctx context.Context, keys []K) ([]*T, error) {
	b, err := bind[K, *T](ctx, l, l)
	if err != nil {
		return nil, err
	}
	return b.loadMany(ctx, normKeys(l.norm, keys))
}

// prepare returns the statement loading keys and the function matching its rows to them.
func (l *KeyLoader[T, K]) prepare(keys []K, v sqlw.ScopeValues) (*job, func(error) ([]*T, []error)) {
	var rows []T
	row := scan.NewRow(nil, l.m.Columns, nil)
	args := make([]any, l.nargs)
	args[0] = keys
	if err := sqlw.FillScopes(args, l.scopes, v); err != nil { // refused: nothing is sent
		return nil, func(error) ([]*T, []error) {
			errs := make([]error, len(keys))
			for i := range errs {
				errs[i] = fmt.Errorf("dataload: load %s: %w", l.m.Name, err)
			}
			return make([]*T, len(keys)), errs
		}
	}
	j := &job{sql: l.sql, args: args, scan: func(r pgx.Rows) (err error) {
		rows, err = scan.All[T](r, row, len(keys))
		return err
	}}
	return j, func(err error) ([]*T, []error) {
		out := make([]*T, len(keys))
		errs := make([]error, len(keys))
		if err != nil {
			err = fmt.Errorf("dataload: load %s: %w", l.m.Name, err)
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
		at := make(map[K]*T, len(rows))
		for i := range rows {
			p := &rows[i]
			k := *(*K)(unsafe.Add(unsafe.Pointer(p), l.pk.Offset))
			if l.norm != nil {
				k = l.norm(k)
			}
			at[k] = p
		}
		for i, k := range keys {
			if out[i] = at[k]; out[i] == nil {
				errs[i] = fmt.Errorf("dataload: %s %s %v: %w", l.m.Name, l.pk.Field, k, ErrNotFound)
			}
		}
		return out, errs
	}
}

// fieldNames joins the Go field names of cols with "+".
func fieldNames(cols []*model.Column) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += "+"
		}
		s += c.Field
	}
	return s
}
