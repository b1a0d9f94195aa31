package orm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// guardCase is one labelled scenario for the N+1 guard: run sends statements with a
// guarded context; nPlusOne says whether it is an N+1 (a loop over parents).
type guardCase struct {
	name     string
	nPlusOne bool
	opts     []orm.GuardOption
	run      func(t *testing.T, ctx context.Context, db *orm.DB, users []User)
}

// userByID and postsOf are helpers in the caller's code: the call site reported is
// their line, the same for every iteration of the loop that calls them.
func userByID(ctx context.Context, db *orm.DB, id int64) (User, error) {
	return orm.Query[User](db).Where(orm.Eq{"id": id}).One(ctx)
}

func postsOf(ctx context.Context, db *orm.DB, u User) ([]Post, error) {
	return orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).All(ctx)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var guardCases = []guardCase{
	// Loops over parents: N+1s.
	{name: "One by id in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:5] {
			_, err := orm.Query[User](db).Where(orm.Eq{"id": u.ID}).One(ctx)
			must(t, err)
		}
	}},
	{name: "First in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:5] {
			_, err := orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).First(ctx)
			must(t, err)
		}
	}},
	{name: "Count in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:5] {
			_, err := orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).Count(ctx)
			must(t, err)
		}
	}},
	{name: "Exists in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:5] {
			_, err := orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).Exists(ctx)
			must(t, err)
		}
	}},
	{name: "children with All in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us {
			_, err := orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).All(ctx)
			must(t, err)
		}
	}},
	{name: "exactly two repeats", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:2] {
			_, err := postsOf(ctx, db, u)
			must(t, err)
		}
	}},
	{name: "through a helper function", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:4] {
			_, err := userByID(ctx, db, u.ID)
			must(t, err)
		}
	}},
	{name: "goroutines sharing the request", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		var wg sync.WaitGroup
		for _, u := range us[:6] {
			wg.Go(func() {
				_, err := postsOf(ctx, db, u)
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}},
	{name: "nested loops", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			posts, err := postsOf(ctx, db, u)
			must(t, err)
			for _, p := range posts {
				_, err := orm.Query[User](db).Where(orm.Eq{"id": p.UserID}).One(ctx)
				must(t, err)
			}
		}
	}},
	{name: "raw pgx Query in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			rows, err := db.Query(ctx, "SELECT title FROM posts WHERE user_id = $1", u.ID)
			must(t, err)
			rows.Close()
		}
	}},
	{name: "orm.Raw in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			_, err := orm.Raw[string](ctx, db, "SELECT name FROM users WHERE id = $1", u.ID)
			must(t, err)
		}
	}},
	{name: "QueryRow in a closure loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		count := func(id int64) int {
			var n int
			must(t, db.QueryRow(ctx, "SELECT count(*) FROM posts WHERE user_id = $1", id).Scan(&n))
			return n
		}
		for _, u := range us[:3] {
			_ = count(u.ID)
		}
	}},
	{name: "SQL fragment condition in a loop", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			_, err := orm.Query[Post](db).Where("user_id = ?", u.ID).All(ctx)
			must(t, err)
		}
	}},
	{name: "Preload run per parent", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			_, err := orm.Query[User](db).Where(orm.Eq{"id": u.ID}).Preload("Posts").All(ctx)
			must(t, err)
		}
	}},
	{name: "UpdateAll per row", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			_, err := orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).UpdateAll(ctx, orm.Set{"published": true})
			must(t, err)
		}
	}},
	{name: "Update per row", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			must(t, orm.Update(ctx, db, &u, "name"))
		}
	}},
	{name: "map iteration", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		byName := map[string]int64{}
		for _, u := range us[:4] {
			byName[u.Name] = u.ID
		}
		for _, id := range byName {
			_, err := userByID(ctx, db, id)
			must(t, err)
		}
	}},
	{name: "a hundred parents", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for i := range 100 {
			_, err := orm.Query[Post](db).Where(orm.Eq{"id": i + 1}).Exists(ctx)
			must(t, err)
		}
	}},
	{name: "threshold 3 reached", nPlusOne: true, opts: []orm.GuardOption{orm.Threshold(3)}, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			_, err := postsOf(ctx, db, u)
			must(t, err)
		}
	}},
	{name: "loop inside a transaction", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		must(t, db.Tx(ctx, func(tx *orm.DB) error {
			for _, u := range us[:3] {
				if _, err := orm.Query[Post](tx).Where(orm.Eq{"user_id": u.ID}).All(ctx); err != nil {
					return err
				}
			}
			return nil
		}))
	}},
	{name: "first pages per parent", nPlusOne: true, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:3] {
			_, err := orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).Paginate(ctx, paginate.Request{Codec: testCodec, Limit: 2})
			must(t, err)
		}
	}},

	// Repeats that are not loops over parents: silent.
	{name: "Preload once", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		_, err := orm.Query[User](db).Preload("Posts").All(ctx)
		must(t, err)
	}},
	{name: "Join once", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		_, err := orm.Query[Post](db).Join("User").All(ctx)
		must(t, err)
	}},
	{name: "Batches walk", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, err := range orm.Query[Post](db).Batches(ctx, 5) {
			must(t, err)
		}
	}},
	{name: "Each walk with preloads", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		must(t, orm.Query[User](db).Preload("Posts").Each(ctx, 3, func(User) error { return nil }))
	}},
	{name: "keyset walk with cursors", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		req := paginate.Request{Codec: testCodec, Limit: 7}
		for {
			page, err := orm.Query[Post](db).Paginate(ctx, req)
			must(t, err)
			if !page.HasNext {
				return
			}
			req.After = page.Next
		}
	}},
	{name: "polling with the same arguments", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for range 5 {
			_, err := orm.Query[Post](db).Where(orm.Eq{"published": false}).Limit(3).All(ctx)
			must(t, err)
		}
	}},
	{name: "polling with pauses", opts: []orm.GuardOption{orm.PollGap(20 * time.Millisecond)}, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for i := range 3 {
			_, err := orm.Query[Post](db).Where(orm.Gt{"id": i}).Limit(1).All(ctx)
			must(t, err)
			time.Sleep(40 * time.Millisecond) // the poll interval
		}
	}},
	{name: "retried transaction", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		attempt := 0
		must(t, db.Tx(ctx, func(tx *orm.DB) error {
			attempt++
			if _, err := orm.Query[Post](tx).Where(orm.Eq{"user_id": us[attempt].ID}).All(ctx); err != nil {
				return err
			}
			if attempt < 3 {
				_, err := tx.Exec(ctx, "DO $$ BEGIN RAISE EXCEPTION 'retry me' USING ERRCODE = '40001'; END $$")
				return err
			}
			return nil
		}, orm.Retry(3)))
	}},
	{name: "same query from two call sites", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		_, err := postsOf(ctx, db, us[0])
		must(t, err)
		_, err = orm.Query[Post](db).Where(orm.Eq{"user_id": us[1].ID}).All(ctx)
		must(t, err)
	}},
	{name: "same statement, same arguments, twice", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for range 2 {
			_, err := userByID(ctx, db, us[0].ID)
			must(t, err)
		}
	}},
	{name: "a loop over different tables", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, sql := range []string{"SELECT count(*) FROM users", "SELECT count(*) FROM posts", "SELECT count(*) FROM memberships"} {
			var n int
			must(t, db.QueryRow(ctx, sql).Scan(&n))
		}
	}},
	{name: "threshold 3 not reached", opts: []orm.GuardOption{orm.Threshold(3)}, run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:2] {
			_, err := postsOf(ctx, db, u)
			must(t, err)
		}
	}},
	{name: "bulk write of many rows", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		posts := make([]Post, 50)
		for i := range posts {
			posts[i] = Post{UserID: us[i%len(us)].ID, Title: "bulk"}
		}
		must(t, bulk.Create(ctx, db, posts))
	}},
	{name: "Iter over many rows", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, err := range orm.Query[Post](db).Iter(ctx) {
			must(t, err)
		}
	}},
	{name: "one statement per request in two requests", run: func(t *testing.T, ctx context.Context, db *orm.DB, us []User) {
		for _, u := range us[:2] {
			rctx, _ := orm.WithGuard(context.Background()) // each request its own scope
			rctx, cancel := context.WithTimeout(rctx, 10*time.Second)
			_, err := postsOf(rctx, db, u)
			cancel()
			must(t, err)
		}
	}},
}

