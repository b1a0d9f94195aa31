package sqlw

import "github.com/batchorm/batchorm/internal/model"

// ScopeSQL returns the condition every statement reading m's table under qualifier (its
// quoted name or alias) carries, or "" when m declares none: today a soft-deleted row
// is left out ("deleted_at" IS NULL). It is the one place such a condition is
// written: queries, Count and pages (orm), every Join's ON clause (internal/join),
// every preload edge (internal/preload), relation filters (Has) and where-writes
// all call it.
func ScopeSQL(m *model.Model, qualifier string) string {
	if m.SoftDelete == nil {
		return ""
	}
	return qualifier + "." + m.SoftDelete.Quoted + " IS NULL"
}

// ScopeConds is [ScopeSQL] as conditions to put before a statement's own.
func ScopeConds(m *model.Model, qualifier string, conds []Cond) []Cond {
	s := ScopeSQL(m, qualifier)
	if s == "" {
		return conds
	}
	return append([]Cond{Expr(s)}, conds...)
}
