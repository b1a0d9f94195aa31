package pgserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBouncer is returned by [StartBouncer] and [SharedBouncer] when no pgbouncer
// binary is found. Its text says how to fix the setup.
var ErrNoBouncer = errors.New("pgserver: no PgBouncer: install it so that pgbouncer is on PATH or at " +
	defaultBouncerPath + " (Debian: apt-get install -y pgbouncer)")

// defaultBouncerPath is where Debian and Ubuntu install pgbouncer; /usr/sbin is often
// not on a non-root user's PATH.
const defaultBouncerPath = "/usr/sbin/pgbouncer"

// probeTimeout bounds one readiness check of a starting PgBouncer.
const probeTimeout = time.Second

const (
	bouncerIni      = "pgbouncer.ini"
	bouncerUserlist = "userlist.txt"
	bouncerPidfile  = "pgbouncer.pid"
	bouncerLog      = "pgbouncer.log"
)

// Bouncer is a throwaway PgBouncer in transaction pooling mode in front of a
// PostgreSQL server, started by [StartBouncer]. Its methods are safe for concurrent
// use. A Bouncer that is never stopped lives until the process exits; its watchdog
// then removes it.
type Bouncer struct {
	acct    *account // nil: run as the current user
	root    string   // holds the configuration and the log; removed by Stop
	url     string
	logPath string

	wd     *watchdog
	proc   *os.Process   // pgbouncer, our child
	exited chan struct{} // closed once proc has exited and been reaped

	stopOnce sync.Once
	stopErr  error
}

// BouncerOption configures [StartBouncer].
type BouncerOption func(*bouncerOptions)

type bouncerOptions struct {
	binary    string // "" means search
	path      string // PATH-style list searched for pgbouncer
	noDefault bool   // test hook: do not try defaultBouncerPath
	users     []bouncerUser
	settings  []setting
	pickPort  func() (int, error)
	err       error
}

type bouncerUser struct{ name, password string }

// bouncerSettings are the [pgbouncer] settings StartBouncer writes before the
// [WithBouncerSetting] ones; the listen address and port, files and authentication are
// added by StartBouncer itself.
var bouncerSettings = []setting{
	{"pool_mode", "transaction"},
	{"max_client_conn", "500"},
	{"default_pool_size", "20"},
	// A failed server login (a database dropped by a test, say) must not block new
	// connections for PgBouncer's default 15 s.
	{"server_login_retry", "0"},
	{"log_connections", "0"},
	{"log_disconnections", "0"},
}

// WithBouncerBinary makes [StartBouncer] run the pgbouncer program at path. By default
// it is looked up on PATH, then at /usr/sbin/pgbouncer.
func WithBouncerBinary(path string) BouncerOption {
	return func(o *bouncerOptions) {
		if path == "" {
			o.setErr(errors.New("pgserver: WithBouncerBinary: empty path"))
			return
		}
		o.binary = path
	}
}

// WithBouncerUser lets the role name connect through the PgBouncer too, logging in to
// the server with password ("" when the server trusts it). The user of the server URL
// is always allowed.
func WithBouncerUser(name, password string) BouncerOption {
	return func(o *bouncerOptions) {
		if name == "" {
			o.setErr(errors.New("pgserver: WithBouncerUser: empty name"))
			return
		}
		o.users = append(o.users, bouncerUser{name, password})
	}
}

// WithBouncerSetting adds a line to the [pgbouncer] section of pgbouncer.ini, after
// the defaults (pool_mode = transaction, max_client_conn = 500, default_pool_size = 20,
// server_login_retry = 0), so it overrides them; for example
// WithBouncerSetting("ignore_startup_parameters", "statement_timeout"). An invalid one
// makes PgBouncer fail to start, and [StartBouncer] returns its log.
func WithBouncerSetting(name, value string) BouncerOption {
	return func(o *bouncerOptions) {
		if !validSettingName(name) || strings.ContainsAny(value, "\r\n") {
			o.setErr(fmt.Errorf("pgserver: WithBouncerSetting: invalid setting %q = %q", name, value))
			return
		}
		o.settings = append(o.settings, setting{name, value})
	}
}

func (o *bouncerOptions) setErr(err error) {
	if o.err == nil {
		o.err = err
	}
}

// StartBouncer starts PgBouncer in transaction pooling mode on a free TCP port of
// 127.0.0.1, in front of the server serverURL names, and returns once it accepts
// connections. Every database of that server is reachable through it under its own
// name. The caller stops it with [Bouncer.Stop]. ctx bounds the start only.
//
// Clients are trusted (no password is asked: this is a test server on loopback); the
// users PgBouncer knows are serverURL's user and those given with [WithBouncerUser].
// PgBouncer logs in to the server as the client's user, with the password from
// serverURL (or WithBouncerUser), over TLS when serverURL asks for it.
//
// Without a pgbouncer binary StartBouncer returns [ErrNoBouncer]. PgBouncer refuses to
// run as root; when the process runs as root, it runs as the "postgres" system user, as
// [Start]'s server does. When it fails to start, the error carries its log.
func StartBouncer(ctx context.Context, serverURL string, opts ...BouncerOption) (*Bouncer, error) {
	o := &bouncerOptions{path: os.Getenv("PATH"), pickPort: freePort}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	bin, err := findBouncer(o)
	if err != nil {
		return nil, err
	}
	target, err := bouncerTarget(serverURL)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("pgserver: start pgbouncer: %w", err)
	}
	b := &Bouncer{acct: acct}
	if err := b.setUp(ctx, bin, target, o); err != nil {
		if stopErr := b.Stop(); stopErr != nil {
			return nil, fmt.Errorf("%w (cleanup: %v)", err, stopErr)
		}
		return nil, err
	}
	return b, nil
}

