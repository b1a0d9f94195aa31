package ormtest

import (
	"context"
	"errors"

	"github.com/batchorm/batchorm/internal/pgserver"
	"github.com/batchorm/batchorm/orm"
)

// Throwaway gives a program (an example, a demo, a one-off tool) a DB on a fresh
// database holding the schema: on the server named by DATABASE_URL (its role needs
// CREATEDB), or else on a PostgreSQL cluster started from the local binaries, as the
// tests get one. The returned function closes the DB, drops the database and stops the
// cluster if Throwaway started one; call it before the program exits:
//
//	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(schema))
//	if err != nil {
//		return err
//	}
//	defer done()
//
// Tests use [New] instead, which cleans up by itself.
func Throwaway(ctx context.Context, opts ...Option) (*orm.DB, func() error, error) {
	db, drop, err := Open(ctx, append([]Option{MaxConns(8)}, opts...)...)
	if err != nil {
		return nil, nil, errors.Join(err, stop())
	}
	return db, func() error { return errors.Join(drop(), dropTemplates(), stop()) }, nil
}

// stop stops the shared cluster (and PgBouncer) if this process started them.
func stop() error { return pgserver.StopShared() }
