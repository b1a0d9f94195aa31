package pgbouncertest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/pool"
)

// The suite really goes through PgBouncer with the profile: exec mode, no timeouts
// sent, and a cancel key that is PgBouncer's own, not the server backend's.
func readSuite_connectsThroughPgBouncer(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	cfg := db.Pool().Config().ConnConfig
	if cfg.DefaultQueryExecMode != pgx.QueryExecModeExec {
		t.Errorf("DefaultQueryExecMode = %v, want exec (the PgBouncerTransaction profile)", cfg.DefaultQueryExecMode)
	}
	if _, ok := cfg.RuntimeParams["statement_timeout"]; ok {
		t.Errorf("statement_timeout is sent: %v", cfg.RuntimeParams)
	}
	c, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	var backend uint32
	if err := c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	if backend == c.Conn().PgConn().PID() {
		t.Errorf("cancel key pid = backend pid %d: the connection does not go through PgBouncer", backend)
	}
	_, err = pool.New(ctx, pool.Config{ConnString: db.Pool().Config().ConnString(), Pooler: pool.PgBouncerTransaction,
		ExecMode: pgx.QueryExecModeCacheStatement})
	var ce *pool.ConfigError
	if !errors.As(err, &ce) || ce.Field != "ExecMode" {
		t.Errorf("a cache_statement pool behind PgBouncer = %v, want a ConfigError for ExecMode", err)
	}
}

func readAll_whereAndOrder(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Book
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Book](db).Where("year >= ?", 2000).Where(orm.Lt{"author_id": 7}).
			OrderBy("-year", "id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	want := rowtest.MustQuery(t, ctx, db, scanBook,
		"SELECT "+bookCols+" FROM books WHERE year >= $1 AND author_id < $2 ORDER BY year DESC, id", 2000, 7)
	if len(want) == 0 {
		t.Fatal("the reference query found no rows: the data does not exercise the query")
	}
	rowtest.RequireEqual(t, want, plainBooks(got))
}

func readOne_foundAndNotFound(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	ormtest.AssertStatements(t, ctx, 2, func(ctx context.Context) {
		a, err := orm.Query[Author](db).Where(orm.Eq{"name": "author-4"}).One(ctx)
		if err != nil || a.ID != 4 || a.Name != "author-4" || a.MentorID != nil {
			t.Errorf("One = %+v, %v", a, err)
		}
		_, err = orm.Query[Author](db).Where(orm.Eq{"name": "nobody"}).One(ctx)
		if !errors.Is(err, orm.ErrNotFound) || !errors.Is(err, pgx.ErrNoRows) {
			t.Errorf("One on no row = %v, want ErrNotFound", err)
		}
	})
}

func readCountAndExists(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	ormtest.AssertStatements(t, ctx, 4, func(ctx context.Context) {
		n, err := orm.Query[Book](db).Count(ctx)
		if err != nil || n != bookCount {
			t.Errorf("Count = %d, %v; want %d", n, err, bookCount)
		}
		n, err = orm.Query[Book](db).Where(orm.Eq{"author_id": 3}).Count(ctx)
		if err != nil || n != 3 {
			t.Errorf("Count of author 3's books = %d, %v; want 3", n, err)
		}
		ok, err := orm.Query[Book](db).Where(orm.Eq{"author_id": 10}).Exists(ctx)
		if err != nil || ok {
			t.Errorf("Exists for author 10 = %v, %v; want false", ok, err)
		}
		ok, err = orm.Query[Profile](db).Where(orm.Eq{"author_id": 2}).Exists(ctx)
		if err != nil || !ok {
			t.Errorf("Exists for profile of 2 = %v, %v; want true", ok, err)
		}
	})
}

func readIter_allRowsAndEarlyBreak(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Book
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		for b, err := range orm.Query[Book](db).OrderBy("id").Iter(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b)
		}
	})
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "true"), got)
	// Breaking out closes the rows: ormtest's cleanup fails TestRead if a connection
	// stays acquired.
	n := 0
	for _, err := range orm.Query[Book](db).OrderBy("id").Iter(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
}

func readJoin_belongsTo(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Book
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1}, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Book](db).Join("Author").Where(orm.Eq{"Author.name": "author-5"}).OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	rowtest.RequireEqual(t, mustBooks(t, ctx, db, "author_id = 5"), plainBooks(got))
	for _, b := range got {
		if b.Author == nil || b.Author.ID != 5 || b.Author.Name != "author-5" {
			t.Errorf("book %d: joined author = %+v", b.ID, b.Author)
		}
	}
}

func readJoin_nestedToOne(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	var got []Book
	ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
		var err error
		got, err = orm.Query[Book](db).Join("Author.Profile").Where(orm.Lte{"author_id": 4}).OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(got) != 12 {
		t.Fatalf("got %d books, want 12", len(got))
	}
	for _, b := range got {
		if b.Author == nil || b.Author.ID != b.AuthorID {
			t.Fatalf("book %d: author %+v", b.ID, b.Author)
		}
		hasProfile := b.AuthorID%2 == 0
		if (b.Author.Profile != nil) != hasProfile {
			t.Errorf("book %d: author %d profile = %+v, want one: %v", b.ID, b.AuthorID, b.Author.Profile, hasProfile)
		}
	}
}

func readRawQueries_exec_manyConnections(t *testing.T, db *orm.DB) {
	ctx := testCtx(t)
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			for i := range 50 {
				var n int64
				// Alternate between a few statement texts: with a statement cache, the
				// same text would be looked up on another server connection.
				sql := []string{"SELECT $1::bigint + 1", "SELECT $1::bigint + 1 WHERE true", "SELECT count(*) + $1::bigint - $1::bigint + 1 FROM (SELECT 1) s"}[i%3]
				if err := db.QueryRow(ctx, sql, int64(g*i)).Scan(&n); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