// The labelled cases: every loop over parents is reported, nothing else is.
func TestGuard_labelledCases(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	mustExec(t, db, `INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 10) g;
		INSERT INTO posts (user_id, title) SELECT 1 + g % 10, 'p' || g FROM generate_series(1, 30) g`)
	users, err := orm.Query[User](db).OrderBy("id").All(ctx)
	must(t, err)
	misses, falsePositives := 0, 0
	for _, tc := range guardCases {
		var reports []orm.NPlusOne
		opts := append([]orm.GuardOption{orm.ReportTo(func(_ context.Context, r orm.NPlusOne) { reports = append(reports, r) })}, tc.opts...)
		gctx, guard := orm.WithGuard(ctx, opts...)
		tc.run(t, gctx, db, users)
		got := len(guard.Reports()) > 0
		switch {
		case got && !tc.nPlusOne:
			falsePositives++
			t.Errorf("false positive %q: %v", tc.name, guard.Reports())
		case !got && tc.nPlusOne:
			misses++
			t.Errorf("missed %q", tc.name)
		}
		if len(reports) != len(guard.Reports()) {
			t.Errorf("%q: %d reports sent, %d kept", tc.name, len(reports), len(guard.Reports()))
		}
		for _, r := range reports {
			if !strings.Contains(r.Caller, "guard_test.go:") || r.Count < 2 {
				t.Errorf("%q: report %+v does not point at the test's line", tc.name, r)
			}
		}
	}
	t.Logf("%d labelled cases: %d misses, %d false positives", len(guardCases), misses, falsePositives)
}

