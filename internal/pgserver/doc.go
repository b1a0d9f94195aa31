// Package pgserver owns the PostgreSQL server (and the PgBouncer in front of it) that
// batchorm's tests and examples run against.
//
// # The shared server
//
// [Shared] returns the connection URL of one process-wide server. When DATABASE_URL is
// set it is returned as is, and pgserver never starts or stops that server. Otherwise the
// first call starts a throwaway cluster from the local PostgreSQL binaries (see
// [Start]); later and concurrent calls return the same URL. A test binary's TestMain
// stops it after the tests have run:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		if err := pgserver.StopShared(); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			code = 1
//		}
//		os.Exit(code)
//	}
//
// With no DATABASE_URL and no binaries, [Shared] returns [ErrNoServer], whose text says
// how to fix the setup. Callers fail with it; they never skip.
//
// # Throwaway clusters
//
// [Start] runs initdb into a fresh temporary directory and starts postgres on a free
// TCP port of 127.0.0.1, with a private Unix socket directory and settings tuned for
// tests (fsync, synchronous_commit and full_page_writes off, max_connections 200,
// shared_buffers 128MB). Authentication is trust; the URL is
//
//	postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
//
// postgres runs as a child of this process, in its own session so that Ctrl-C sent to
// the test's process group does not reach it, and its log goes to server.log in the data
// directory. When it fails to start, [Start] returns the tail of that log; when the
// port it was given was taken in the meantime, Start retries on another.
//
// The binaries are looked up in each directory on PATH and then under
// /usr/lib/postgresql/*/bin, highest version first; initdb, pg_ctl and postgres must sit
// in the same directory. [WithBinDir] picks a directory explicitly.
//
// initdb and postgres refuse to run as root. When the process runs as root, the server
// runs as the "postgres" system user, which must exist, and must be able to reach the
// temporary directory (os.TempDir, normally /tmp).
//
// # Cleanup
//
// [Server.Stop] stops the server at once (immediate shutdown: the data is thrown away)
// and deletes its directories. Nothing is left behind if the process dies first, even by
// a panic in a test or SIGKILL: every cluster has a small watchdog process, started in
// its own session, that waits on a pipe only this process holds open. When the pipe
// closes (the process is gone), the watchdog runs "pg_ctl stop -m immediate" and
// removes the directories. A [Server] that is never stopped lives until the process
// exits.
//
// # PgBouncer
//
// [SharedBouncer] returns the URL of one process-wide PgBouncer in transaction pooling
// mode in front of the shared server (DATABASE_URL's, or the throwaway cluster), with
// the same user, password and database; every database of the server is reachable
// through it under its own name ([WithDatabase]). [StopShared] stops it too.
// [StartBouncer] starts a private one, with options for more users
// ([WithBouncerUser]) and pgbouncer.ini settings ([WithBouncerSetting]).
//
// pgbouncer is looked up on PATH, then at /usr/sbin/pgbouncer (Debian's package). It
// listens on a free TCP port of 127.0.0.1, with no Unix socket, and trusts its clients
// (auth_type = trust: a test server on loopback). Its user list holds the server URL's
// user and password, which it uses to log in to the server. PgBouncer refuses to run as
// root; when the process runs as root it runs as the postgres system user, as the
// cluster does. Its configuration and log live in a fresh temporary directory.
// Without a pgbouncer binary, [StartBouncer] and [SharedBouncer] return
// [ErrNoBouncer], whose text says how to install it, also when DATABASE_URL is set.
//
// Cleanup works as for clusters: [Bouncer.Stop] kills the PgBouncer (it holds no data)
// and deletes its directory, and a watchdog does the same if the process dies first.
//
// # Databases per test
//
// [CreateDatabase] clones a database, usually a migrated template, and returns the URL
// of the clone; [DropDatabase] drops it even if connections are still open;
// [WithDatabase] rewrites a URL to name another database. A template must have no open
// connections while it is cloned.
package pgserver
