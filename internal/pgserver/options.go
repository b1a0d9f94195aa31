package pgserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
)

// Option configures [Start].
type Option func(*options)

// options is what the Options build. err keeps the first invalid option, which
// [Start] returns before touching the disk.
type options struct {
	search   binSearch
	settings []setting
	pickPort func() (int, error)
	rootHook func(root string) // test hook: called with the cluster's root directory
	err      error
}

// setting is one postgresql.conf line.
type setting struct{ name, value string }

// testSettings are applied to every cluster, before the [WithSetting] ones. The
// listen address, socket directory and log file are added by [Start] itself.
var testSettings = []setting{
	{"fsync", "off"},
	{"synchronous_commit", "off"},
	{"full_page_writes", "off"},
	{"max_connections", "200"},
	{"shared_buffers", "128MB"},
	{"lc_messages", "C"},
}

// WithBinDir makes [Start] take initdb, pg_ctl and postgres from dir only, e.g.
// "/usr/lib/postgresql/16/bin". By default they are looked up in each directory on PATH,
// then under /usr/lib/postgresql/*/bin, highest version first.
func WithBinDir(dir string) Option {
	return func(o *options) {
		if dir == "" {
			o.setErr(errors.New("pgserver: WithBinDir: empty directory"))
			return
		}
		o.search = binSearch{path: dir}
	}
}

// WithSetting sets a server configuration parameter, e.g. WithSetting("log_statement",
// "all"). It is written to postgresql.conf after the defaults for tests (fsync=off,
// synchronous_commit=off, full_page_writes=off, max_connections=200,
// shared_buffers=128MB), so it overrides them. The value is quoted for you. An invalid
// value makes the server fail to start, and [Start] returns its log.
func WithSetting(name, value string) Option {
	return func(o *options) {
		if !validSettingName(name) {
			o.setErr(fmt.Errorf("pgserver: WithSetting: invalid parameter name %q", name))
			return
		}
		o.settings = append(o.settings, setting{name, value})
	}
}

func (o *options) setErr(err error) {
	if o.err == nil {
		o.err = err
	}
}

// newOptions applies opts over the defaults.
func newOptions(opts []Option) (*options, error) {
	o := &options{
		search:   binSearch{path: os.Getenv("PATH"), globs: []string{defaultBinGlob}},
		settings: append([]setting(nil), testSettings...),
		pickPort: freePort,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return o, o.err
}

// validSettingName accepts PostgreSQL parameter names, including custom "ext.name" ones.
func validSettingName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		ok := r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}

// confLines renders settings as postgresql.conf lines, quoting each value.
func confLines(settings []setting) string {
	var b strings.Builder
	b.WriteString("\n# added by batchorm's pgserver\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "%s = '%s'\n", s.name, strings.ReplaceAll(s.value, "'", "''"))
	}
	return b.String()
}

// freePort asks the kernel for a free TCP port on 127.0.0.1 and releases it. Another
// process may take it before postgres binds it; [Start] retries with a new port then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
