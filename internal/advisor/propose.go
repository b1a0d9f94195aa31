package advisor

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// Proposal is an index proposed for one table of a statement, and its proof.
type Proposal struct {
	Table   string   // the table, quoted (schema-qualified unless in public)
	Name    string   // the index name: deterministic, from table, keys and predicate
	Keys    []string // key columns in order, quoted, with DESC / NULLS where needed
	Include []string // INCLUDE columns, quoted
	Where   string   // the partial index predicate, "" for none
	// SQL is the migration text: CREATE INDEX CONCURRENTLY IF NOT EXISTS ...;
	SQL string
	// Before and After are EXPLAIN (ANALYZE, BUFFERS) of the statement without and with
	// the index; set when the proposal was proven.
	Before, After Measure
	// Used reports whether the plan made with the index reads the table through it.
	Used bool
}

// facts is what the plan made with indexes disabled says about one table of the
// statement: its constant predicates, the sort it needs, the columns it returns.
type facts struct {
	consts []Pred
	order  []sortKey
	output []string
	table  string // quoted for DDL
	name   string // relation name
}

// factsOf reads the facts of alias from a plan made with indexes disabled.
func factsOf(p *plan, alias string) facts {
	var f facts
	sorted := false
	p.Root.walk(func(n *node) {
		if !sorted && (n.NodeType == "Sort" || n.NodeType == "Incremental Sort") {
			sorted = true
			for _, s := range n.SortKey {
				k, ok := parseSortKey(s)
				if !ok || k.alias != alias {
					break
				}
				f.order = append(f.order, k)
			}
		}
		if !n.scan() || n.Alias != alias {
			return
		}
		f.name = n.RelationName
		f.table = sqlw.QuoteIdent(n.RelationName)
		if n.Schema != "" && n.Schema != "public" {
			f.table = sqlw.QuoteIdent(n.Schema) + "." + f.table
		}
		for _, pr := range preds(n.Filter) {
			if pr.Alias == alias && pr.Source == FromConst && pr.Const != "" {
				f.consts = append(f.consts, pr)
			}
		}
		for _, o := range n.Output { // qualified, except on a top node where they may not be
			if op := parseOperand(tokenize(o)); op.kind == oCol && (op.alias == alias || op.alias == "") && !slices.Contains(f.output, op.col) {
				f.output = append(f.output, op.col)
			}
		}
	})
	return f
}

// key is one index key column.
type key struct {
	col              string
	desc, nullsFirst bool
}

func (k key) String() string {
	s := sqlw.QuoteIdent(k.col)
	if k.desc {
		s += " DESC"
	}
	if k.nullsFirst != k.desc { // not the default placement of the direction
		if k.nullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
	}
	return s
}

// propose returns the index for one finding: equality columns first, then range
// columns, then the sort in its directions; partial on the constant predicates;
// INCLUDE for a small select list. ok is false when there is nothing to index.
func propose(fd Finding, fc facts, columns int) (Proposal, bool) {
	var keys []key
	has := func(c string) bool { return slices.ContainsFunc(keys, func(k key) bool { return k.col == c }) }
	var rng []string
	for _, w := range fd.wanted {
		if w.Eq() {
			keys = append(keys, key{col: w.Col})
		} else {
			rng = append(rng, w.Col)
		}
	}
	var order []key
	for _, s := range fc.order {
		if !has(s.col) {
			order = append(order, key{col: s.col, desc: s.desc, nullsFirst: s.nullsFirst})
		}
	}
	if len(order) > 0 && order[0].desc { // an index read backwards gives the reverse order
		for i := range order {
			order[i].desc, order[i].nullsFirst = !order[i].desc, !order[i].nullsFirst
		}
	}
	if !rangeLeadsOrder(rng, order) {
		for _, c := range rng {
			if !has(c) {
				keys = append(keys, key{col: c})
			}
		}
	}
	for _, o := range order {
		if !has(o.col) {
			keys = append(keys, o)
		}
	}
	var where []string
	for _, c := range fc.consts {
		where = append(where, c.Const)
	}
	if len(keys) == 0 { // only constant predicates: index their columns
		for _, c := range fc.consts {
			if !has(c.Col) {
				keys = append(keys, key{col: c.Col})
			}
		}
	}
	if len(keys) == 0 {
		return Proposal{}, false
	}
	p := Proposal{Table: fc.table, Where: strings.Join(where, " AND ")}
	for _, k := range keys {
		p.Keys = append(p.Keys, k.String())
	}
	var extra []string
	for _, c := range fc.output {
		if !has(c) {
			extra = append(extra, c)
		}
	}
	if len(extra) > 0 && len(extra) <= 3 && len(keys)+len(extra) < columns {
		for _, c := range extra {
			p.Include = append(p.Include, sqlw.QuoteIdent(c))
		}
	}
	p.Name = indexName(fc.name, keys, extra[:len(p.Include)], p.Where)
	p.SQL = p.ddl(true)
	return p, true
}

// rangeLeadsOrder reports whether the range columns are the first columns of the
// order: then the ordered keys serve both.
func rangeLeadsOrder(rng []string, order []key) bool {
	if len(rng) == 0 || len(rng) > len(order) {
		return len(rng) == 0
	}
	for _, o := range order[:len(rng)] {
		if !slices.Contains(rng, o.col) {
			return false
		}
	}
	return true
}

// maxName is PostgreSQL's identifier length (NAMEDATALEN - 1).
const maxName = 63

// indexName names an index after its table and keys ("posts_user_id_created_at_idx"),
// with "desc" after a descending key, "incl" before included columns and a hash of the
// predicate for a partial index; a name too long is cut and ends in a hash of the whole.
func indexName(table string, keys []key, include []string, where string) string {
	parts := []string{table}
	for _, k := range keys {
		parts = append(parts, k.col)
		if k.desc {
			parts = append(parts, "desc")
		}
	}
	if len(include) > 0 {
		parts = append(parts, "incl")
		parts = append(parts, include...)
	}
	if where != "" {
		parts = append(parts, "part", hash(where, 6))
	}
	name := strings.Join(parts, "_") + "_idx"
	if len(name) > maxName {
		cut := maxName - 9
		for cut > 0 && !utf8.RuneStart(name[cut]) { // never split a character: PostgreSQL refuses a broken one
			cut--
		}
		name = strings.TrimRight(name[:cut], "_") + "_" + hash(name, 8)
	}
	return name
}

func hash(s string, n int) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())[:n]
}

// ddl renders the CREATE INDEX statement: for a migration (CONCURRENTLY IF NOT EXISTS,
// with a semicolon) or for the proof inside a transaction.
func (p *Proposal) ddl(migration bool) string {
	w := sqlw.NewWriter(128)
	w.SQL("CREATE INDEX ")
	if migration {
		w.SQL("CONCURRENTLY IF NOT EXISTS ")
	}
	w.Ident(p.Name)
	w.SQL(" ON ")
	w.SQL(p.Table)
	w.SQL(" (")
	w.List(len(p.Keys), func(i int) { w.SQL(p.Keys[i]) })
	w.SQL(")")
	if len(p.Include) > 0 {
		w.SQL(" INCLUDE (")
		w.List(len(p.Include), func(i int) { w.SQL(p.Include[i]) })
		w.SQL(")")
	}
	if p.Where != "" {
		w.SQL(" WHERE ")
		w.SQL(p.Where)
	}
	if migration {
		w.SQL(";")
	}
	return w.String()
}
