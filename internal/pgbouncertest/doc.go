// Package pgbouncertest runs a representative part of batchorm through PgBouncer in
// transaction pooling mode, as an application configured with pool.PgBouncerTransaction
// would: queries, every kind of Preload, Join, each bulk path, keyset and offset pages,
// where-writes and transactions, each test asserting the rows and the statements sent.
//
// Its TestMain starts the test server and a PgBouncer in front of it (internal/pgserver,
// from the local pgbouncer binary) before any test runs; every test gets its own
// database through orm/ormtest with the ormtest.PgBouncer option. There is no code here
// besides the tests: go test ./internal/pgbouncertest runs them. Without pgbouncer the
// run fails with a message saying how to install it; it never skips.
package pgbouncertest
