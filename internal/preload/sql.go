package preload

import (
	"strconv"
	"strings"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

// renderer writes the statement of one node through the one SQL writer, which numbers
// the placeholders: the key arrays first (declared parameters, filled per load), then
// the Where args, then the Limit.
type renderer struct {
	n     *node
	w     *sqlw.Writer
	qt    string // quoted related table, also the alias of the lateral or windowed subquery
	cols  []*model.Column
	order []orderKey
	casts []string     // SQL array types of the key arrays, for unnest; nil for = ANY
	keys  []sqlw.Param // the key array parameters, one per key column
}

// matchCols returns the qualified columns compared with the parents' keys: the link
// table's owner columns for many-to-many, the related model's key columns otherwise.
func (r *renderer) matchCols() []string {
	rel := r.n.rel
	if rel.Kind == model.ManyToMany {
		ql := sqlw.QuoteIdent(rel.Through)
		out := make([]string, len(rel.ThroughOwner))
		for i, c := range rel.ThroughOwner {
			out[i] = ql + "." + sqlw.QuoteIdent(c)
		}
		return out
	}
	out := make([]string, len(rel.TargetKey))
	for i, c := range rel.TargetKey {
		out[i] = r.qt + "." + c.Quoted
	}
	return out
}

// selectList writes the columns read: the leading link keys (lead) for many-to-many,
// then the related model's columns cols.
func (r *renderer) selectList(lead []string, cols []*model.Column) {
	if r.n.rel.Kind == model.ManyToMany {
		r.w.SQL(strings.Join(lead, ", "))
		r.w.SQL(", ")
	}
	r.w.SQL(r.n.rel.Target.QualifiedList(r.n.rel.Target.Table, cols))
}

// from writes FROM the related table and, for many-to-many, the join of the link table.
func (r *renderer) from() {
	rel, w := r.n.rel, r.w
	w.SQL(" FROM ")
	w.SQL(r.qt)
	if rel.Kind != model.ManyToMany {
		return
	}
	ql := sqlw.QuoteIdent(rel.Through)
	w.SQL(" JOIN ")
	w.SQL(ql)
	w.SQL(" ON ")
	for i, c := range rel.ThroughTarget {
		if i > 0 {
			w.SQL(" AND ")
		}
		w.SQL(ql + "." + sqlw.QuoteIdent(c) + " = " + r.qt + "." + rel.TargetKey[i].Quoted)
	}
}

// where writes FROM, the link-table join, and WHERE with the key lookup and the Where
// conditions: match = ANY($1) for one key column, (a, b) IN (SELECT * FROM
// unnest($1::text[], $2::int8[])) for a composite key.
func (r *renderer) where() error {
	w := r.w
	r.from()
	w.SQL(" WHERE ")
	match := r.matchCols()
	if len(match) == 1 {
		w.SQL(match[0])
		w.SQL(" = ANY(")
		w.Ref(r.keys[0])
		w.Byte(')')
	} else {
		w.Byte('(')
		w.SQL(strings.Join(match, ", "))
		w.SQL(") IN (SELECT * FROM unnest(")
		r.keyArrays()
		w.SQL("))")
	}
	return r.conds()
}

// keyArrays writes the typed key-array placeholders given to unnest: "$1::text[], $2::int8[]".
func (r *renderer) keyArrays() {
	for i, c := range r.casts {
		if i > 0 {
			r.w.SQL(", ")
		}
		r.w.Cast(r.keys[i], c)
	}
}

// conds writes the Where conditions, ANDed after the key lookup. Names in them resolve
// against the related model, qualified by its table.
func (r *renderer) conds() error {
	if !r.n.unscoped { // a soft-deleted child, or another tenant's, is never loaded
		if err := sqlw.WriteScope(r.w, r.n.rel.Target, r.qt, " AND "); err != nil {
			return err
		}
		if r.n.rel.Kind == model.ManyToMany { // nor through a deleted link row
			if err := sqlw.WriteLinkScope(r.w, r.n.rel, sqlw.QuoteIdent(r.n.rel.Through), " AND "); err != nil {
				return err
			}
		}
	}
	return r.w.AndConds(r.n.spec.Where, sqlw.Table{M: r.n.rel.Target})
}

// orderList renders the ORDER BY keys: group first (so each parent's children arrive
// together), then the asked order.
func (r *renderer) orderList(group []string) string {
	keys := append([]string(nil), group...)
	for _, o := range r.order {
		keys = append(keys, r.qt+"."+o.col.Quoted+model.OrderSuffix(o.desc, o.nullsFirst))
	}
	return strings.Join(keys, ", ")
}

// plain renders SELECT ... WHERE key = ANY($1), with an ORDER BY only when the rows
// cannot be put in order in memory (see plainOrder).
func (r *renderer) plain() error {
	r.w.SQL("SELECT ")
	match := r.matchCols()
	r.selectList(match, r.cols)
	if err := r.where(); err != nil {
		return err
	}
	if keys := r.plainOrder(match); keys != "" {
		r.w.SQL(" ORDER BY ")
		r.w.SQL(keys)
	}
	return nil
}

// plainOrder returns the ORDER BY of the plain statement. None when the children are
// put in primary-key order in memory (n.inMemory) or when there is no order to keep (a
// belongs-to without OrderBy). Otherwise: the asked order, then the primary key, after
// the group key for to-many relations.
func (r *renderer) plainOrder(group []string) string {
	n := r.n
	switch {
	case n.inMemory:
		return ""
	case n.rel.Kind.ToMany():
		return r.orderList(group)
	case n.rel.Kind == model.HasOne || len(n.spec.Order) > 0:
		return r.orderList(nil)
	}
	return ""
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
// them. For the types lateral is used with (integers, UUIDs, and the composite-key
// types) BETWEEN k AND k selects exactly the rows = k selects.
//
// The keys are unnested from typed arrays (r.casts), one per key column; DISTINCT
// keeps a key sent twice, or two keys equal in SQL but not in Go, from loading its
// children twice (collect already sends each Go key once). The subquery is aliased as
// the related table, so the select list and the order keys read as in the plain
// statement; for many-to-many the leading link-key columns are the unnested keys,
// which equal the link table's.
func (r *renderer) lateral() error {
	w := r.w
	match := r.matchCols()
	keys := make([]string, len(match))
	names := make([]string, len(match))
	for i := range match {
		names[i] = sqlw.QuoteIdent("_k" + strconv.Itoa(i))
		keys[i] = `"_keys".` + names[i]
	}
	w.SQL("SELECT ")
	r.selectList(keys, r.cols)
	w.SQL(" FROM (SELECT DISTINCT * FROM unnest(")
	r.keyArrays()
	w.SQL(`)) AS "_keys"(` + strings.Join(names, ", ") + ") CROSS JOIN LATERAL (SELECT ")
	w.SQL(r.n.rel.Target.QualifiedList(r.n.rel.Target.Table, innerCols(r.cols, r.order)))
	r.from()
	w.SQL(" WHERE ")
	for i, m := range match {
		if i > 0 {
			w.SQL(" AND ")
		}
		w.SQL(m + " BETWEEN " + keys[i] + " AND " + keys[i])
	}
	if err := r.conds(); err != nil {
		return err
	}
	w.SQL(" ORDER BY " + r.orderList(match) + " LIMIT ")
	w.Arg(r.n.spec.Limit)
	w.SQL(") AS " + r.qt + " ORDER BY " + r.orderList(keys))
	return nil
}

// windowed renders the per-parent limit for keys whose SQL type is not known (see
// oneKeyCast): a row_number() window partitioned by the parent key in a subquery
// aliased as the related table, filtered on the row number. It numbers every child of
// every parent.
func (r *renderer) windowed() error {
	w := r.w
	match := r.matchCols()
	group := match
	inner := ""
	if r.n.rel.Kind == model.ManyToMany {
		group = make([]string, len(match))
		for i, c := range match {
			alias := sqlw.QuoteIdent("_k" + strconv.Itoa(i))
			inner += c + " AS " + alias + ", "
			group[i] = r.qt + "." + alias
		}
	}
	w.SQL("SELECT ")
	r.selectList(group, r.cols)
	w.SQL(" FROM (SELECT " + inner)
	w.SQL(r.n.rel.Target.QualifiedList(r.n.rel.Target.Table, innerCols(r.cols, r.order)))
	w.SQL(", row_number() OVER (PARTITION BY " + strings.Join(match, ", ") + " ORDER BY " + r.orderList(nil) + `) AS "_rn"`)
	if err := r.where(); err != nil {
		return err
	}
	w.SQL(") AS " + r.qt + " WHERE " + r.qt + `."_rn" <= `)
	w.Arg(r.n.spec.Limit)
	w.SQL(" ORDER BY " + r.orderList(group))
	return nil
}
