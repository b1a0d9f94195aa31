// Command quickstart is batchorm's first tour: it creates a schema on a throwaway
// database, writes and reads a few rows, and prints every statement it sent.
//
//	go run ./examples/quickstart
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB); otherwise it
// starts a PostgreSQL cluster from the local binaries and removes it at the end.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/batchorm/batchorm/internal/exampledb"
	"github.com/batchorm/batchorm/orm"
)

const schema = `
CREATE TABLE authors (
	id         bigserial PRIMARY KEY,
	name       text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE books (
	id        bigserial PRIMARY KEY,
	author_id bigint NOT NULL REFERENCES authors(id),
	title     text NOT NULL,
	year      integer NOT NULL
);
CREATE INDEX ON books (author_id);
`

// Author is a model: exported fields are columns, ID is the primary key and, being an
// integer, is chosen by the database.
type Author struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	CreatedAt time.Time `db:"created_at" orm:"default"` // zero: the database's DEFAULT now()
	Books     []Book    `orm:"has-many"`                // books.author_id -> authors.id
}

// Book belongs to an Author.
type Book struct {
	ID       int64   `db:"id"`
	AuthorID int64   `db:"author_id"`
	Title    string  `db:"title"`
	Year     int     `db:"year"`
	Author   *Author `orm:"belongs-to"`
}

func main() {
	if err := run(context.Background()); err != nil {
		log.SetFlags(0)
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	db, closeDB, err := exampledb.Open(ctx, schema)
	if err != nil {
		return err
	}
	defer closeDB()

	ctx, qlog := orm.WithQueryLog(ctx)
	step := func(title string) { fmt.Printf("\n== %s\n", title) }

	step("Insert: the id and created_at come back into the struct")
	ursula := Author{Name: "Ursula K. Le Guin"}
	if err := orm.Insert(ctx, db, &ursula); err != nil {
		return err
	}
	fmt.Printf("author %d %q created %s\n", ursula.ID, ursula.Name, ursula.CreatedAt.Format(time.RFC3339))
	for i, title := range []string{"A Wizard of Earthsea", "The Left Hand of Darkness", "The Dispossessed"} {
		b := Book{AuthorID: ursula.ID, Title: title, Year: 1968 + 1 + 3*i}
		if err := orm.Insert(ctx, db, &b); err != nil {
			return err
		}
	}

	step("Query: explicit columns, checked names, bound values")
	books, err := orm.Query[Book](db).Where(orm.Gte{"year": 1970}).OrderBy("-year").All(ctx)
	if err != nil {
		return err
	}
	for _, b := range books {
		fmt.Printf("  %d %s\n", b.Year, b.Title)
	}
	if _, err := orm.Query[Book](db).OrderBy("year; DROP TABLE books").All(ctx); err != nil {
		fmt.Printf("a sort key from a user is checked against the model:\n  %v\n", err)
	}

	step("Update names its columns: zero values are never guessed to mean 'skip'")
	first := books[len(books)-1]
	first.Title = "The Left Hand of Darkness (50th anniversary)"
	if err := orm.Update(ctx, db, &first, "Title"); err != nil {
		return err
	}
	n, err := orm.Query[Book](db).Where("title LIKE ?", "%anniversary%").Count(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("books with 'anniversary' in the title: %d\n", n)

	step("Delete by primary key, then the error predicates")
	if err := orm.Delete(ctx, db, &books[0]); err != nil {
		return err
	}
	dup := Author{Name: ursula.Name}
	err = orm.Insert(ctx, db, &dup)
	fmt.Printf("inserting the same author twice: unique violation = %v (%s)\n", orm.IsUniqueViolation(err), orm.ConstraintName(err))

	step("Every statement this program sent")
	for i, sql := range qlog.SQL() {
		fmt.Printf("%2d  %s\n", i+1, strings.Join(strings.Fields(sql), " "))
	}
	fmt.Printf("\n%d statements in %d round trips\n", qlog.Statements(), qlog.RoundTrips())
	return nil
}

func init() { log.SetOutput(os.Stderr) }
