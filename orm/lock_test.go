package orm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Job is the model of the row-lock tests: a queue of work items.
type Job struct {
	ID     int64  `db:"id"`
	Status string `db:"status"`
	Worker *int   `db:"worker"`
	UserID *int64 `db:"user_id"`
	User   *User  `orm:"belongs-to"`
}

const jobsDDL = `CREATE TABLE jobs (
	id      bigserial PRIMARY KEY,
	status  text NOT NULL DEFAULT 'ready',
	worker  integer,
	user_id bigint
);
CREATE INDEX ON jobs (status, id);`

func TestSelect_locks_sql(t *testing.T) {
	t.Parallel()
	base := orm.Query[Job](nil).Where(orm.Eq{"status": "ready"}).OrderBy("id").Limit(10)
	const cols = `"jobs"."id", "jobs"."status", "jobs"."worker", "jobs"."user_id"`
	for name, tc := range map[string]struct {
		q    orm.Select[Job]
		want string
	}{
		"for update": {base.ForUpdate(),
			`SELECT ` + cols + ` FROM "jobs" WHERE "jobs"."status" = $1 ORDER BY "jobs"."id" LIMIT $2 FOR UPDATE`},
		"skip locked": {base.ForUpdate().SkipLocked(),
			`SELECT ` + cols + ` FROM "jobs" WHERE "jobs"."status" = $1 ORDER BY "jobs"."id" LIMIT $2 FOR UPDATE SKIP LOCKED`},
		"no key update, nowait": {base.ForNoKeyUpdate().NoWait(),
			`SELECT ` + cols + ` FROM "jobs" WHERE "jobs"."status" = $1 ORDER BY "jobs"."id" LIMIT $2 FOR NO KEY UPDATE NOWAIT`},
		"share": {base.ForShare(),
			`SELECT ` + cols + ` FROM "jobs" WHERE "jobs"."status" = $1 ORDER BY "jobs"."id" LIMIT $2 FOR SHARE`},
		"join locks only the query's table": {orm.Query[Job](nil).Join("User").ForUpdate().SkipLocked(),
			`LEFT JOIN "users" AS "User" ON "User"."id" = "jobs"."user_id" FOR UPDATE OF "jobs" SKIP LOCKED`},
	} {
		t.Run(name, func(t *testing.T) {
			sql, _, err := tc.q.ToSQL()
			if err != nil || !strings.HasSuffix(sql, tc.want) {
				t.Fatalf("got %s, %v\nwant …%s", sql, err, tc.want)
			}
		})
	}
}

// Bad lock requests are refused before anything is sent.
func TestSelect_locks_refused(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schema), ormtest.Schema(jobsDDL))
	ctx := testCtx(t)
	q := orm.Query[Job](db)
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		if _, err := q.ForUpdate().All(ctx); !errors.Is(err, orm.ErrLockOutsideTx) {
			t.Errorf("outside a transaction: %v", err)
		}
		for name, bad := range map[string]orm.Select[Job]{
			"SkipLocked without a mode": q.SkipLocked(),
			"NoWait and SkipLocked":     q.ForUpdate().SkipLocked().NoWait(),
			"two modes":                 q.ForUpdate().ForShare(),
		} {
			if _, _, err := bad.ToSQL(); err == nil {
				t.Errorf("%s accepted", name)
			}
			err := db.Tx(ctx, func(tx *orm.DB) error { _, err := bad.All(ctx); return err })
			if err == nil {
				t.Errorf("%s ran", name)
			}
		}
		if _, err := q.ForUpdate().Count(ctx); err == nil {
			t.Error("Count with a lock accepted")
		}
		if _, err := q.Where(orm.AllRows).ForUpdate().UpdateAll(ctx, orm.Set{"status": "x"}); err == nil {
			t.Error("UpdateAll with a lock accepted")
		}
	})
}

// Rows one transaction holds are skipped by SKIP LOCKED and fail NOWAIT at once.
func TestSelect_locks_betweenTransactions(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schema), ormtest.Schema(jobsDDL), ormtest.MaxConns(4))
	ctx := testCtx(t)
	mustExec(t, db, "INSERT INTO jobs (status) SELECT 'ready' FROM generate_series(1, 10)")
	held := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Tx(ctx, func(tx *orm.DB) error {
			if _, err := orm.Query[Job](tx).Where(orm.Lte{"id": 5}).ForUpdate().All(ctx); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	err := db.Tx(ctx, func(tx *orm.DB) error {
		got, err := orm.Query[Job](tx).OrderBy("id").ForUpdate().SkipLocked().All(ctx)
		if err != nil {
			return err
		}
		if ids := jobIDs(got); fmt.Sprint(ids) != "[6 7 8 9 10]" {
			t.Errorf("SKIP LOCKED returned %v, want the unlocked 6..10", ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(tx *orm.DB) error {
		_, err := orm.Query[Job](tx).Where(orm.Eq{"id": 1}).ForUpdate().NoWait().All(ctx)
		return err
	})
	close(release)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "55P03" {
		t.Errorf("NOWAIT on a held row: want 55P03, got %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func jobIDs(jobs []Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// claim takes up to n ready jobs no other worker holds and marks them as worker w's, in
// one transaction: two statements.
func claim(ctx context.Context, db *orm.DB, w, n int) ([]int64, error) {
	var ids []int64
	err := db.Tx(ctx, func(tx *orm.DB) error {
		jobs, err := orm.Query[Job](tx).Where(orm.Eq{"status": "ready"}).OrderBy("id").Limit(n).
			ForUpdate().SkipLocked().All(ctx)
		if err != nil || len(jobs) == 0 {
			return err
		}
		ids = jobIDs(jobs)
		_, err = orm.Query[Job](tx).Where(orm.Eq{"id": ids}).UpdateAll(ctx, orm.Set{"status": "done", "worker": w})
		return err
	})
	return ids, err
}

// Sixteen workers drain a queue of 2,000 jobs with SKIP LOCKED: every job is
// processed exactly once, and each claim is two statements.
func TestSelect_locks_jobQueue(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schema), ormtest.Schema(jobsDDL), ormtest.MaxConns(16))
	ctx := testCtx(t)
	mustExec(t, db, "INSERT INTO jobs (status) SELECT 'ready' FROM generate_series(1, 2000)")
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		if ids, err := claim(ctx, db, 0, 25); err != nil || len(ids) != 25 {
			t.Fatalf("claimed %v, %v", ids, err)
		}
	})
	var mu sync.Mutex
	var all []int64
	var wg sync.WaitGroup
	for w := 1; w <= 16; w++ {
		wg.Go(func() {
			for {
				ids, err := claim(ctx, db, w, 25)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				all = append(all, ids...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(all)
	if len(all) != 1975 || len(slices.Compact(slices.Clone(all))) != 1975 {
		t.Fatalf("the workers processed %d jobs (%d distinct), want 1975 once each", len(all), len(slices.Compact(all)))
	}
	var ready, unassigned int
	if err := db.QueryRow(ctx, "SELECT count(*) FILTER (WHERE status <> 'done'), count(*) FILTER (WHERE worker IS NULL) FROM jobs").Scan(&ready, &unassigned); err != nil {
		t.Fatal(err)
	}
	if ready != 0 || unassigned != 0 {
		t.Fatalf("%d jobs not done, %d without a worker", ready, unassigned)
	}
}
