// Package querylog records the statements a block of code sends to PostgreSQL.
//
// It counts at the driver: [Tracer] implements pgx's QueryTracer, BatchTracer and
// CopyFromTracer and is installed on the pool's connection config, so raw pgx calls
// made through a pool are counted as well as the ones batchorm builds.
//
// Counting is scoped by context: [With] returns a context carrying a fresh [Log],
// and only statements sent with that context (or a context derived from it) are
// recorded in it. Parallel tests therefore never see each other's statements. When
// no Log is in the context the tracer does a context lookup and two atomic adds.
//
// The rules are fixed: each Query, QueryRow or Exec is one statement and one round
// trip; each CopyFrom is one and one; a SendBatch of k statements is k statements and
// one round trip. BEGIN, COMMIT, ROLLBACK and savepoint statements are recorded but
// counted apart, as transaction control. Prepares and pings are not counted.
package querylog

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Kind says how a statement reached the server.
type Kind uint8

const (
	// KindQuery is a Query, QueryRow or Exec call.
	KindQuery Kind = iota + 1
	// KindBatch is one statement of a pipelined batch (SendBatch).
	KindBatch
	// KindCopy is a COPY FROM STDIN (CopyFrom).
	KindCopy
	// KindTx is transaction control: BEGIN, COMMIT, ROLLBACK, SAVEPOINT and friends.
	KindTx
	// KindCatalog is a catalog read batchorm makes for itself (bulk's column types,
	// once per handle and model), marked by a leading [CatalogMarker] comment.
	KindCatalog
)

// CatalogMarker starts the text of every catalog read batchorm sends for itself.
const CatalogMarker = "/* batchorm:catalog */ "

// counted reports whether k is a data statement: neither transaction control nor a
// catalog read, which are recorded but counted apart.
func (k Kind) counted() bool { return k != KindTx && k != KindCatalog }

// String returns a short lower-case name for k.
func (k Kind) String() string {
	switch k {
	case KindQuery:
		return "query"
	case KindBatch:
		return "batch"
	case KindCopy:
		return "copy"
	case KindTx:
		return "tx"
	case KindCatalog:
		return "catalog"
	default:
		return "unknown"
	}
}

// Entry is one statement recorded in a [Log].
type Entry struct {
	// SQL is the statement text as sent. For a COPY it reads "COPY table (cols) FROM STDIN".
	SQL string
	// Args is the number of bound arguments (for a COPY, the number of rows copied).
	Args int
	// Values are the bound arguments as the caller passed them (held, not copied), so
	// that the statement can be explained again, as the index advisor does
	// (orm.AdviseIndexes). Nil for a COPY.
	Values []any
	// Rows is the number of rows the command tag reports (selected, inserted, updated...).
	Rows int64
	// Duration is the time from the start of the call to its end. For a batch statement it
	// is the time of the whole batch.
	Duration time.Duration
	// Kind says how the statement was sent.
	Kind Kind
	// RoundTrip numbers the round trip that carried the statement, from 1 within the Log.
	// The statements of one batch share a number.
	RoundTrip int
	// Err is the error the statement returned, if any.
	Err error
}

// Log is a record of statements. It is safe for concurrent use: statements sent by
// several goroutines with the same context are all recorded.
type Log struct {
	parent *Log

	mu         sync.Mutex
	entries    []Entry
	roundTrips int // data round trips
	txTrips    int // transaction-control round trips
}

type ctxKey struct{}

// With returns a copy of ctx that carries a new, empty Log, and that Log. A Log already
// in ctx keeps recording too: scopes nest.
func With(ctx context.Context) (context.Context, *Log) {
	l := &Log{parent: From(ctx)}
	return context.WithValue(ctx, ctxKey{}, l), l
}

// From returns the Log in ctx, or nil.
func From(ctx context.Context) *Log {
	if ctx == nil {
		return nil
	}
	l, _ := ctx.Value(ctxKey{}).(*Log)
	return l
}

