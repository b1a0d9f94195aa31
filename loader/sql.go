package loader

import (
	"fmt"
	sq "github.com/Masterminds/squirrel"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/batchorm/batchorm/internal/model"
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
}

// orderKey is one resolved ORDER BY key.
type orderKey struct {
	col        *model.Column
	desc       bool
	nullsFirst bool
}

// render validates the node's options and renders its statement.
func (n *node) render() error {
	rel, t := n.rel, n.rel.Target
	n.ownerPK = true
	for _, c := range rel.OwnerKey {
		n.ownerPK = n.ownerPK && c.PK
	}
	if n.spec.limit > 0 && !rel.Kind.ToMany() {
		return &OptionError{Path: n.path, Option: "Limit", Reason: fmt.Sprintf("%s relation %s loads at most one row per parent; Limit is for has-many and many-to-many", rel.Kind, rel.Name)}
	}
	for _, w := range n.spec.where {
		if _, _, err := w.ToSql(); err != nil {
			return &OptionError{Path: n.path, Option: "Where", Reason: "condition does not render", Err: err}
		}
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
	if casts == nil && n.spec.limit > 0 {
		casts = n.oneKeyCast()
	}
	if err := n.setKeys(); err != nil {
		return err
	}
	r := renderer{n: n, qt: t.QTable, cols: cols, order: order, casts: casts}
	var sql string
	switch {
	case n.spec.limit == 0:
		sql = r.plain()
	case r.casts != nil:
		sql = r.lateral()
	default:
		// The SQL type of the key array is not known (see oneKeyCast): unnest would
		// have to guess it, so the limit is a window over the ANY lookup instead.
		sql = r.windowed()
	}
	n.st.sql, err = sq.Dollar.ReplacePlaceholders(sql)
	if err != nil {
		return fmt.Errorf("loader: %q: render: %w", n.path, err)
	}
	n.st.nkeys = len(rel.OwnerKey)
	n.st.cols = cols
	n.st.args = make([]any, n.st.nkeys, n.st.nkeys+len(r.args)+1)
	n.st.args = append(n.st.args, r.args...)
	if n.spec.limit > 0 {
		n.st.args = append(n.st.args, n.spec.limit)
	}
	return nil
}

// columns returns the related-model columns to select: all of them, or the ones named
// by Columns plus the keys the loader needs, in field order.
func (n *node) columns() ([]*model.Column, error) {
	t := n.rel.Target
	if len(n.spec.cols) == 0 {
		return t.Columns, nil
	}
	want := map[*model.Column]bool{}
	for _, name := range n.spec.cols {
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
	for _, key := range n.spec.order {
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

// renderer writes the statement of one node, with '?' placeholders.
type renderer struct {
	n     *node
	qt    string // quoted related table, also the alias of the lateral or windowed subquery
	cols  []*model.Column
	order []orderKey
	casts []string
	args  []any
}

// matchCols returns the qualified columns compared with the parents' keys: the link
// table's owner columns for many-to-many, the related model's key columns otherwise.
func (r *renderer) matchCols() []string {
	rel := r.n.rel
	if rel.Kind == model.ManyToMany {
		ql := model.QuoteIdent(rel.Through)
		out := make([]string, len(rel.ThroughOwner))
		for i, c := range rel.ThroughOwner {
			out[i] = ql + "." + model.QuoteIdent(c)
		}
		return out
	}
	out := make([]string, len(rel.TargetKey))
	for i, c := range rel.TargetKey {
		out[i] = r.qt + "." + c.Quoted
	}
	return out
}

// from writes FROM, the link-table join and WHERE with the key lookup and the Where
// conditions.
func (r *renderer) from(b *strings.Builder) {
	r.join(b)
	b.WriteString(" WHERE ")
	match := r.matchCols()
	if len(match) == 1 {
		b.WriteString(match[0])
		b.WriteString(" = ANY(?)")
	} else {
		fmt.Fprintf(b, "(%s) IN (SELECT * FROM unnest(%s))", strings.Join(match, ", "), r.keyArrays())
	}
	r.conds(b)
}

// join writes FROM the related table and, for many-to-many, the join of the link table.
func (r *renderer) join(b *strings.Builder) {
	rel := r.n.rel
	b.WriteString(" FROM ")
	b.WriteString(r.qt)
	if rel.Kind == model.ManyToMany {
		ql := model.QuoteIdent(rel.Through)
		b.WriteString(" JOIN ")
		b.WriteString(ql)
		b.WriteString(" ON ")
		for i, c := range rel.ThroughTarget {
			if i > 0 {
				b.WriteString(" AND ")
			}
			fmt.Fprintf(b, "%s.%s = %s.%s", ql, model.QuoteIdent(c), r.qt, rel.TargetKey[i].Quoted)
		}
	}
}

// keyArrays returns the typed key-array placeholders given to unnest: "?::text[], ?::int8[]".
func (r *renderer) keyArrays() string {
	out := make([]string, len(r.casts))
	for i, c := range r.casts {
		out[i] = "?::" + c
	}
	return strings.Join(out, ", ")
}

// conds writes the Where conditions, each AND-ed in parentheses, and collects their args.
func (r *renderer) conds(b *strings.Builder) {
	for _, w := range r.n.spec.where {
		s, args, err := w.ToSql()
		if err != nil {
			// A Sqlizer that cannot render is reported when the plan is built.
			s, args = "false", nil
		}
		b.WriteString(" AND (")
		b.WriteString(s)
		b.WriteString(")")
		r.args = append(r.args, args...)
	}
}

// orderList renders the ORDER BY keys: the group key first for to-many relations (so
// each parent's children arrive together), then the asked order.
func (r *renderer) orderList(group []string) string {
	var keys []string
	keys = append(keys, group...)
	for _, o := range r.order {
		keys = append(keys, r.qt+"."+o.col.Quoted+model.OrderSuffix(o.desc, o.nullsFirst))
	}
	return strings.Join(keys, ", ")
}

// plain renders SELECT ... WHERE key = ANY(?) ORDER BY ...
func (r *renderer) plain() string {
	rel := r.n.rel
	var b strings.Builder
	b.WriteString("SELECT ")
	match := r.matchCols()
	if rel.Kind == model.ManyToMany {
		b.WriteString(strings.Join(match, ", "))
		b.WriteString(", ")
	}
	b.WriteString(rel.Target.QualifiedList(rel.Target.Table, r.cols))
	r.from(&b)
	switch {
	case rel.Kind.ToMany():
		b.WriteString(" ORDER BY ")
		b.WriteString(r.orderList(match))
	case rel.Kind == model.HasOne || len(r.n.spec.order) > 0:
		b.WriteString(" ORDER BY ")
		b.WriteString(r.orderList(nil))
	}
	return b.String()
}

// innerCols returns the columns a subquery aliased as the related table selects: the
// columns read, then the order keys not among them, which the outer ORDER BY uses.
func (r *renderer) innerCols() []*model.Column {
	cols := slices.Clone(r.cols)
	for _, o := range r.order {
		if !slices.Contains(cols, o.col) {
			cols = append(cols, o.col)
		}
	}
	return cols
}

// lateral renders the per-parent limit as one LIMIT subquery per parent key:
//
//	SELECT <cols> FROM (SELECT DISTINCT * FROM unnest($1::int8[])) AS "_keys"("_k0")
//	CROSS JOIN LATERAL (SELECT <cols> FROM "posts"
//		WHERE "posts"."author_id" BETWEEN "_keys"."_k0" AND "_keys"."_k0" AND (<conditions>)
//		ORDER BY "posts"."author_id", <order> LIMIT $2) AS "posts"
//	ORDER BY "_keys"."_k0", <order>
//
// With an index on (key, order columns) PostgreSQL reads about Limit rows per parent,
// where a window must number every child of every parent.
//
// The key is matched with BETWEEN, not =, and leads the subquery's ORDER BY, on
// purpose. Against "key = $k" the key column would be constant for the planner and
// drop out of the ORDER BY, leaving "ORDER BY <order> LIMIT n", which an index on the
// order columns alone (the primary key by default) can satisfy by walking it and
// filtering on the key: with default statistics (a table never analysed) PostgreSQL
// picks that plan, which walks most of the table once per parent. The range keeps the
// key in the ORDER BY, so only an index that starts with the key can give the order:
// (key, order columns) reads Limit rows, (key) reads the parent's children and sorts
// them, as the window form did. For the types lateral is used with (integers, UUIDs,
// and the composite-key types) BETWEEN k AND k selects exactly the rows = k selects.
//
// The keys are unnested from typed arrays (r.casts), one per key column; DISTINCT
// keeps a key sent twice, or two keys equal in SQL but not in Go, from loading its
// children twice (collect already sends each Go key once). The subquery is aliased as
// the related table, so the select list and the order keys read as in the plain
// statement; for many-to-many the leading link-key columns are the unnested keys,
// which equal the link table's.
func (r *renderer) lateral() string {
	rel := r.n.rel
	match := r.matchCols()
	keys := make([]string, len(match))
	names := make([]string, len(match))
	for i := range match {
		names[i] = model.QuoteIdent(fmt.Sprintf("_k%d", i))
		keys[i] = `"_keys".` + names[i]
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	if rel.Kind == model.ManyToMany {
		b.WriteString(strings.Join(keys, ", "))
		b.WriteString(", ")
	}
	b.WriteString(rel.Target.QualifiedList(rel.Target.Table, r.cols))
	fmt.Fprintf(&b, ` FROM (SELECT DISTINCT * FROM unnest(%s)) AS "_keys"(%s) CROSS JOIN LATERAL (SELECT `,
		r.keyArrays(), strings.Join(names, ", "))
	b.WriteString(rel.Target.QualifiedList(rel.Target.Table, r.innerCols()))
	r.join(&b)
	b.WriteString(" WHERE ")
	for i, m := range match {
		if i > 0 {
			b.WriteString(" AND ")
		}
		fmt.Fprintf(&b, "%s BETWEEN %s AND %s", m, keys[i], keys[i])
	}
	r.conds(&b)
	fmt.Fprintf(&b, " ORDER BY %s LIMIT ?) AS %s ORDER BY %s", r.orderList(match), r.qt, r.orderList(keys))
	return b.String()
}

// windowed renders the per-parent limit for keys whose SQL type is not known (see
// oneKeyCast): a row_number() window partitioned by the parent key in a subquery
// aliased as the related table, filtered on the row number. It numbers every child of
// every parent.
func (r *renderer) windowed() string {
	rel := r.n.rel
	match := r.matchCols()
	group := match
	var inner, outer strings.Builder
	inner.WriteString("SELECT ")
	if rel.Kind == model.ManyToMany {
		group = make([]string, len(match))
		for i, c := range match {
			alias := model.QuoteIdent(fmt.Sprintf("_k%d", i))
			fmt.Fprintf(&inner, "%s AS %s, ", c, alias)
			group[i] = r.qt + "." + alias
		}
	}
	inner.WriteString(rel.Target.QualifiedList(rel.Target.Table, r.innerCols()))
	fmt.Fprintf(&inner, ", row_number() OVER (PARTITION BY %s ORDER BY %s) AS \"_rn\"",
		strings.Join(match, ", "), r.orderList(nil))
	r.from(&inner)

	outer.WriteString("SELECT ")
	if rel.Kind == model.ManyToMany {
		outer.WriteString(strings.Join(group, ", "))
		outer.WriteString(", ")
	}
	outer.WriteString(rel.Target.QualifiedList(rel.Target.Table, r.cols))
	fmt.Fprintf(&outer, " FROM (%s) AS %s WHERE %s.\"_rn\" <= ? ORDER BY %s",
		inner.String(), r.qt, r.qt, r.orderList(group))
	return outer.String()
}
