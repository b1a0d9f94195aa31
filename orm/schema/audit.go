package schema

import "context"

// Audit checks the indexes of the models against the live catalog, for a test or a
// startup check: every index a model declares exists with the declared shape, and
// every foreign key of the models' relations (a belongs-to key on the model's table,
// a has-one or has-many key on the related table, both keys of a many-to-many link
// table) has an index over every row led by it, unless the relation says `noindex`.
// An index with the key as its second column does not count: a lookup by the key
// would have to read all of it. A primary key led by the key does.
//
// It reads the catalog in one statement; a table that does not exist is reported as
// missing. A has-many or has-one key is checked on the related table also when that
// model is not among the given ones. Columns and constraints other than indexes are
// [Drift]'s business. Use Report.Err to fail:
//
//	rep, err := schema.Audit(ctx, db, &User{}, &Post{})
//	if err == nil {
//		err = rep.Err() // errors.Is(err, schema.ErrDrift)
//	}
func Audit(ctx context.Context, q Querier, models ...any) (*Report, error) {
	return compare(ctx, q, models, false)
}