// record appends es, which went to the server in one round trip, to l and its parents.
func (l *Log) record(es ...Entry) {
	for ; l != nil; l = l.parent {
		l.mu.Lock()
		var trip int
		if len(es) > 0 && !es[0].Kind.counted() {
			l.txTrips++
		} else {
			l.roundTrips++
			trip = l.roundTrips
		}
		for _, e := range es {
			e.RoundTrip = trip
			l.entries = append(l.entries, e)
		}
		l.mu.Unlock()
	}
}

// Entries returns a copy of every statement recorded, transaction control included, in
// the order they ended.
func (l *Log) Entries() []Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
}

// Statements returns the number of data statements recorded: everything but
// transaction control and batchorm's own catalog reads.
func (l *Log) Statements() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.countData()
}

// RoundTrips returns the number of round trips that carried data statements.
func (l *Log) RoundTrips() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.roundTrips
}

// TxStatements returns the number of transaction-control statements recorded (BEGIN,
// COMMIT, ROLLBACK, savepoints).
func (l *Log) TxStatements() int { return l.count(KindTx) }

// CatalogStatements returns the number of catalog reads batchorm made for itself.
func (l *Log) CatalogStatements() int { return l.count(KindCatalog) }

func (l *Log) count(k Kind) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.entries {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func (l *Log) countData() int {
	n := 0
	for _, e := range l.entries {
		if e.Kind.counted() {
			n++
		}
	}
	return n
}

// SQL returns the text of each data statement recorded, in order.
func (l *Log) SQL() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.entries {
		if e.Kind.counted() {
			out = append(out, e.SQL)
		}
	}
	return out
}

// Reset forgets everything recorded so far.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
	l.roundTrips = 0
	l.txTrips = 0
}

// String lists the statements recorded, one a line, numbered by round trip, for test
// failure messages.
func (l *Log) String() string {
	es := l.Entries()
	var b strings.Builder
	fmt.Fprintf(&b, "%d statements in %d round trips", l.Statements(), l.RoundTrips())
	if tx := l.TxStatements(); tx > 0 {
		fmt.Fprintf(&b, " (+%d transaction control)", tx)
	}
	if c := l.CatalogStatements(); c > 0 {
		fmt.Fprintf(&b, " (+%d catalog reads)", c)
	}
	b.WriteString(":")
	for _, e := range es {
		trip := fmt.Sprintf("#%d", e.RoundTrip)
		if !e.Kind.counted() {
			trip = "-"
		}
		fmt.Fprintf(&b, "\n  %-4s %-5s %s  [args=%d rows=%d %s]", trip, e.Kind, oneLine(e.SQL), e.Args, e.Rows, e.Duration.Round(time.Microsecond))
		if e.Err != nil {
			fmt.Fprintf(&b, " error: %v", e.Err)
		}
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 300
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// uncountedKind returns KindTx or KindCatalog for a statement counted apart, else 0.
func uncountedKind(sql string) Kind {
	switch {
	case strings.HasPrefix(sql, CatalogMarker):
		return KindCatalog
	case isTxControl(sql):
		return KindTx
	}
	return 0
}

// txStart reports whether two lower-cased letters can start transaction control:
// begin, commit, rollback, release, savepoint, start transaction, end.
func txStart(a, b byte) bool {
	switch a {
	case 'b':
		return b == 'e'
	case 'c', 'r':
		return b == 'o' || b == 'e'
	case 's':
		return b == 'a' || b == 't'
	case 'e':
		return b == 'n'
	}
	return false
}

// isTxControl reports whether sql is a transaction-control statement.
func isTxControl(sql string) bool {
	s := strings.TrimSpace(sql)
	if len(s) < 3 || !txStart(s[0]|0x20, s[1]|0x20) {
		return false // SELECT, WITH, INSERT, ...: no lowering, no allocation
	}
	if len(s) > 24 {
		s = s[:24]
	}
	s = strings.ToLower(s)
	for _, p := range []string{"begin", "commit", "rollback", "savepoint", "release", "start transaction", "end"} {
		if strings.HasPrefix(s, p) && (len(s) == len(p) || s[len(p)] == ' ' || s[len(p)] == ';') {
			return true
		}
	}
	return false
}
