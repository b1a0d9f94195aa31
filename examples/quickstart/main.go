// Command quickstart is batchorm's first tour of its default path, on a throwaway
// database: models with relations, a bulk insert that reads the ids back, a query
// with Preload and one with Join, keyset pages and a set-based UPDATE. Each step
// prints what it did and every statement it sent, counted at the driver.
//
//	go run ./examples/quickstart
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB); otherwise it
// starts a PostgreSQL cluster from the local binaries and removes it at the end.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
	"github.com/batchorm/batchorm/paginate"
)

// Author is a model: tagged fields are columns, ID is the key (an integer key is
// chosen by the database), and Books is a relation, loaded only when asked for.
type Author struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name" orm:"unique"`
	CreatedAt time.Time `db:"created_at" orm:"default:now()"` // zero: the database's DEFAULT now()
	Books     []Book    `orm:"has-many"`                      // books.author_id -> authors.id
}

// Book belongs to an Author. Its index on (year, id) serves the keyset pages of
// step 4; the one on author_id comes with the relation.
type Book struct {
	ID       int64   `db:"id" orm:"index:books_year_id:2"`
	AuthorID int64   `db:"author_id"`
	Title    string  `db:"title"`
	Year     int     `db:"year" orm:"index:books_year_id:1"`
	InPrint  bool    `db:"in_print"`
	Author   *Author `orm:"belongs-to"` // books.author_id -> authors.id
}

