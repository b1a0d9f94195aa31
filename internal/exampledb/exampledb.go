// Package exampledb gives the programs under examples/ a throwaway database: on the
// server named by DATABASE_URL, or on a PostgreSQL cluster started from the local
// binaries and removed when the program ends.
package exampledb

import (
	"context"
	"fmt"
	"os"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Open returns a DB on a fresh database holding schema and the function that drops the
// database and stops the throwaway server, if one was started.
func Open(ctx context.Context, schema string) (*orm.DB, func(), error) {
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema), ormtest.MaxConns(8))
	if err != nil {
		_ = pgserver.StopShared()
		return nil, nil, err
	}
	return db, func() {
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		if err := pgserver.StopShared(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}, nil
}