// URL returns the connection URL of the PgBouncer,
// postgres://USER[:PASSWORD]@127.0.0.1:PORT/DATABASE?sslmode=disable, with the user,
// password and database of the server URL given to [StartBouncer]. [WithDatabase]
// rewrites it for another database.
func (b *Bouncer) URL() string { return b.url }

// PID returns the process id of pgbouncer.
func (b *Bouncer) PID() int {
	if b.proc == nil {
		return 0
	}
	return b.proc.Pid
}

// Log returns what PgBouncer has logged so far.
func (b *Bouncer) Log() string { return readFrom(b.logPath, 0) }

// Stop kills the PgBouncer (it keeps no data; clients still connected see their
// connections closed), deletes its directory and ends its watchdog. It is idempotent:
// later calls return the first call's result. Stop on a nil *Bouncer returns nil.
func (b *Bouncer) Stop() error {
	if b == nil {
		return nil
	}
	b.stopOnce.Do(func() { b.stopErr = b.stop() })
	return b.stopErr
}

func (b *Bouncer) stop() error {
	var errs []error
	b.kill()
	if b.root != "" {
		if err := os.RemoveAll(b.root); err != nil {
			errs = append(errs, fmt.Errorf("pgserver: remove pgbouncer: %w", err))
		}
	}
	if err := b.wd.stop(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// kill ends pgbouncer and waits until it is reaped.
func (b *Bouncer) kill() {
	if b.proc == nil {
		return
	}
	_ = b.proc.Kill() // fails only if it has exited
	<-b.exited
}

// target is the server a Bouncer forwards to, and the identity clients use.
type target struct {
	host, port string
	user       string
	password   string
	database   string
	tls        bool
}

// bouncerTarget reads the server's address and the client identity from serverURL.
func bouncerTarget(serverURL string) (target, error) {
	pc, err := pgconn.ParseConfig(serverURL)
	if err != nil {
		return target{}, fmt.Errorf("pgserver: start pgbouncer: server URL: %w", err)
	}
	if pc.User == "" {
		return target{}, errors.New("pgserver: start pgbouncer: the server URL names no user")
	}
	if pc.Database == "" {
		pc.Database = pc.User // as PostgreSQL does
	}
	return target{
		host: pc.Host, port: strconv.Itoa(int(pc.Port)),
		user: pc.User, password: pc.Password, database: pc.Database,
		tls: pc.TLSConfig != nil,
	}, nil
}

// findBouncer returns the pgbouncer binary to run, or [ErrNoBouncer].
func findBouncer(o *bouncerOptions) (string, error) {
	if o.binary != "" {
		if !isExecutable(o.binary) {
			return "", fmt.Errorf("%w (%s is not an executable file)", ErrNoBouncer, o.binary)
		}
		return o.binary, nil
	}
	for _, dir := range filepath.SplitList(o.path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue // like exec.LookPath, never trust the current directory
		}
		if p := filepath.Join(dir, "pgbouncer"); isExecutable(p) {
			return p, nil
		}
	}
	if !o.noDefault && isExecutable(defaultBouncerPath) {
		return defaultBouncerPath, nil
	}
	return "", ErrNoBouncer
}

// setUp creates the directory, the watchdog and the user list, then starts pgbouncer.
// StartBouncer calls Stop when it fails, whatever was done so far.
func (b *Bouncer) setUp(ctx context.Context, bin string, t target, o *bouncerOptions) error {
	root, err := os.MkdirTemp("", "pgbouncer-")
	if err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	b.root = root
	b.logPath = filepath.Join(root, bouncerLog)
	if err := b.acct.chown(root); err != nil {
		return err
	}
	if b.wd, err = startWatchdog(bouncerWatchdog, []string{root}, b.acct); err != nil {
		return err
	}
	users := append([]bouncerUser{{t.user, t.password}}, o.users...)
	if err := b.writeFile(bouncerUserlist, userlist(users)); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		port, err := o.pickPort()
		if err != nil {
			return fmt.Errorf("pgserver: pick a free port: %w", err)
		}
		if err := b.writeFile(bouncerIni, b.ini(t, port, o.settings)); err != nil {
			return err
		}
		err = b.launch(ctx, bin, t, port)
		if err == nil || !errors.Is(err, errPortTaken) || attempt == portAttempts {
			return err
		}
	}
}

