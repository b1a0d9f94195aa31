package orm

import (
	"context"
	"errors"
	"fmt"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/bulk"
)

// BulkCreate inserts rows in one statement (or one per chunk, in one transaction) and
// writes the values the database chose (ids, defaults) back into them: [bulk.Create]
// on db. A failure leaves the table unchanged.
func BulkCreate[T any](ctx context.Context, db *DB, rows []T, opts ...bulk.Option) error {
	if db == nil {
		return errors.New("orm: BulkCreate: nil DB")
	}
	if err := bulk.Create(ctx, db, rows, opts...); err != nil {
		return fmt.Errorf("orm: BulkCreate: %w", err)
	}
	return nil
}

// BulkUpsert inserts rows, resolving collisions as c says, in one statement and reads
// every column of the rows written back: [bulk.Upsert] on db.
func BulkUpsert[T any](ctx context.Context, db *DB, rows []T, c bulk.Conflict, opts ...bulk.Option) (bulk.UpsertResult, error) {
	if db == nil {
		return bulk.UpsertResult{}, errors.New("orm: BulkUpsert: nil DB")
	}
	res, err := bulk.Upsert(ctx, db, rows, c, opts...)
	if err != nil {
		return res, fmt.Errorf("orm: BulkUpsert: %w", err)
	}
	return res, nil
}

// BulkUpdate writes the named columns of every row, found by primary key, in one
// statement, and returns the number of rows updated: [bulk.Update] on db.
func BulkUpdate[T any](ctx context.Context, db *DB, rows []T, columns []string, opts ...bulk.Option) (int64, error) {
	if db == nil {
		return 0, errors.New("orm: BulkUpdate: nil DB")
	}
	n, err := bulk.Update(ctx, db, rows, columns, opts...)
	if err != nil {
		return 0, fmt.Errorf("orm: BulkUpdate: %w", err)
	}
	return n, nil
}

// BulkDelete deletes every row by primary key in one statement and returns the number
// of rows deleted: [bulk.Delete] on db.
func BulkDelete[T any](ctx context.Context, db *DB, rows []T, opts ...bulk.Option) (int64, error) {
	if db == nil {
		return 0, errors.New("orm: BulkDelete: nil DB")
	}
	n, err := bulk.Delete(ctx, db, rows, opts...)
	if err != nil {
		return 0, fmt.Errorf("orm: BulkDelete: %w", err)
	}
	return n, nil
}

// Set maps field or column names to what an UPDATE writes into them: a value, or an
// expression from bulk.Expr ("age + ?"). It is [bulk.Set], named here so that the
// front door needs no second import.
type Set = bulk.Set

// AllRows is the explicit "every row" condition of [Select.UpdateAll] and
// [Select.DeleteAll], which refuse a query without Where: it is [bulk.AllRows].
var AllRows = bulk.AllRows

// UpdateAll sets the columns of set on every row the query's Where conditions match,
// in one UPDATE, and returns the number of rows updated ([bulk.UpdateWhere]):
//
//	n, err := orm.Query[User](db).Where(orm.Eq{"team_id": 7}).UpdateAll(ctx, orm.Set{"active": false})
//
// A query without Where is refused with an error matching [bulk.ErrMissingWhere];
// say Where(orm.AllRows) to update every row. Set keys are checked against the model;
// an empty set is [bulk.ErrNothingToUpdate]. OrderBy, Limit, Offset, Columns, Join and
// Preload do not apply to an UPDATE and are an error.
func (q Select[T]) UpdateAll(ctx context.Context, set Set) (int64, error) {
	where, err := q.writeConditions("UpdateAll")
	if err != nil {
		return 0, err
	}
	n, err := bulk.UpdateWhere[T](ctx, q.db, set, where...)
	if err != nil {
		return 0, fmt.Errorf("orm: UpdateAll: %w", err)
	}
	return n, nil
}

// UpdateAllReturning is [Select.UpdateAll] returning the updated rows, every column
// read back, in no particular order.
func (q Select[T]) UpdateAllReturning(ctx context.Context, set Set) ([]T, error) {
	where, err := q.writeConditions("UpdateAllReturning")
	if err != nil {
		return nil, err
	}
	rows, err := bulk.UpdateWhereReturning[T](ctx, q.db, set, where...)
	if err != nil {
		return nil, fmt.Errorf("orm: UpdateAllReturning: %w", err)
	}
	return rows, nil
}

// DeleteAll deletes every row the query's Where conditions match, in one DELETE, and
// returns the number of rows deleted ([bulk.DeleteWhere]). As with [Select.UpdateAll],
// a query without Where is refused unless it says Where(orm.AllRows).
func (q Select[T]) DeleteAll(ctx context.Context) (int64, error) {
	where, err := q.writeConditions("DeleteAll")
	if err != nil {
		return 0, err
	}
	n, err := bulk.DeleteWhere[T](ctx, q.db, where...)
	if err != nil {
		return 0, fmt.Errorf("orm: DeleteAll: %w", err)
	}
	return n, nil
}

// DeleteAllReturning is [Select.DeleteAll] returning the deleted rows.
func (q Select[T]) DeleteAllReturning(ctx context.Context) ([]T, error) {
	where, err := q.writeConditions("DeleteAllReturning")
	if err != nil {
		return nil, err
	}
	rows, err := bulk.DeleteWhereReturning[T](ctx, q.db, where...)
	if err != nil {
		return nil, fmt.Errorf("orm: DeleteAllReturning: %w", err)
	}
	return rows, nil
}

// writeConditions returns the query's Where conditions with their names resolved
// against the model, refusing what an UPDATE or DELETE cannot honour.
func (q Select[T]) writeConditions(call string) ([]sq.Sqlizer, error) {
	if err := q.err0(); err != nil {
		return nil, err
	}
	if q.db == nil {
		return nil, fmt.Errorf("orm: %s: query has no DB: build it with orm.Query[T](db)", call)
	}
	var unsupported string
	switch {
	case len(q.order) > 0:
		unsupported = "OrderBy"
	case q.limit >= 0:
		unsupported = "Limit"
	case q.offset > 0:
		unsupported = "Offset"
	case len(q.cols) > 0:
		unsupported = "Columns"
	case len(q.joins) > 0:
		unsupported = "Join"
	case len(q.preloads) > 0:
		unsupported = "Preload"
	}
	if unsupported != "" {
		return nil, fmt.Errorf("orm: %s: %s does not apply to a bulk %s; keep only Where", call, unsupported, call)
	}
	out, err := q.conditions(nil)
	if err != nil {
		return nil, fmt.Errorf("orm: %s: %w", call, err)
	}
	return out, nil
}
