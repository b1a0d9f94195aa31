package orm

import (
	"errors"
	"fmt"
)

// ErrLockOutsideTx is returned, before anything is sent, by a query with a row lock
// ([Select.ForUpdate] and friends) run outside a transaction: the lock would end with
// the statement, so it would protect nothing. Run the query on the tx of [DB.Tx].
var ErrLockOutsideTx = errors.New("orm: a row lock outside a transaction is released when the statement ends: run the query inside db.Tx")

// lock is a query's row-locking clause.
type lock struct {
	mode string // "UPDATE", "NO KEY UPDATE", "SHARE"; "" for none
	wait string // "SKIP LOCKED", "NOWAIT" or ""
	call string // the call that set mode, for messages
}

// ForUpdate locks the rows the query returns until the transaction ends (FOR UPDATE),
// as a worker does before changing them. It must run inside a transaction
// ([ErrLockOutsideTx] otherwise, nothing sent). With Join, only the query's own table
// is locked (FOR UPDATE OF it); with Preload, only the rows of the query's own
// statement are locked, not the preloaded children. Combine with [Select.SkipLocked]
// for a job queue: each worker claims rows no other worker holds.
func (q Select[T]) ForUpdate() Select[T] { return q.setLock("ForUpdate", "UPDATE") }

// ForNoKeyUpdate is [Select.ForUpdate] with FOR NO KEY UPDATE: it still lets other
// transactions insert rows referencing the locked ones (foreign keys take FOR KEY
// SHARE), which FOR UPDATE blocks. Use it when the key does not change.
func (q Select[T]) ForNoKeyUpdate() Select[T] { return q.setLock("ForNoKeyUpdate", "NO KEY UPDATE") }

// ForShare locks the rows against changes by others while letting them read and share
// the lock (FOR SHARE). It must run inside a transaction.
func (q Select[T]) ForShare() Select[T] { return q.setLock("ForShare", "SHARE") }

// SkipLocked leaves out the rows another transaction has locked instead of waiting for
// them (SKIP LOCKED), after ForUpdate, ForNoKeyUpdate or ForShare.
func (q Select[T]) SkipLocked() Select[T] { return q.setWait("SkipLocked", "SKIP LOCKED") }

// NoWait fails at once with lock_not_available (SQLSTATE 55P03) instead of waiting for
// a row another transaction has locked (NOWAIT), after ForUpdate, ForNoKeyUpdate or
// ForShare.
func (q Select[T]) NoWait() Select[T] { return q.setWait("NoWait", "NOWAIT") }

func (q Select[T]) setLock(call, mode string) Select[T] {
	if q.lock.mode != "" && q.lock.mode != mode {
		return q.fail(call, fmt.Errorf("the query already has %s", q.lock.call))
	}
	q.lock.mode, q.lock.call = mode, call
	return q
}

func (q Select[T]) setWait(call, wait string) Select[T] {
	if q.lock.wait != "" && q.lock.wait != wait {
		return q.fail(call, errors.New("SkipLocked and NoWait exclude each other"))
	}
	q.lock.wait = wait
	return q
}

// lockSQL renders the clause, or refuses a SkipLocked or NoWait without a lock mode.
func (q Select[T]) lockSQL(joined bool) (string, error) {
	if q.lock.mode == "" {
		if q.lock.wait != "" {
			return "", errors.New("orm: SkipLocked and NoWait need ForUpdate, ForNoKeyUpdate or ForShare first")
		}
		return "", nil
	}
	s := "FOR " + q.lock.mode
	if joined {
		s += " OF " + q.m.QTable
	}
	if q.lock.wait != "" {
		s += " " + q.lock.wait
	}
	return s, nil
}

// checkLock refuses a locking query that would run outside a transaction.
func (q Select[T]) checkLock() error {
	if q.lock.mode != "" && q.db != nil && !q.db.InTx() {
		return fmt.Errorf("%w (%s)", ErrLockOutsideTx, q.lock.call)
	}
	return nil
}
