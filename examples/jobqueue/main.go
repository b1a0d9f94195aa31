// Command jobqueue runs a job queue on PostgreSQL with batchorm: 10,000 jobs, 16
// workers, each claiming batches with SELECT … FOR UPDATE SKIP LOCKED and marking them
// done in the same transaction. It checks that every job was processed exactly once
// and prints the throughput.
//
//	go run ./examples/jobqueue
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB); otherwise it
// starts a PostgreSQL cluster from the local binaries and removes it at the end.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"sync"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
)

// Job is one unit of work.
type Job struct {
	ID      int64      `db:"id"`
	Payload string     `db:"payload"`
	Status  string     `db:"status" orm:"default:'ready'"` // zero: the DEFAULT
	Worker  *int       `db:"worker"`
	DoneAt  *time.Time `db:"done_at"`
}

// Indexes serves the claim, which reads ready jobs in id order; partial, the index
// holds only the jobs still waiting, so it stays small as the queue drains.
func (Job) Indexes() []schema.Index {
	return []schema.Index{{Name: "jobs_ready", Columns: []string{"id"}, Where: "status = 'ready'"}}
}

const (
	jobs    = 10_000
	workers = 16
	batch   = 50
)

func main() {
	if err := run(context.Background()); err != nil {
		log.SetFlags(0)
		log.Fatal(err)
	}
}

func run(ctx context.Context) (err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	ddl, err := schema.DDL(Job{}) // the table and its index, from the model
	if err != nil {
		return err
	}
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(ddl), ormtest.MaxConns(workers))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, done()) }()

	queue := make([]Job, jobs)
	for i := range queue {
		queue[i] = Job{Payload: fmt.Sprintf("job %d", i)}
	}
	if err := bulk.Create(ctx, db, queue); err != nil { // one INSERT; ids come back
		return err
	}
	fmt.Printf("%d jobs queued; %d workers claim batches of %d with FOR UPDATE SKIP LOCKED\n", jobs, workers, batch)

	start := time.Now()
	processed, claims, err := drain(ctx, db)
	if err != nil {
		return err
	}
	took := time.Since(start)
	if err := check(ctx, db, processed); err != nil {
		return err
	}
	fmt.Printf("%d jobs processed exactly once in %d claims (2 statements each) in %v: %.0f jobs/s\n",
		len(processed), claims, took.Round(time.Millisecond), float64(len(processed))/took.Seconds())
	return nil
}

// drain runs the workers until the queue is empty and returns every id processed and
// the number of claims that took jobs.
func drain(ctx context.Context, db *orm.DB) ([]int64, int, error) {
	var mu sync.Mutex
	var all []int64
	var claims int
	var errs []error
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				ids, err := claim(ctx, db, w)
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("worker %d: %w", w, err))
				} else if len(ids) > 0 {
					all, claims = append(all, ids...), claims+1
				}
				mu.Unlock()
				if err != nil || len(ids) == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	return all, claims, errors.Join(errs...)
}

// claim takes up to batch ready jobs that no other worker holds, "processes" them and
// marks them done, all in one transaction: the lock ends with it.
func claim(ctx context.Context, db *orm.DB, w int) ([]int64, error) {
	var ids []int64
	err := db.Tx(ctx, func(tx *orm.DB) error {
		claimed, err := orm.Query[Job](tx).Where(orm.Eq{"status": "ready"}).OrderBy("id").Limit(batch).
			ForUpdate().SkipLocked().All(ctx)
		if err != nil || len(claimed) == 0 {
			return err
		}
		ids = make([]int64, len(claimed))
		for i, j := range claimed {
			ids[i] = j.ID // the work itself would go here
		}
		_, err = orm.Query[Job](tx).Where(orm.Eq{"id": ids}).
			UpdateAll(ctx, orm.Set{"status": "done", "worker": w, "done_at": orm.Expr("now()")})
		return err
	})
	return ids, err
}

// check verifies that every job was processed once: no id twice, none left ready.
func check(ctx context.Context, db *orm.DB, processed []int64) error {
	slices.Sort(processed)
	if n := len(slices.Compact(slices.Clone(processed))); n != len(processed) || n != jobs {
		return fmt.Errorf("processed %d ids, %d distinct; want %d once each", len(processed), n, jobs)
	}
	left, err := orm.Query[Job](db).Where(orm.NotEq{"status": "done"}).Count(ctx)
	if err != nil {
		return err
	}
	if left != 0 {
		return fmt.Errorf("%d jobs not done", left)
	}
	return nil
}
