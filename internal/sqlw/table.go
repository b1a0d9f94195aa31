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