var (
	names      = []string{"Achebe", "Borges", "Calvino", "Duras", "Eco", "Ferrante", "Grass", "Hesse", "Ishiguro", "Jansson"}
	adjectives = []string{"Silent", "Burning", "Invisible", "Last", "Glass", "Northern", "Lost"}
	nouns      = []string{"Garden", "City", "River", "Library", "Winter", "Mirror", "Island", "Road", "Tower", "Harbour", "Orchard"}
)

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// The schema is the DDL batchorm writes for the models: a real program would put
	// it in a migration file (goose, golang-migrate, atlas); batchorm runs none.
	ddl, err := schema.DDL(&Author{}, &Book{})
	if err != nil {
		return err
	}
	fmt.Printf("== 0. Schema: the DDL the models ask for (schema.DDL)\n%s", ddl)
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(ddl))
	if err != nil {
		return err
	}
	defer func() {
		if derr := done(); derr != nil {
			fmt.Fprintln(os.Stderr, derr)
		}
	}()
	ctx, total := orm.WithQueryLog(ctx)
	step := func(title string) (context.Context, *orm.QueryLog) { // each step gets its own log
		fmt.Printf("\n== %s\n", title)
		return orm.WithQueryLog(ctx)
	}

	_, qlog := step("1. Models: struct tags give columns and relations; ToSQL needs no database")
	sql, _, err := orm.Query[Book](nil).Where(orm.Gte{"year": 2000}).ToSQL()
	if err != nil {
		return err
	}
	fmt.Println(sql)
	sent(qlog) // nothing sent: a query is rendered before it is run, and can be without a database

	// At startup, check each model against its table (fails fast on a column the table
	// lacks) and cache the column types bulk writes need: one catalog read per model.
	if err := bulk.Prepare[Author](ctx, db); err != nil {
		return err
	}
	if err := bulk.Prepare[Book](ctx, db); err != nil {
		return err
	}
	// And check the live schema against the models (one catalog read): nil when the
	// tables, columns, indexes and keys are what the models declare.
	rep, err := schema.Drift(ctx, db, &Author{}, &Book{})
	if err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return err
	}

	sctx, qlog := step("2. bulk.Create: 10 authors, then 300 books, one INSERT each; ids come back into the structs")
	authors := make([]Author, len(names))
	for i, name := range names {
		authors[i] = Author{Name: name}
	}
	if err := bulk.Create(sctx, db, authors); err != nil {
		return fmt.Errorf("create authors: %w", err)
	}
	books := make([]Book, 300)
	for i := range books {
		a := authors[i%len(authors)]
		title := fmt.Sprintf("The %s %s", adjectives[i%len(adjectives)], nouns[i%len(nouns)])
		books[i] = Book{AuthorID: a.ID, Title: title, Year: 1950 + i*13%75, InPrint: true}
	}
	if err := bulk.Create(sctx, db, books); err != nil {
		return fmt.Errorf("create books: %w", err)
	}
	for i := range books {
		if books[i].ID == 0 {
			return fmt.Errorf("books[%d] came back without an id", i)
		}
	}
	fmt.Printf("authors[0]: id %d %s, created_at filled: %v; books[0].ID = %d … books[%d].ID = %d\n", authors[0].ID,
		authors[0].Name, !authors[0].CreatedAt.IsZero(), books[0].ID, len(books)-1, books[len(books)-1].ID)
	sent(qlog)

	sctx, qlog = step("3a. Query + Preload(\"Books\"): authors before \"D\" with all their books, 1 + depth = 2 statements")
	early, err := orm.Query[Author](db).Where(orm.Lt{"name": "D"}).OrderBy("name").Preload("Books").All(sctx)
	if err != nil {
		return err
	}
	for _, a := range early {
		if len(a.Books) > 0 {
			fmt.Printf("  %-8s %d books, the first %q (%d)\n", a.Name, len(a.Books), a.Books[0].Title, a.Books[0].Year)
		}
	}
	sent(qlog)

	sctx, qlog = step("3b. Query + Join(\"Author\"): filter on the joined author, 1 statement")
	byIshiguro, err := orm.Query[Book](db).Join("Author").Where(orm.Eq{"Author.name": "Ishiguro"}).
		OrderBy("-year", "id").Limit(3).All(sctx)
	if err != nil {
		return err
	}
	for _, b := range byIshiguro {
		if b.Author != nil {
			fmt.Printf("  %d  %-24s by %s\n", b.Year, b.Title, b.Author.Name)
		}
	}
	sent(qlog)

	sctx, qlog = step("4. Paginate: keyset pages of books since 2000, newest first, 1 statement per page")
	recent := orm.Query[Book](db).Join("Author").Where(orm.Gte{"year": 2000}).OrderBy("-year") // a value: reused for every page
	// Cursors are signed: a client cannot edit one. Keep the key in your secrets (32
	// random bytes); changing it invalidates the cursors handed out before.
	codec := &paginate.Codec{Key: []byte("quickstart demo key of 32 bytes!")}
	page, err := recent.Paginate(sctx, paginate.Request{Limit: 4, Codec: codec})
	if err != nil {
		return err
	}
	printPage(1, page)
	if !page.HasNext {
		return errors.New("page 1 should be followed by more")
	}
	page, err = recent.Paginate(sctx, paginate.Request{Limit: 4, After: page.Next, Codec: codec})
	if err != nil {
		return fmt.Errorf("page 2: %w", err)
	}
	printPage(2, page)
	sent(qlog)

	sctx, qlog = step("5. UpdateAll: books before 1960 go out of print, 1 UPDATE whatever the number of rows")
	n, err := orm.Query[Book](db).Where(orm.Lt{"year": 1960}).UpdateAll(sctx, orm.Set{"in_print": false})
	if err != nil {
		return err
	}
	fmt.Printf("%d books updated\n", n)
	sent(qlog)

	fmt.Printf("\n== The whole tour: %d statements in %d round trips (one orm.Insert per row would have sent %d for the inserts alone)\n",
		total.Statements(), total.RoundTrips(), len(authors)+len(books))
	return nil
}

func printPage(n int, p paginate.Page[Book]) {
	fmt.Printf("page %d, HasNext %v, Next cursor %q\n", n, p.HasNext, p.Next)
	for _, b := range p.Items {
		if b.Author != nil {
			fmt.Printf("  %d  #%-3d %-24s by %s\n", b.Year, b.ID, b.Title, b.Author.Name)
		}
	}
}

// sent prints a step's counts, then each statement by round trip (SELECT lists elided).
func sent(qlog *orm.QueryLog) {
	fmt.Printf("-> statements: %d, round trips: %d\n", qlog.Statements(), qlog.RoundTrips())
	for _, e := range qlog.Entries() {
		sql := strings.Join(strings.Fields(e.SQL), " ")
		if cols, rest, ok := strings.Cut(sql, " FROM "); ok && strings.HasPrefix(cols, "SELECT \"") {
			sql = "SELECT … FROM " + rest
		}
		if len(sql) > 240 {
			sql = sql[:240] + "…"
		}
		fmt.Printf("   %d. %s\n", e.RoundTrip, sql)
	}
}
