package orm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/internal/querylog"
)

// TxOption configures a transaction started by [DB.Tx].
type TxOption func(*txConfig)

type txConfig struct {
	opts     pgx.TxOptions
	attempts int
	set      bool
}

// Isolation sets the transaction's isolation level: pgx.ReadCommitted (PostgreSQL's
// default), pgx.RepeatableRead or pgx.Serializable. Serializable transactions can
// fail with a serialization failure that a retry resolves: see [Retry].
func Isolation(level pgx.TxIsoLevel) TxOption {
	return func(c *txConfig) { c.opts.IsoLevel, c.set = level, true }
}

// ReadOnly makes the transaction read-only: writes in it fail.
func ReadOnly() TxOption {
	return func(c *txConfig) { c.opts.AccessMode, c.set = pgx.ReadOnly, true }
}

// Deferrable makes a serializable read-only transaction deferrable: it waits for a
// snapshot that cannot fail with a serialization error, then runs without that risk
// (long reports on a busy database).
func Deferrable() TxOption {
	return func(c *txConfig) { c.opts.DeferrableMode, c.set = pgx.Deferrable, true }
}

// Retry runs the transaction up to attempts times in all when it fails with a
// serialization failure (SQLSTATE 40001) or a deadlock (40P01), in fn or at COMMIT,
// waiting a jittered, growing pause between attempts (from about 5 ms, at most 1 s)
// and never past ctx's deadline. fn must be safe to run again: everything it did in
// the database was rolled back, but what it did outside (a sent email, a changed Go
// variable) was not. A COMMIT whose outcome is unknown ([ErrCommitUnknown]) is never
// retried. Default: one attempt.
func Retry(attempts int) TxOption {
	return func(c *txConfig) { c.attempts, c.set = attempts, true }
}

// ErrCommitUnknown is matched by errors.Is when the connection was lost (or ctx ended)
// while COMMIT was in flight: the transaction may or may not have committed, and
// batchorm cannot tell. [DB.Tx] never retries it; the caller must find out, for
// example by reading back what the transaction wrote.
var ErrCommitUnknown = errors.New("orm: commit outcome unknown: the connection was lost during COMMIT")

type txBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Tx runs fn in a transaction: it commits when fn returns nil, rolls back when fn
// returns an error (returned unchanged) or panics (and then re-panics). Inside fn, tx
// runs every batchorm API on the transaction; use it from the goroutine running fn.
// Options set the isolation level, read-only and deferrable modes, and retries of
// serialization failures ([Isolation], [ReadOnly], [Deferrable], [Retry]).
//
// Called on a DB that is already in a transaction, Tx makes a savepoint, which takes
// no options. ctx governs BEGIN, COMMIT and ROLLBACK and the pauses between retries;
// fn's statements use the context fn passes them. A connection lost during COMMIT is
// [ErrCommitUnknown].
func (db *DB) Tx(ctx context.Context, fn func(tx *DB) error, opts ...TxOption) (err error) {
	ctx, op := db.startOp(ctx, "Tx", nil)
	defer func() {
		if op.Live() {
			if p := recover(); p != nil { // from fn: end the span, then go on panicking
				op.EndPanicked()
				panic(p)
			}
		}
		op.End(-1, err)
	}()
	if fn == nil {
		return errors.New("orm: Tx: nil function")
	}
	c := txConfig{attempts: 1}
	for _, o := range opts {
		if o == nil {
			return errors.New("orm: Tx: nil TxOption")
		}
		o(&c)
	}
	if c.attempts < 1 {
		return fmt.Errorf("orm: Tx: Retry(%d): want at least 1 attempt", c.attempts)
	}
	if db.InTx() {
		if c.set {
			return errors.New("orm: Tx: options apply to a transaction, not to a savepoint inside one")
		}
		return pgx.BeginFunc(ctx, db.q, func(t pgx.Tx) error { return fn(db.WithTx(t)) })
	}
	b, ok := db.q.(txBeginner)
	if !ok {
		return fmt.Errorf("orm: Tx: %T cannot begin a transaction with options", db.q)
	}
	guard := querylog.GuardFrom(ctx)
	for attempt := 1; ; attempt++ {
		var mark int
		if guard != nil {
			mark = guard.BeginAttempt()
		}
		err := db.attempt(ctx, b, c.opts, fn)
		if err == nil || attempt == c.attempts || !IsRetryable(err) || errors.Is(err, ErrCommitUnknown) {
			return err
		}
		if guard != nil { // a retry repeats the attempt's statements: not a loop
			guard.Discard(mark)
		}
		if werr := pause(ctx, attempt); werr != nil {
			return fmt.Errorf("orm: Tx: no time for attempt %d: %w (last attempt: %w)", attempt+1, werr, err)
		}
	}
}

// attempt runs fn once in a new transaction.
func (db *DB) attempt(ctx context.Context, b txBeginner, opts pgx.TxOptions, fn func(tx *DB) error) error {
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("orm: Tx: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(db.WithTx(tx)); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) && !pgconn.SafeToRetry(err) && !errors.Is(err, pgx.ErrTxCommitRollback) {
			return fmt.Errorf("orm: Tx: commit: %w: %w", ErrCommitUnknown, err)
		}
		return fmt.Errorf("orm: Tx: commit: %w", err)
	}
	return nil
}

// pause waits before attempt+1: full jitter over 5 ms × 2^(attempt-1), at most 1 s,
// and not past ctx's deadline.
func pause(ctx context.Context, attempt int) error {
	ceiling := min(5*time.Millisecond<<min(attempt-1, 10), time.Second)
	d := time.Duration(rand.Int64N(int64(ceiling)) + 1)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return context.DeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
