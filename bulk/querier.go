package bulk

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is the pgx method set bulk calls: statements with Exec, Query and QueryRow,
// COPY with CopyFrom, and Begin for a call cut into several statements, which runs in
// one transaction (a savepoint when the querier already is one). *orm.DB,
// *pgxpool.Pool, *pgx.Conn and pgx.Tx satisfy it. Only an *orm.DB (including the
// transactions it makes) caches the catalog facts bulk reads; see [Prepare].
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

var (
	_ Querier = (*pgxpool.Pool)(nil)
	_ Querier = (*pgx.Conn)(nil)
	_ Querier = (pgx.Tx)(nil)
)