// The report names the loop's line and the Preload that replaces it.
func TestGuard_reportNamesTheFix(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 3)
	gctx, guard := orm.WithGuard(ctx, orm.ReportTo(func(context.Context, orm.NPlusOne) {}))
	users, err := orm.Query[User](db).All(gctx)
	must(t, err)
	for _, u := range users {
		_, err := orm.Query[Post](db).Where(orm.Eq{"user_id": u.ID}).All(gctx) // the loop
		must(t, err)
	}
	rs := guard.Reports()
	if len(rs) != 1 {
		t.Fatalf("reports %v", rs)
	}
	r := rs[0]
	if r.Count != 3 || !strings.HasPrefix(r.SQL, `SELECT "posts"."id"`) || !strings.Contains(r.Function, "TestGuard_reportNamesTheFix") {
		t.Errorf("report %+v", r)
	}
	if !strings.Contains(r.Fix, `Preload("Posts") on orm.Query[orm_test.User]`) || !strings.Contains(r.Fix, `= ANY($1)`) {
		t.Errorf("fix %q", r.Fix)
	}
}

// In strict mode the statement completing the N+1 fails unsent.
func TestGuard_strict(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := testCtx(t)
	seedUsers(t, db, 3)
	gctx, _ := orm.WithGuard(ctx, orm.Strict(), orm.ReportTo(func(context.Context, orm.NPlusOne) {}))
	gctx, log := orm.WithQueryLog(gctx)
	var errs []error
	for id := range 3 {
		_, err := orm.Query[User](db).Where(orm.Eq{"id": id + 1}).All(gctx)
		errs = append(errs, err)
	}
	if errs[0] != nil || !errors.Is(errs[1], orm.ErrNPlusOne) || errs[2] != nil {
		t.Fatalf("errors %v: want the second statement refused", errs)
	}
	if log.Statements() != 2 {
		t.Fatalf("%d statements sent, want 2 (the refused one is not sent):\n%s", log.Statements(), log)
	}
}

func TestGuardRequests(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	seedUsers(t, db, 4)
	var mu sync.Mutex
	var reports []orm.NPlusOne
	h := orm.GuardRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		users, err := orm.Query[User](db).All(r.Context())
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if r.URL.Query().Get("naive") != "" {
			for _, u := range users {
				_, _ = postsOf(r.Context(), db, u)
			}
		}
		fmt.Fprint(w, len(users))
	}), orm.StatementsHeader("X-Statements"), orm.ReportTo(func(_ context.Context, r orm.NPlusOne) {
		mu.Lock()
		reports = append(reports, r)
		mu.Unlock()
	}))
	for path, want := range map[string]struct {
		header  string
		reports int
	}{"/": {"1", 0}, "/?naive=1": {"5", 1}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil).WithContext(testCtx(t)))
		mu.Lock()
		n := len(reports)
		reports = nil
		mu.Unlock()
		if got := rec.Header().Get("X-Statements"); got != want.header || n != want.reports {
			t.Errorf("%s: header %q, %d reports; want %q, %d", path, got, n, want.header, want.reports)
		}
	}
}

// ormtest.NoNPlusOne fails the test that sends an N+1, naming it.
func TestGuard_ormtestNoNPlusOne(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	seedUsers(t, db, 3)
	rec := &failures{TB: t}
	ctx := ormtest.NoNPlusOne(rec, testCtx(t))
	users, err := orm.Query[User](db).Preload("Posts").All(ctx) // fine
	must(t, err)
	rec.cleanup()
	if len(rec.errs) != 0 {
		t.Fatalf("a Preload was reported: %v", rec.errs)
	}
	ctx = ormtest.NoNPlusOne(rec, testCtx(t))
	for _, u := range users {
		_, err := postsOf(ctx, db, u)
		must(t, err)
	}
	rec.cleanup()
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "N+1 queries: 3×") {
		t.Fatalf("the loop was not reported: %v", rec.errs)
	}
}

// failures is a testing.TB that keeps errors and cleanups.
type failures struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (f *failures) Helper() {}
func (f *failures) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *failures) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *failures) cleanup() {
	for _, fn := range f.cleanups {
		fn()
	}
	f.cleanups = nil
}

// BenchmarkGuard measures what watching for N+1 costs a one-row query (the statement
// is sent once per iteration with the same argument, so nothing is reported).
func BenchmarkGuard(b *testing.B) {
	db := newDB(b)
	seedUsers(b, db, 10)
	q := orm.Query[User](db).Where(orm.Eq{"id": 1})
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("guard=%v", on), func(b *testing.B) {
			ctx := context.Background()
			if on {
				ctx, _ = orm.WithGuard(ctx)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := q.All(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