// writeFile writes a file of the root directory that only the PgBouncer's account may
// read: the user list holds passwords.
func (b *Bouncer) writeFile(name, content string) error {
	path := filepath.Join(b.root, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("pgserver: %w", err)
	}
	return b.acct.chown(path)
}

// ini renders pgbouncer.ini. Unix sockets are off: clients and the server are reached
// over TCP (or the server's own socket directory, when its URL names one).
func (b *Bouncer) ini(t target, port int, extra []setting) string {
	var s strings.Builder
	fmt.Fprintf(&s, "[databases]\n* = host=%s port=%s\n\n[pgbouncer]\n", iniConnValue(t.host), t.port)
	sslmode := "disable"
	if t.tls {
		sslmode = "prefer"
	}
	all := append([]setting{
		{"listen_addr", "127.0.0.1"},
		{"listen_port", strconv.Itoa(port)},
		{"unix_socket_dir", ""},
		{"auth_type", "trust"},
		{"auth_file", filepath.Join(b.root, bouncerUserlist)},
		{"admin_users", t.user},
		{"pidfile", filepath.Join(b.root, bouncerPidfile)},
		{"server_tls_sslmode", sslmode},
	}, bouncerSettings...)
	for _, kv := range append(all, extra...) {
		fmt.Fprintf(&s, "%s = %s\n", kv.name, kv.value)
	}
	return s.String()
}

// iniConnValue quotes a value of a [databases] connection string when it needs it.
func iniConnValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\"\\=") {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// userlist renders PgBouncer's auth_file: one "name" "password" line per user.
func userlist(users []bouncerUser) string {
	q := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	var s strings.Builder
	for _, u := range users {
		s.WriteString(q(u.name) + " " + q(u.password) + "\n")
	}
	return s.String()
}

// launch runs pgbouncer on port as a child of this process, in its own session,
// logging to the root directory, tells the watchdog its process id, and waits until it
// answers on its admin console.
func (b *Bouncer) launch(ctx context.Context, bin string, t target, port int) error {
	c, err := startChild(b.acct, b.root, b.logPath, bin, filepath.Join(b.root, bouncerIni))
	if err != nil {
		return err
	}
	logStart := c.logStart
	b.proc, b.exited = c.proc, c.exited
	err = b.wd.tell(strconv.Itoa(c.proc.Pid))
	if err == nil {
		err = b.waitReady(ctx, t, port)
	}
	if err != nil {
		b.kill()
		b.proc, b.exited = nil, nil
		return b.startError(port, logStart, err)
	}
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("127.0.0.1:%d", port), Path: "/" + t.database,
		RawQuery: "sslmode=disable", User: url.User(t.user)}
	if t.password != "" {
		u.User = url.UserPassword(t.user, t.password)
	}
	b.url = u.String()
	return nil
}

// waitReady polls the admin console until it answers as this PgBouncer (its pidfile
// setting is ours, so another process that took the port cannot pass), pgbouncer
// exits, or ctx (bounded by phaseTimeout) ends.
func (b *Bouncer) waitReady(ctx context.Context, t target, port int) error {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	connString := fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=pgbouncer sslmode=disable",
		port, quoteConnValue(t.user))
	want := filepath.Join(b.root, bouncerPidfile)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		pidfile, err := b.probe(ctx, connString)
		if err == nil && pidfile == want {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("another PgBouncer answers on port %d (pidfile %q)", port, pidfile)
		}
		select {
		case <-b.exited:
			return errors.New("pgbouncer exited during startup")
		case <-ctx.Done():
			return fmt.Errorf("pgbouncer not ready: %w (last attempt: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// probe reads the pidfile setting of whatever answers at connString, giving up after
// probeTimeout, or as soon as pgbouncer exits: a process that took the port may accept
// connections and never answer.
func (b *Bouncer) probe(ctx context.Context, connString string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	exited := b.exited // read here: launch resets the field after a failed start
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	return adminSetting(ctx, connString, "pidfile")
}

// adminSetting reads one setting from a PgBouncer admin console with SHOW CONFIG. The
// console speaks only the simple query protocol.
func adminSetting(ctx context.Context, connString, key string) (string, error) {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, "SHOW CONFIG", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "", err
	}
	settings, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		return "", err
	}
	for _, v := range settings {
		if len(v) >= 2 && v[0] == key {
			s, _ := v[1].(string)
			return s, nil
		}
	}
	return "", fmt.Errorf("SHOW CONFIG has no %s", key)
}

// startError describes a failed start, with the part of the log this attempt wrote.
// It wraps errPortTaken when the log says the port was in use.
func (b *Bouncer) startError(port int, logStart int64, cause error) error {
	log := readFrom(b.logPath, logStart)
	if strings.Contains(log, "Address already in use") {
		cause = fmt.Errorf("%w: %w", errPortTaken, cause)
	}
	hint := ""
	if b.acct != nil && strings.Contains(log, "ermission denied") {
		hint = " (running as root, so pgbouncer runs as user postgres, which must be able to reach " + b.root + ")"
	}
	return fmt.Errorf("pgserver: start pgbouncer on 127.0.0.1:%d%s: %w\npgbouncer log:\n%s", port, hint, cause,
		tail([]byte(log)))
}
