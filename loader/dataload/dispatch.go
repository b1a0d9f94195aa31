package dataload

import (
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// job is one loader statement waiting for its round trip.
type job struct {
	sql  string
	args []any
	scan func(pgx.Rows) error // reads and closes the rows
	err  error
	done chan struct{}
}

// state is what the dispatcher knows of one loader of the request: how many keys it
// has been asked for that have not yet reached a statement (its window is open while
// pending > 0), and whether its statement is in the queue of this round.
type state struct {
	pending int
	queued  bool
}

// asked records that st's loader was asked for a key that is not cached: a window is
// open until the key reaches a statement.
func (s *scope) asked(st *state) {
	s.mu.Lock()
	st.pending++
	s.mu.Unlock()
}

// run sends j, the statement of nkeys keys of st's loader, in a round trip with the
// statements of the request's other loaders that are ready at about the same time,
// and returns when its rows have been scanned.
//
// The round trip leaves as soon as no other loader of the request has a window open
// (keys asked for, not yet in a statement of this round), or after the request's wait
// when one still has: loaders whose windows close together share it, and a loader is
// never held back longer than one more window.
func (s *scope) run(st *state, nkeys int, j *job) error {
	j.done = make(chan struct{})
	s.mu.Lock()
	st.pending -= nkeys
	st.queued = true
	s.queue = append(s.queue, j)
	if s.othersOpen() {
		if !s.armed {
			s.armed = true
			gen := s.gen
			time.AfterFunc(s.cfg.wait, func() { s.flush(gen) })
		}
		s.mu.Unlock()
	} else {
		jobs := s.take()
		s.mu.Unlock()
		s.send(jobs)
	}
	<-j.done
	return j.err
}

// skip records that nkeys keys of st's loader needed no statement, and sends the
// queue if it was waiting only for them.
func (s *scope) skip(st *state, nkeys int) {
	s.mu.Lock()
	st.pending -= nkeys
	if len(s.queue) == 0 || s.othersOpen() {
		s.mu.Unlock()
		return
	}
	jobs := s.take()
	s.mu.Unlock()
	s.send(jobs)
}

// othersOpen reports whether a loader of the request has keys pending and no
// statement in this round yet. s.mu is held.
func (s *scope) othersOpen() bool {
	for _, st := range s.states {
		if st.pending > 0 && !st.queued {
			return true
		}
	}
	return false
}

// take empties the queue and starts the next round. s.mu is held.
func (s *scope) take() []*job {
	jobs := s.queue
	s.queue = nil
	s.gen++
	s.armed = false
	for _, st := range s.states {
		st.queued = false
	}
	return jobs
}

// flush sends the queue of round gen when its timer fires, unless the round has left.
func (s *scope) flush(gen uint64) {
	s.mu.Lock()
	if s.gen != gen || len(s.queue) == 0 {
		s.mu.Unlock()
		return
	}
	jobs := s.take()
	s.mu.Unlock()
	s.send(jobs)
}

// send runs jobs in one round trip, a plain query for one and a pipelined batch for
// several, and releases every job. No Rows stays open while another statement is
// sent, so the Querier may be a transaction.
//
// A batch fails as a whole more often than not: pgx prepares every statement before
// running any, and PostgreSQL refuses the statements behind a failed one (one implicit
// transaction). So every statement of a failed batch is sent again, alone: one
// loader's failing statement fails its own keys only, at the cost of one more round
// trip per statement of that batch.
func (s *scope) send(jobs []*job) {
	defer func() {
		for _, j := range jobs {
			close(j.done)
		}
	}()
	if len(jobs) == 1 {
		s.one(jobs[0])
		return
	}
	b := &pgx.Batch{}
	for _, j := range jobs {
		b.Queue(j.sql, j.args...)
	}
	failed, err := s.batch(b, jobs)
	if err != nil && !failed {
		for _, j := range jobs {
			j.err = err
		}
		return
	}
	if !failed || s.ctx.Err() != nil {
		return
	}
	for _, j := range jobs {
		if j.err != nil {
			s.one(j)
		}
	}
}

// batch sends b, the statements of jobs, and reads their rows into them: whether a
// statement failed, and the error of closing the batch. The batch is closed whatever
// happens, a panic included, so its connection goes back to the pool.
func (s *scope) batch(b *pgx.Batch, jobs []*job) (failed bool, err error) {
	br := s.q.SendBatch(s.ctx, b)
	defer func() {
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}()
	for _, j := range jobs {
		rows, err := br.Query()
		if err == nil {
			err = j.read(rows)
		} else if rows != nil {
			rows.Close()
		}
		j.err = err
		failed = failed || err != nil
	}
	return failed, nil
}

// one sends j alone.
func (s *scope) one(j *job) {
	rows, err := s.q.Query(s.ctx, j.sql, j.args...)
	if err == nil {
		err = j.read(rows)
	}
	j.err = err
}

// read hands rows to j.scan and closes them. A panic while reading (a Scanner of the
// caller's) is the error of j's keys, never a result: the rows are closed, so the
// connection is released, and no key is taken for not found.
func (j *job) read(rows pgx.Rows) (err error) {
	defer func() {
		if p := recover(); p != nil {
			rows.Close()
			err = fmt.Errorf("dataload: panic while reading the rows: %v", p)
		}
	}()
	return j.scan(rows)
}
