// Package pgserver owns the PostgreSQL server that batchorm's tests and examples run
// against.
//
// # The shared server
//
// [Shared] returns the connection URL of one process-wide server. When DATABASE_URL is
// set it is returned as is, and pgserver never starts or stops anything. Otherwise the
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
// # Databases per test
//
// [CreateDatabase] clones a database, usually a migrated template, and returns the URL
// of the clone; [DropDatabase] drops it even if connections are still open;
// [WithDatabase] rewrites a URL to name another database. A template must have no open
// connections while it is cloned.
package pgserver
