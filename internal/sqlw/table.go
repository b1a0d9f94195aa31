package sqlw

import "github.com/batchorm/batchorm/internal/model"

// Table resolves names against one model whose columns are qualified by Qualifier
// (a quoted table name or alias; the model's quoted table when empty).
type Table struct {
	M         *model.Model
	Qualifier string
}

// Column implements [Resolver]: a field or column name of the model, else a
// *model.ColumnError listing the model's columns.
func (t Table) Column(name string) (string, error) {
	c, err := t.M.Column(name)
	if err != nil {
		return "", err
	}
	if t.Qualifier == "" {
		return c.Qualified, nil
	}
	return t.Qualifier + "." + c.Quoted, nil
}

// Base implements [Scope]: the model and the quoted name its columns are qualified by.
func (t Table) Base() (*model.Model, string) {
	if t.Qualifier == "" {
		return t.M, t.M.QTable
	}
	return t.M, t.Qualifier
}

// Scope is a Resolver that also says which model the statement reads and how its
// table is named there, so that conditions can reach that model's relations ([Has]).
type Scope interface {
	Resolver
	Base() (m *model.Model, qualifier string)
}
