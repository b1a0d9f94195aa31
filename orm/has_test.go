package orm_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Film has a relation of every kind, for the relation-filter tests.
type Film struct {
	ID         int64      `db:"id"`
	Title      string     `db:"title"`
	LangID     int64      `db:"lang_id"`
	Lang       *Lang      `orm:"belongs-to,fk:lang_id"`
	Reviews    []Review   `orm:"has-many"`
	Categories []Category `orm:"many-to-many,through:film_categories"`
}

type Lang struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

type Review struct {
	ID      int64 `db:"id"`
	FilmID  int64 `db:"film_id"`
	Stars   int   `db:"stars"`
	Flagged bool  `db:"flagged"`
}

type Category struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

const filmsDDL = `
CREATE TABLE langs (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE films (id bigserial PRIMARY KEY, title text NOT NULL, lang_id bigint NOT NULL REFERENCES langs);
CREATE TABLE reviews (id bigserial PRIMARY KEY, film_id bigint NOT NULL REFERENCES films, stars int NOT NULL, flagged boolean NOT NULL DEFAULT false);
CREATE TABLE categories (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE film_categories (film_id bigint NOT NULL REFERENCES films, category_id bigint NOT NULL REFERENCES categories, PRIMARY KEY (film_id, category_id));
INSERT INTO langs (name) VALUES ('English'), ('French');
INSERT INTO films (title, lang_id) VALUES ('Alien', 1), ('Amelie', 2), ('Brazil', 1), ('Casablanca', 1);
INSERT INTO reviews (film_id, stars, flagged) VALUES (1, 5, false), (1, 2, true), (2, 4, false), (3, 1, false);
INSERT INTO categories (name) VALUES ('Action'), ('Comedy'), ('Drama');
INSERT INTO film_categories VALUES (1, 1), (2, 2), (2, 3), (3, 2), (4, 3);`

func filmTitles(films []Film) string {
	out := make([]string, len(films))
	for i, f := range films {
		out[i] = f.Title
	}
	return fmt.Sprint(out)
}

// Relation filters of every kind, checked on rows, each one statement.
func TestWhere_Has(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(filmsDDL))
	ctx := testCtx(t)
	for name, tc := range map[string]struct {
		where any
		want  string
	}{
		"many-to-many":            {orm.Has("Categories", orm.Eq{"name": "Comedy"}), "[Amelie Brazil]"},
		"many-to-many, any row":   {orm.Has("Categories"), "[Alien Amelie Brazil Casablanca]"},
		"has-many":                {orm.Has("Reviews", orm.Gte{"stars": 4}), "[Alien Amelie]"},
		"has-many, none":          {orm.Not(orm.Has("Reviews")), "[Casablanca]"},
		"belongs-to":              {orm.Has("Lang", orm.Eq{"name": "French"}), "[Amelie]"},
		"two conditions":          {orm.Has("Reviews", orm.Eq{"flagged": false}, orm.Lt{"stars": 3}), "[Brazil]"},
		"or of relations":         {orm.Or{orm.Has("Categories", orm.Eq{"name": "Action"}), orm.Has("Lang", orm.Eq{"name": "French"})}, "[Alien Amelie]"},
		"with a squirrel cond":    {orm.Has("Reviews", orm.Expr("stars * 2 > ?", 8)), "[Alien]"},
		"combined with own field": {orm.And{orm.Has("Categories", orm.Eq{"name": "Drama"}), orm.Eq{"lang_id": 1}}, "[Casablanca]"},
	} {
		t.Run(name, func(t *testing.T) {
			var films []Film
			ormtest.AssertStatements(t, ctx, 1, func(ctx context.Context) {
				var err error
				films, err = orm.Query[Film](db).Where(tc.where).OrderBy("title").All(ctx)
				if err != nil {
					t.Fatal(err)
				}
			})
			if got := filmTitles(films); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	// Count, pages and UpdateAll take it too.
	comedy := orm.Query[Film](db).Where(orm.Has("Categories", orm.Eq{"name": "Comedy"}))
	if n, err := comedy.Count(ctx); err != nil || n != 2 {
		t.Fatalf("count %d, %v", n, err)
	}
	if n, err := comedy.UpdateAll(ctx, orm.Set{"title": orm.Expr("title || ?", "!")}); err != nil || n != 2 {
		t.Fatalf("updated %d, %v", n, err)
	}
	if films, err := orm.Query[Film](db).Where(orm.Has("Lang", orm.Eq{"name": "French"})).All(ctx); err != nil || filmTitles(films) != "[Amelie!]" {
		t.Fatalf("after update: %v, %v", filmTitles(films), err)
	}
}

func TestWhere_Has_badInput(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(filmsDDL))
	ctx := testCtx(t)
	ormtest.AssertStatements(t, ctx, 0, func(ctx context.Context) {
		_, err := orm.Query[Film](db).Where(orm.Has("Genres", orm.Eq{"name": "x"})).All(ctx)
		var re *orm.RelationError
		if !errors.As(err, &re) || re.Segment != "Genres" {
			t.Errorf("unknown relation: %v", err)
		}
		_, err = orm.Query[Film](db).Where(orm.Has("Categories", orm.Eq{"nme": "x"})).All(ctx)
		var ce *orm.ColumnError
		if !errors.As(err, &ce) || ce.Name != "nme" {
			t.Errorf("unknown column of the related model: %v", err)
		}
	})
	sql, _, err := orm.Query[Film](nil).Where(orm.Has("Categories", orm.Eq{"name": "Action"})).ToSQL()
	want := `SELECT "films"."id", "films"."title", "films"."lang_id" FROM "films" WHERE EXISTS (SELECT 1 FROM "film_categories" JOIN "categories" AS "films.Categories" ON "films.Categories"."id" = "film_categories"."category_id" WHERE "films"."id" = "film_categories"."film_id" AND ("films.Categories"."name" = $1))`
	if err != nil || sql != want {
		t.Fatalf("sql\n got: %s\nwant: %s (%v)", sql, want, err)
	}
}
