package orm

import "github.com/batchorm/batchorm/paginate"

// PageSQL renders the statement Select.Paginate sends for req, without a database.
func PageSQL[T any](q Select[T], req paginate.Request) (string, []any, error) {
	_, b, err := q.keysetQuery("Paginate", keysetRequest(req))
	if err != nil {
		return "", nil, err
	}
	return b.sql, b.args, nil
}

// OffsetPageSQL renders the statement Select.PaginateOffset sends for req, without a
// database.
func OffsetPageSQL[T any](q Select[T], req paginate.OffsetRequest) (string, []any, error) {
	_, b, err := q.offsetQuery(req)
	if err != nil {
		return "", nil, err
	}
	return b.sql, b.args, nil
}
