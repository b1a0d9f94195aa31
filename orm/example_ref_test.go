package orm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// A Ref field tells a relation that was not loaded from one loaded with no row.
func ExampleRef() {
	type Author struct {
		ID   int64
		Name string
	}
	type Note struct {
		ID       int64
		AuthorID *int64
		Body     string
		Author   orm.Ref[Author] `orm:"belongs-to"`
	}
	err := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		db, drop, err := ormtest.Open(ctx, ormtest.Schema(`
			CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL);
			CREATE TABLE notes (id bigserial PRIMARY KEY, author_id bigint REFERENCES authors, body text NOT NULL);
			INSERT INTO authors (name) VALUES ('ann');
			INSERT INTO notes (author_id, body) VALUES (1, 'signed'), (NULL, 'anonymous');`))
		if err != nil {
			return err
		}
		defer drop()
		show := func(notes []Note) {
			for _, n := range notes {
				author, loaded := n.Author.Get()
				switch {
				case !loaded:
					fmt.Printf("%s: author not loaded\n", n.Body)
				case author == nil:
					fmt.Printf("%s: no author\n", n.Body)
				default:
					fmt.Printf("%s: by %s\n", n.Body, author.Name)
				}
			}
		}
		notes, err := orm.Query[Note](db).OrderBy("id").All(ctx)
		if err != nil {
			return err
		}
		show(notes)
		if notes, err = orm.Query[Note](db).OrderBy("id").Preload("Author").All(ctx); err != nil {
			return err
		}
		show(notes)
		return nil
	}()
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// signed: author not loaded
	// anonymous: author not loaded
	// signed: by ann
	// anonymous: no author
}
