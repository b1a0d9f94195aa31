package orm_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestSelect_Preload(t *testing.T) {
	t.Parallel()
	db := newRelDB(t)
	ctx := testCtx(t)
	want := rowtest.MustQuery(t, ctx, db, scanWriter, "SELECT "+writerCols+" FROM writers ORDER BY id")
	for i := range want {
		w := &want[i]
		w.Bio = naiveBio(t, ctx, db, w.ID)
		w.Articles = rowtest.MustQuery(t, ctx, db, scanArticle, "SELECT "+articleCols+" FROM articles WHERE writer_id = $1 ORDER BY id", w.ID)
		for j := range w.Articles {
			a := &w.Articles[j]
			a.Remarks = rowtest.MustQuery(t, ctx, db, scanRemark, "SELECT "+remarkCols+" FROM remarks WHERE article_id = $1 ORDER BY id", a.ID)
		}
	}
	got := mustAll(t, ctx, ormtest.Counts{Statements: 4, RoundTrips: 3},
		orm.Query[Writer](db).OrderBy("id").Preload("Articles.Remarks", "Bio").All)
	rowtest.RequireEqual(t, want, got)
}

func TestSelect_PreloadWith_andColumns(t *testing.T) {
	t.Parallel()
	db := newRelDB(t)
	ctx := testCtx(t)
	got := mustAll(t, ctx, ormtest.Counts{Statements: 2, RoundTrips: 2},
		orm.Query[Writer](db).Columns("name").OrderBy("id").
			PreloadWith(loader.Path("Articles", loader.Where("NOT draft"), loader.OrderBy("-rating"), loader.Limit(2))).All)
	for _, w := range got {
		if w.ID == 0 {
			t.Fatal("the key column must be selected for the preload")
		}
		want := rowtest.MustQuery(t, ctx, db, scanArticle, "SELECT "+articleCols+" FROM articles WHERE writer_id = $1 AND NOT draft ORDER BY rating DESC, id LIMIT 2", w.ID)
		rowtest.RequireEqual(t, want, w.Articles)
	}
}

func TestSelect_OneFirst_preload(t *testing.T) {
	t.Parallel()
	db := newRelDB(t)
	ctx := testCtx(t)
	ormtest.AssertCounts(t, ctx, ormtest.Counts{Statements: 4, RoundTrips: 4}, func(ctx context.Context) {
		w, err := orm.Query[Writer](db).Preload("Articles").First(ctx)
		if err != nil || w.ID != 1 || w.Articles == nil {
			t.Fatalf("First: %+v, %v", w, err)
		}
		w, err = orm.Query[Writer](db).Where(orm.Eq{"id": 2}).Preload("Bio").One(ctx)
		if err != nil || w.ID != 2 {
			t.Fatalf("One: %+v, %v", w, err)
		}
	})
}

func TestSelect_Join(t *testing.T) {
	t.Parallel()
	db := newRelDB(t)
	ctx := testCtx(t)
	want := rowtest.MustQuery(t, ctx, db, scanArticle, "SELECT "+articleCols+" FROM articles ORDER BY id")
	var withReviewer []Article
	for i := range want {
		a := &want[i]
		a.Writer = naiveWriter(t, ctx, db, &a.WriterID)
		a.Writer.Bio = naiveBio(t, ctx, db, a.WriterID)
		a.Reviewer = naiveWriter(t, ctx, db, a.ReviewerID)
		if a.Reviewer != nil {
			withReviewer = append(withReviewer, *a)
		}
	}
	if len(withReviewer) == 0 || len(withReviewer) == len(want) {
		t.Fatal("the data should have articles with and without a reviewer")
	}
	t.Run("LEFT JOIN: nested, the same table twice, nil when absent", func(t *testing.T) {
		got := mustAll(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1},
			orm.Query[Article](db).Join("Writer.Bio", "Reviewer").OrderBy("id").All)
		rowtest.RequireEqual(t, want, got)
	})
	t.Run("INNER JOIN leaves out rows without the related row", func(t *testing.T) {
		got := mustAll(t, ctx, ormtest.Counts{Statements: 1, RoundTrips: 1},
			orm.Query[Article](db).Join("Writer.Bio").InnerJoin("Reviewer").OrderBy("id").All)
		rowtest.RequireEqual(t, withReviewer, got)
	})
	t.Run("Iter scans joined rows too", func(t *testing.T) {
		var got []Article
		for a, err := range orm.Query[Article](db).Join("Writer.Bio", "Reviewer").OrderBy("id").Iter(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, a)
		}
		rowtest.RequireEqual(t, want, got)
	})
}

