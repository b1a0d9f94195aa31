package preload

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// statement is the rendered SQL of one edge and what is needed to scan its rows.
type statement struct {
	sql   string
	nkeys int             // key array parameters, $1..$nkeys
	args  []any           // nkeys nils, then the Where args, then the Limit
	cols  []*model.Column // related-model columns, scanned after the link columns
	link  []reflect.Type  // many-to-many: types of the leading link-key columns
	// holder is a struct type with one field per link-key column: the link keys of each
	// row are scanned into one and read from it.
	holder reflect.Type
	// scopes are the parameters of the related model's value scopes (a tenant id),
	// filled per load from the context.
	scopes []sqlw.ScopeSlot
}

// orderKey is one resolved ORDER BY key.
type orderKey struct {
	col        *model.Column
	desc       bool
	nullsFirst bool
}

// render validates the node's options and renders its statement.
func (n *node) render() error {
	rel := n.rel
	n.ownerPK = true
	for _, c := range rel.OwnerKey {
		n.ownerPK = n.ownerPK && c.PK
	}
	if n.spec.Limit > 0 && !rel.Kind.ToMany() {
		return &OptionError{Path: n.path, Option: "Limit", Reason: fmt.Sprintf("%s relation %s loads at most one row per parent; Limit is for has-many and many-to-many", rel.Kind, rel.Name)}
	}
	cols, err := n.columns()
	if err != nil {
		return err
	}
	order, err := n.orderKeys()
	if err != nil {
		return err
	}
	casts, err := n.keyCasts()
	if err != nil {
		return err
	}
	if casts == nil && n.spec.Limit > 0 {
		casts = n.oneKeyCast()
	}
	if err := n.setKeys(); err != nil {
		return err
	}
	n.pkCmp, n.pkInt = pkCompare(rel.Target.PK), pkInt(rel.Target.PK)
	n.inMemory = n.spec.Limit == 0 && len(n.spec.Order) == 0 && n.pkCmp != nil &&
		(rel.Kind.ToMany() || rel.Kind == model.HasOne)
	r := renderer{n: n, w: sqlw.NewWriter(512), qt: rel.Target.QTable, cols: cols, order: order, casts: casts}
	r.w.DeferScopes()
	for range rel.OwnerKey {
		r.keys = append(r.keys, r.w.Param())
	}
	switch {
	case n.spec.Limit == 0:
		err = r.plain()
	case r.casts != nil:
		err = r.lateral()
	default:
		// The SQL type of the key array is not known (see oneKeyCast): unnest would
		// have to guess it, so the limit is a window over the ANY lookup instead.
		err = r.windowed()
	}
	if err != nil {
		return &OptionError{Path: n.path, Option: "Where", Err: err}
	}
	n.st.sql, n.st.args, n.st.scopes = r.w.String(), r.w.Args(), r.w.ScopeSlots()
	n.st.nkeys = len(r.keys)
	n.st.cols = cols
	return nil
}

// columns returns the related-model columns to select: all of them, or the ones named
// by Columns plus the keys the loader needs, in field order.
func (n *node) columns() ([]*model.Column, error) {
	t := n.rel.Target
	if len(n.spec.Cols) == 0 {
		return t.Columns, nil
	}
	want := map[*model.Column]bool{}
	for _, name := range n.spec.Cols {
		c, err := t.Column(name)
		if err != nil {
			return nil, &OptionError{Path: n.path, Option: "Columns", Reason: "unknown column", Err: err}
		}
		want[c] = true
	}
	for _, c := range t.PK {
		want[c] = true
	}
	if n.rel.Kind != model.ManyToMany {
		for _, c := range n.rel.TargetKey {
			want[c] = true
		}
	}
	for _, ch := range n.children {
		for _, c := range ch.rel.OwnerKey {
			want[c] = true
		}
	}
	var out []*model.Column
	for _, c := range t.Columns {
		if want[c] {
			out = append(out, c)
		}
	}
	return out, nil
}

// orderKeys resolves OrderBy against the related model and appends its primary key as
// a tie-breaker.
func (n *node) orderKeys() ([]orderKey, error) {
	t := n.rel.Target
	var out []orderKey
	seen := map[*model.Column]bool{}
	for _, key := range n.spec.Order {
		k, err := model.ParseOrderKey(key)
		if err != nil {
			return nil, &OptionError{Path: n.path, Option: "OrderBy", Reason: fmt.Sprintf("%q: %v", key, err)}
		}
		c, err := t.Column(k.Name)
		if err != nil {
			return nil, &OptionError{Path: n.path, Option: "OrderBy", Reason: "unknown column", Err: err}
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, orderKey{col: c, desc: k.Desc, nullsFirst: k.NullsFirst()})
		}
	}
	for _, c := range t.PK {
		if !seen[c] {
			seen[c] = true
			out = append(out, orderKey{col: c})
		}
	}
	return out, nil
}

// keyCasts returns, for a composite key, the SQL array type of each key column (the
// key arrays go through unnest, which cannot infer them); nil for a one-column key,
// which the plain statement compares with = ANY($1), typed by PostgreSQL from the
// column (see oneKeyCast for Limit).
func (n *node) keyCasts() ([]string, error) {
	ok := n.rel.OwnerKey
	if len(ok) == 1 {
		return nil, nil
	}
	if len(ok) > maxKeyCols {
		return nil, n.unsupported(n.rel.Owner, fieldNames(ok), "composite keys of more than %d columns are not supported", maxKeyCols)
	}
	casts := make([]string, len(ok))
	for i, c := range ok {
		name, found := sqlTypes[model.KeyType(c.Type)]
		if !found {
			return nil, n.unsupported(n.rel.Owner, c.Field, "composite key column of Go type %v: its SQL type is unknown (supported: integers, string, uuid, bool, float64, time.Time)", c.Type)
		}
		casts[i] = name + "[]"
	}
	return casts, nil
}

// oneKeyCast returns the SQL array type of a one-column key for Limit's lateral form,
// which sends the keys through unnest, or nil when the Go key type does not pin it.
// Integer keys are sent as []int64 and UUID keys as [][16]byte (see setKeys), and int8
// and uuid compare correctly and through the index with every column such keys can
// map to (int2, int4, int8, numeric; uuid). A string is not pinned: as text it would
// silently miss char(n) rows (padding) and citext rows (case), and fail on uuid or
// enum columns; nor are the other types (float64, time.Time, custom ones). Those keep
// the window form, which compares with = ANY($1) and lets PostgreSQL type the array
// from the column.
func (n *node) oneKeyCast() []string {
	kt := model.KeyType(n.rel.OwnerKey[0].Type)
	switch {
	case kt == reflect.TypeFor[int64]():
		return []string{"int8[]"}
	case isByte16(kt):
		return []string{"uuid[]"}
	}
	return nil
}

// sqlTypes names the SQL type of the Go key types that composite keys may use.
var sqlTypes = map[reflect.Type]string{
	reflect.TypeFor[int64]():     "int8",
	reflect.TypeFor[string]():    "text",
	reflect.TypeFor[[16]byte]():  "uuid",
	reflect.TypeFor[bool]():      "bool",
	reflect.TypeFor[float64]():   "float8",
	reflect.TypeFor[time.Time](): "timestamptz",
}

// innerCols returns the columns a subquery aliased as the related table selects: the
// columns read, then the order keys not among them, which the outer ORDER BY uses.
func innerCols(cols []*model.Column, order []orderKey) []*model.Column {
	out := slices.Clone(cols)
	for _, o := range order {
		if !slices.Contains(out, o.col) {
			out = append(out, o.col)
		}
	}
	return out
}
