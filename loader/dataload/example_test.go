package dataload_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// exampleDDL: five authors with one post each; post n has n comments.
const exampleDDL = `
CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL, deleted_at timestamptz);
CREATE TABLE posts (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors(id), title text NOT NULL);
CREATE TABLE comments (id bigserial PRIMARY KEY, post_id bigint NOT NULL REFERENCES posts(id), body text NOT NULL);
INSERT INTO authors (name) SELECT 'author-' || g FROM generate_series(1, 5) g;
INSERT INTO posts (author_id, title) SELECT g, 'post ' || g FROM generate_series(1, 5) g;
INSERT INTO comments (post_id, body) SELECT p, 'comment' FROM generate_series(1, 5) p, generate_series(1, p) k;
`

// Example: ten goroutines each ask for one author and the comments of one post; the
// request sends two statements in one round trip.
func Example() {
	if err := example(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		log.Print(err)
	}
	// Output:
	// author 1: author-1
	// author 2: author-2
	// author 3: author-3
	// author 4: author-4
	// author 5: author-5
	// comments of post 1: 1
	// comments of post 2: 2
	// comments of post 3: 3
	// comments of post 4: 4
	// comments of post 5: 5
	// 2 statements, 1 round trip
}

func example() error {
	ctx := context.Background()
	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(exampleDDL))
	if err != nil {
		return err
	}
	defer done()

	authors, err := dataload.Key[Author, int64]()
	if err != nil {
		return err
	}
	comments, err := dataload.Relation[Post, Comment, int64]("Comments")
	if err != nil {
		return err
	}

	ctx, queries := orm.WithQueryLog(ctx)
	// The wait lets all ten goroutines ask before the statements leave, even on a
	// loaded machine; the default (a millisecond) suits resolvers already running, not
	// goroutines still starting.
	ctx, err = dataload.NewRequest(ctx, db, dataload.WithWait(500*time.Millisecond))
	if err != nil {
		return err
	}
	names := make([]string, 5)
	counts := make([]int, 5)
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			var a *Author
			if a, errs[i] = authors.Load(ctx, int64(i+1)); a != nil {
				names[i] = a.Name
			}
		})
		wg.Go(func() {
			var cs []*Comment
			cs, errs[5+i] = comments.Load(ctx, int64(i+1))
			counts[i] = len(cs)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i, n := range names {
		fmt.Printf("author %d: %s\n", i+1, n)
	}
	for i, n := range counts {
		fmt.Printf("comments of post %d: %d\n", i+1, n)
	}
	fmt.Printf("%d statements, %d round trip\n", queries.Statements(), queries.RoundTrips())
	return nil
}
