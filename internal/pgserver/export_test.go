package pgserver

import (
	"context"
	"path/filepath"
)

// TestShared is a private shared server with an injected environment, so tests can
// exercise Shared's logic without the process-wide one.
type TestShared struct{ sh *sharedServer }

// NewTestShared returns a shared server that reads variables through getenv and starts
// clusters with opts.
func NewTestShared(getenv func(string) string, opts ...Option) *TestShared {
	return &TestShared{sh: newSharedServer(getenv, opts, nil)}
}

// NewTestSharedBouncer is NewTestShared that also starts PgBouncers with bouncerOpts.
func NewTestSharedBouncer(getenv func(string) string, opts []Option, bouncerOpts ...BouncerOption) *TestShared {
	return &TestShared{sh: newSharedServer(getenv, opts, bouncerOpts)}
}

// URL is Shared for ts.
func (ts *TestShared) URL(ctx context.Context) (string, error) { return ts.sh.url(ctx) }

// Stop is StopShared for ts.
func (ts *TestShared) Stop() error { return ts.sh.stop() }

// BouncerURL is SharedBouncer for ts.
func (ts *TestShared) BouncerURL(ctx context.Context) (string, error) { return ts.sh.bouncerURL(ctx) }

// Server returns the cluster ts started, or nil.
func (ts *TestShared) Server() *Server { return ts.sh.runningServer() }

// Bouncer returns the PgBouncer ts started, or nil.
func (ts *TestShared) Bouncer() *Bouncer { return ts.sh.runningBouncer() }

// WithBouncerPath replaces the PATH-style list searched for pgbouncer; the default
// /usr/sbin/pgbouncer is still tried after it unless noDefault is set.
func WithBouncerPath(path string, noDefault bool) BouncerOption {
	return func(o *bouncerOptions) { o.path, o.noDefault = path, noDefault }
}

// WithBouncerPortPicker replaces the free-port picker of StartBouncer.
func WithBouncerPortPicker(pick func() (int, error)) BouncerOption {
	return func(o *bouncerOptions) { o.pickPort = pick }
}

// BouncerRoot returns the directory holding b's configuration.
func BouncerRoot(b *Bouncer) string { return b.root }

// BouncerWatchdogPID returns the process id of b's watchdog.
func BouncerWatchdogPID(b *Bouncer) int { return b.wd.pid() }

// WithBinarySearch replaces the binary search: the directories of the PATH-style list
// path, then those matching globs.
func WithBinarySearch(path string, globs ...string) Option {
	return func(o *options) { o.search = binSearch{path: path, globs: globs} }
}

// WithPortPicker replaces the free-port picker.
func WithPortPicker(pick func() (int, error)) Option {
	return func(o *options) { o.pickPort = pick }
}

// WithRootHook calls f with the cluster's root directory as soon as it exists.
func WithRootHook(f func(root string)) Option {
	return func(o *options) { o.rootHook = f }
}

// FreePort is the default port picker.
var FreePort = freePort

// FindBinDir returns the directory the binaries would be taken from.
func FindBinDir(path string, globs ...string) (string, error) {
	b, err := findBinaries(binSearch{path: path, globs: globs})
	if err != nil {
		return "", err
	}
	return filepath.Dir(b.initdb), nil
}

// RootDir returns the directory holding s's data and socket directories.
func RootDir(s *Server) string { return s.root }

// WatchdogPID returns the process id of s's watchdog.
func WatchdogPID(s *Server) int { return s.wd.pid() }
