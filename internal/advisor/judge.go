package advisor

import (
	"context"
	"slices"
)

// Finding is one table of a statement that no index serves: the columns the statement
// filters it on by a parameter or a join key that are not matched by the leading key
// columns of the index the plan uses (its Index Cond), or a Seq Scan left in a plan
// made with sequential scans discouraged.
type Finding struct {
	Table   string   // the table, quoted and schema-qualified as the plan names it
	Name    string   // the table's name as the plan prints it ("Relation Name")
	Node    string   // the node reading it: "Seq Scan", "Index Scan", ...
	Index   string   // the index that node uses, "" for none
	Columns []string // the filter columns no leading index key serves, in statement order
	alias   string
	wanted  []Pred // the equality and range predicates on the table, by parameter or join key
}

// judge returns the findings of a plan made with sequential scans discouraged.
func judge(ctx context.Context, cat *catalog, p *plan) ([]Finding, error) {
	var out []Finding
	scans := map[string]*node{} // by alias
	params := map[string]bool{} // aliases filtered by a parameter
	var err error
	p.Root.walk(func(n *node) {
		if err != nil || !n.scan() {
			return
		}
		scans[n.Alias] = n
		var f *Finding
		f, err = judgeScan(ctx, cat, n)
		if err != nil {
			return
		}
		for _, w := range f.wanted {
			params[n.Alias] = params[n.Alias] || w.Source == FromParam
		}
		if len(f.Columns) > 0 || n.NodeType == "Seq Scan" {
			out = append(out, *f)
		}
	})
	if err != nil {
		return nil, err
	}
	more, err := judgeJoins(ctx, cat, p, scans, params)
	return append(out, more...), err
}

// judgeScan judges one node reading a table.
func judgeScan(ctx context.Context, cat *catalog, n *node) (*Finding, error) {
	f := &Finding{Table: n.table(), Name: n.RelationName, Node: n.NodeType, Index: n.IndexName, alias: n.Alias}
	for _, expr := range []string{n.IndexCond, n.RecheckCond, n.Filter} {
		for _, p := range preds(expr) {
			if p.Alias == n.Alias && (p.Source == FromParam || p.Source == FromOuter) && (p.Eq() || p.Range()) &&
				!slices.ContainsFunc(f.wanted, func(w Pred) bool { return w.Col == p.Col }) {
				f.wanted = append(f.wanted, p)
			}
		}
	}
	served := map[string]bool{}
	var uses []*node // the nodes that search an index for this scan
	if n.IndexName != "" {
		uses = append(uses, n)
	}
	for i := range n.Plans {
		n.Plans[i].walk(func(c *node) {
			if c.NodeType == "Bitmap Index Scan" {
				uses = append(uses, c)
			}
		})
	}
	if len(uses) > 0 {
		ti, err := cat.table(ctx, f.Table)
		if err != nil {
			return nil, err
		}
		for _, u := range uses {
			if f.Index == "" {
				f.Index = u.IndexName
			}
			serveLeading(ti.indexes[u.IndexName], preds(u.IndexCond), n.Alias, served)
		}
	}
	unserved := func() (cols []string) {
		for _, w := range f.wanted {
			if !served[w.Col] {
				cols = append(cols, w.Col)
			}
		}
		return cols
	}
	if len(unserved()) == 0 {
		return f, nil
	}
	// The plan walks an index (or the table) although another index is led by every
	// column: on a table this small the planner may rightly prefer the walk, and the
	// index it would use when the table grows exists. Judge by that index.
	ti, err := cat.table(ctx, f.Table)
	if err != nil {
		return nil, err
	}
	for name, keys := range ti.indexes {
		if !ti.whole[name] { // a partial index may not hold the rows asked for
			continue
		}
		all := map[string]bool{}
		serveLeading(keys, f.wanted, n.Alias, all)
		if len(all) == len(f.wanted) {
			return f, nil
		}
	}
	f.Columns = unserved()
	return f, nil
}

// serveLeading marks in served the key columns of an index that its Index Cond
// matches from the first key on, stopping at the first key it does not match: a
// condition on a later key only filters a walk over the whole index.
func serveLeading(keys []string, conds []Pred, alias string, served map[string]bool) {
	for _, k := range keys {
		if !slices.ContainsFunc(conds, func(p Pred) bool {
			return p.Alias == alias && p.Col == k && (p.Eq() || p.Range() || p.Op == "IS NULL")
		}) {
			return
		}
		served[k] = true
	}
}

// judgeJoins judges the join keys of hash and merge joins (and join filters): a table
// reached only through a join key, in a statement that filters another table by a
// parameter, needs an index led by that key, or every run reads it whole.
func judgeJoins(ctx context.Context, cat *catalog, p *plan, scans map[string]*node, params map[string]bool) ([]Finding, error) {
	anyParam := false
	for _, v := range params {
		anyParam = anyParam || v
	}
	if !anyParam {
		return nil, nil
	}
	keys := map[string][]string{} // alias -> join key columns
	var order []string
	p.Root.walk(func(n *node) {
		for _, expr := range []string{n.HashCond, n.MergeCond, n.JoinFilter} {
			for _, jk := range joinKeys(expr) {
				if params[jk.Alias] || scans[jk.Alias] == nil || slices.Contains(keys[jk.Alias], jk.Col) {
					continue
				}
				if keys[jk.Alias] == nil {
					order = append(order, jk.Alias)
				}
				keys[jk.Alias] = append(keys[jk.Alias], jk.Col)
			}
		}
	})
	var out []Finding
	for _, alias := range order {
		n := scans[alias]
		ti, err := cat.table(ctx, n.table())
		if err != nil {
			return nil, err
		}
		if ti.leadingIndex(keys[alias]) != "" {
			continue
		}
		f := Finding{Table: n.table(), Name: n.RelationName, Node: n.NodeType, Index: n.IndexName, alias: alias, Columns: keys[alias]}
		for _, c := range keys[alias] {
			f.wanted = append(f.wanted, Pred{Alias: alias, Col: c, Op: "=", Source: FromOuter})
		}
		out = append(out, f)
	}
	return out, nil
}

// joinKeys returns both columns of each "a.x = b.y" conjunct of a join condition.
func joinKeys(expr string) []Pred {
	if expr == "" {
		return nil
	}
	var out []Pred
	for _, c := range conjuncts(tokenize(expr)) {
		c = stripParens(c)
		i := topLevel(c, tOp)
		if i <= 0 || c[i].text != "=" {
			continue
		}
		l, r := parseOperand(c[:i]), parseOperand(c[i+1:])
		if l.kind == oCol && r.kind == oCol && l.alias != r.alias {
			out = append(out, Pred{Alias: l.alias, Col: l.col, Op: "=", Source: FromOuter},
				Pred{Alias: r.alias, Col: r.col, Op: "=", Source: FromOuter})
		}
	}
	return out
}
