package sqlw

import (
	"fmt"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/model"
)

// Has is the condition "a related row exists": EXISTS over the relation named rel of
// the statement's model, of any kind (belongs-to, has-one, has-many, many-to-many,
// through its join table), with conds on the related model's columns. Has conditions
// nest: Has("Posts", Has("Comments", Eq{"flagged": true})).
func Has(rel string, conds ...sq.Sqlizer) Cond { return has{rel: rel, conds: conds} }

type has struct {
	rel   string
	conds []sq.Sqlizer
}

func (h has) ToSql() (string, []any, error) { return "", nil, ErrUnresolved }

func (h has) write(w *Writer, r Resolver) (bool, error) {
	s, ok := r.(Scope)
	if !ok {
		return false, ErrUnresolved
	}
	m, owner := s.Base()
	rel := m.Relation(h.rel)
	if rel == nil {
		return false, &model.RelationError{Model: m.Name, Path: h.rel, Segment: h.rel,
			Reason: "unknown relation", Relations: m.RelationNames()}
	}
	alias := QuoteIdent(strings.Trim(owner, `"`) + "." + rel.Name)
	w.SQL("EXISTS (SELECT 1 FROM ")
	if rel.Kind == model.ManyToMany {
		link := QuoteIdent(rel.Through)
		w.SQL(link + " JOIN " + rel.Target.QTable + " AS " + alias + " ON ")
		pairs(w, alias, rel.TargetKey, link, rel.ThroughTarget)
		w.SQL(" WHERE ")
		pairs(w, owner, rel.OwnerKey, link, rel.ThroughOwner)
	} else {
		w.SQL(rel.Target.QTable + " AS " + alias + " WHERE ")
		for i, tk := range rel.TargetKey {
			if i > 0 {
				w.SQL(" AND ")
			}
			w.SQL(alias + "." + tk.Quoted + " = " + owner + "." + rel.OwnerKey[i].Quoted)
		}
	}
	if err := WriteScope(w, rel.Target, alias, " AND "); err != nil {
		return false, fmt.Errorf("Has(%q): %w", h.rel, err)
	}
	if rel.Kind == model.ManyToMany {
		if err := WriteLinkScope(w, rel, QuoteIdent(rel.Through), " AND "); err != nil {
			return false, fmt.Errorf("Has(%q): %w", h.rel, err)
		}
	}
	inner := make([]Cond, len(h.conds))
	for i, c := range h.conds {
		var err error
		if inner[i], err = From(c); err != nil {
			return false, fmt.Errorf("Has(%q): %w", h.rel, err)
		}
	}
	if err := w.AndConds(inner, Table{M: rel.Target, Qualifier: alias}); err != nil {
		return false, fmt.Errorf("Has(%q): %w", h.rel, err)
	}
	w.Byte(')')
	return false, nil
}

// pairs writes "a.k1 = l.c1 AND ..." for the key columns cols of alias a matching the
// link-table columns link of l.
func pairs(w *Writer, a string, cols []*model.Column, l string, link []string) {
	for i, c := range cols {
		if i > 0 {
			w.SQL(" AND ")
		}
		w.SQL(a + "." + c.Quoted + " = " + l + "." + QuoteIdent(link[i]))
	}
}