func TestSelect_Join_whereAndOrderOnJoinedColumns(t *testing.T) {
	t.Parallel()
	db := newRelDB(t)
	ctx := testCtx(t)
	q := orm.Query[Article](db).Join("Writer", "Reviewer").
		Where(orm.Lte{"Writer.id": 10}).Where(orm.NotEq{"Reviewer.name": nil}).
		OrderBy("-Reviewer.name", "Writer.Name", "id")
	sql, args, err := q.ToSQL()
	if err != nil {
		t.Fatal(err)
	}
	wantSQL := `SELECT "articles"."id", "articles"."writer_id", "articles"."reviewer_id", "articles"."title", "articles"."rating", "articles"."draft", "articles"."word_count", "articles"."slug", ` +
		`"Writer"."id", "Writer"."name", "Writer"."mentor_id", "Reviewer"."id", "Reviewer"."name", "Reviewer"."mentor_id" ` +
		`FROM "articles" LEFT JOIN "writers" AS "Writer" ON "Writer"."id" = "articles"."writer_id" LEFT JOIN "writers" AS "Reviewer" ON "Reviewer"."id" = "articles"."reviewer_id" ` +
		`WHERE ("Writer"."id" <= $1) AND ("Reviewer"."name" IS NOT NULL) ORDER BY "Reviewer"."name" DESC, "Writer"."name", "articles"."id"`
	if sql != wantSQL || !reflect.DeepEqual(args, []any{10}) {
		t.Fatalf("ToSQL:\nwant %s\ngot  %s %v", wantSQL, sql, args)
	}
	wantIDs := rowtest.MustQuery(t, ctx, db, scanID, `SELECT a.id FROM articles a JOIN writers w ON w.id = a.writer_id JOIN writers r ON r.id = a.reviewer_id
		WHERE w.id <= 10 ORDER BY r.name DESC, w.name, a.id`)
	got, err := q.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(wantIDs) || len(got) == 0 {
		t.Fatalf("want %d rows, got %d", len(wantIDs), len(got))
	}
	for i, a := range got {
		if a.ID != wantIDs[i] || a.Writer.ID > 10 || a.Reviewer == nil || *a.ReviewerID != a.Reviewer.ID {
			t.Fatalf("row %d: %+v", i, a)
		}
	}
	n, err := q.Count(ctx)
	if err != nil || n != int64(len(wantIDs)) {
		t.Fatalf("Count: want %d, got %d, %v", len(wantIDs), n, err)
	}
}

func scanID(r pgx.CollectableRow) (int64, error) {
	var id int64
	err := r.Scan(&id)
	return id, err
}

func TestSelect_Join_withPreload(t *testing.T) {
	t.Parallel()
	db := newRelDB(t)
	ctx := testCtx(t)
	want := rowtest.MustQuery(t, ctx, db, scanArticle, "SELECT "+articleCols+" FROM articles ORDER BY id")
	for i := range want {
		a := &want[i]
		a.Writer = naiveWriter(t, ctx, db, &a.WriterID)
		a.Remarks = rowtest.MustQuery(t, ctx, db, scanRemark, "SELECT "+remarkCols+" FROM remarks WHERE article_id = $1 ORDER BY id", a.ID)
		for j := range a.Remarks {
			a.Remarks[j].Writer = naiveWriter(t, ctx, db, &a.Remarks[j].WriterID)
		}
	}
	got := mustAll(t, ctx, ormtest.Counts{Statements: 3, RoundTrips: 3},
		orm.Query[Article](db).Join("Writer").Preload("Remarks.Writer").OrderBy("id").All)
	rowtest.RequireEqual(t, want, got)
}

func TestSelect_relations_badInput(t *testing.T) {
	t.Parallel()
	db := newRelDB(t)
	ctx := testCtx(t)
	tests := map[string]struct {
		query func(ctx context.Context) error
		err   string
	}{
		"join on a to-many relation says to preload it": {
			query: func(ctx context.Context) error { _, err := orm.Query[Writer](db).Join("Articles").All(ctx); return err },
			err:   `orm: Join: cannot join has-many relation "Articles" in path "Articles" on model orm_test.Writer (relations: Articles, Bio, Mentor): load it with Preload("Articles") instead`,
		},
		"unknown preload lists the relations": {
			query: func(ctx context.Context) error {
				_, err := orm.Query[Writer](db).Preload("Articles.Remarkz").All(ctx)
				return err
			},
			err: `orm: Preload: unknown relation "Remarkz" in path "Articles.Remarkz" on model orm_test.Article (relations: Remarks, Reviewer, Writer)`,
		},
		"unknown join": {
			query: func(ctx context.Context) error {
				_, err := orm.Query[Article](db).InnerJoin("Writter").All(ctx)
				return err
			},
			err: `orm: Join: unknown relation "Writter" in path "Writter" on model orm_test.Article (relations: Remarks, Reviewer, Writer)`,
		},
		"where on a relation that is not joined": {
			query: func(ctx context.Context) error {
				_, err := orm.Query[Article](db).Join("Writer").Where(orm.Eq{"Reviewer.name": "x"}).All(ctx)
				return err
			},
			err: `orm: Where: "Reviewer.name" names relation "Reviewer", which is not joined (joined: Writer): add Join("Reviewer")`,
		},
		"order on an unknown joined column": {
			query: func(ctx context.Context) error {
				_, err := orm.Query[Article](db).Join("Writer").OrderBy("Writer.age").All(ctx)
				return err
			},
			err: `orm: OrderBy("Writer.age"): "Writer.age": unknown column "age" on model orm_test.Writer (columns: id, name, mentor_id)`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var err error
			ormtest.AssertCounts(t, ctx, ormtest.Counts{}, func(ctx context.Context) { err = tt.query(ctx) })
			if err == nil || err.Error() != tt.err {
				t.Fatalf("want %q, got %v", tt.err, err)
			}
			var re *orm.RelationError
			var ce *orm.ColumnError
			if !errors.As(err, &re) && !errors.As(err, &ce) && !strings.Contains(err.Error(), "not joined") {
				t.Fatalf("want a typed error, got %T", err)
			}
		})
	}
}
