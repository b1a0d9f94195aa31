package querylog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/batchorm/batchorm/internal/model"
)

// lookupRe matches a statement that reads a table by one column equal to one value:
// what a loop over parents sends, in the form batchorm and most hand-written SQL use.
var lookupRe = regexp.MustCompile(`(?s)^SELECT .* FROM "?([A-Za-z_][A-Za-z0-9_]*)"? WHERE \(?(?:"?[A-Za-z_][A-Za-z0-9_]*"?\.)?"?([A-Za-z_][A-Za-z0-9_]*)"? = \$1\b`)

// suggestFix names the eager loads that replace a loop sending sql, when sql reads a
// model's table by a relation's key: the relations (of any model analysed so far)
// whose rows it is looking up, as Preload calls, and the one statement they send.
func suggestFix(sql string) string {
	m := lookupRe.FindStringSubmatch(sql)
	if m == nil {
		return ""
	}
	table, col := m[1], m[2]
	var fixes []string
	model.Each(func(owner *model.Model) {
		for _, r := range owner.Relations {
			if r.Kind == model.ManyToMany || r.Target.Table != table || len(r.TargetKey) != 1 || r.TargetKey[0].Name != col {
				continue
			}
			how := fmt.Sprintf("Preload(%q)", r.Name)
			if !r.Kind.ToMany() {
				how = fmt.Sprintf("Preload(%q) or Join(%q)", r.Name, r.Name)
			}
			fixes = append(fixes, fmt.Sprintf("%s on orm.Query[%s]", how, owner.Name))
		}
	})
	if len(fixes) == 0 {
		return ""
	}
	slices.Sort(fixes)
	fixes = slices.Compact(fixes)
	if len(fixes) > 3 {
		fixes = append(fixes[:3], "...")
	}
	return fmt.Sprintf("load them with %s: one statement (%q.%q = ANY($1)) for every parent instead of one per parent",
		strings.Join(fixes, ", or "), table, col)
}
