package paginate_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// ExampleParseSort parses a user's ?sort= against an allowlist.
func ExampleParseSort() {
	order, err := paginate.ParseSort[Post]("-created_at,title", "created_at", "title")
	fmt.Println(order, err)

	_, err = paginate.ParseSort[Post]("-author_id", "created_at", "title")
	fmt.Println(err)
	fmt.Println(errors.Is(err, paginate.ErrInvalidSort))
	// Output:
	// -created_at,title,id <nil>
	// paginate: sort field "author_id" on model paginate_test.Post: not an allowed sort field (allowed: created_at, title)
	// true
}

// ExampleCodec signs cursors: a token altered by a client is refused.
func ExampleCodec() {
	codec := &paginate.Codec{Key: []byte("a secret key of at least 16 bytes")}
	order, err := paginate.OrderBy[Post]("-created_at")
	if err != nil {
		log.Fatal(err)
	}
	token, err := codec.Encode(order, []any{time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), int64(42)})
	if err != nil {
		log.Fatal(err)
	}
	values, err := codec.Decode(order, token)
	fmt.Println(values, err)

	c := "A"
	if token[10] == 'A' {
		c = "B"
	}
	forged := token[:10] + c + token[11:] // one character changed
	_, err = codec.Decode(order, forged)
	fmt.Println(err, errors.Is(err, paginate.ErrInvalidCursor))
	// Output:
	// [2024-05-01 12:00:00 +0000 UTC 42] <nil>
	// paginate: invalid cursor: bad signature true
}

// ExampleCursorFor makes the cursor of a row in hand, for a link to the posts that
// follow it, and lets the allowlist put NULL scores last whichever way users sort.
func ExampleCursorFor() {
	order, err := paginate.ParseSort[Post]("-score", "created_at", "score NULLS LAST")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(order)
	row := Post{ID: 42, Score: nil}
	token, err := paginate.CursorFor(nil, order, &row)
	if err != nil {
		log.Fatal(err)
	}
	values, err := (*paginate.Codec)(nil).Decode(order, token)
	fmt.Println(values, err)
	// Output:
	// -score NULLS LAST,-id
	// [<nil> 42] <nil>
}

// ExampleKeyset pages through a table on any querier, following Next.
func ExampleKeyset() {
	ctx := context.Background()
	db, cleanup, err := ormtest.Open(ctx, ormtest.Schema(postsDDL))
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	if _, err := db.Exec(ctx, `INSERT INTO posts (created_at, title, author_id)
		SELECT timestamptz '2024-01-01' + (i / 2) * interval '1 day', 'post ' || i, 1 FROM generate_series(1, 5) AS i`); err != nil {
		log.Fatal(err)
	}
	order, err := paginate.ParseSort[Post]("-created_at", "created_at", "title")
	if err != nil {
		log.Fatal(err)
	}
	req := paginate.Request{Order: order, Limit: 2}
	for {
		page, err := paginate.Keyset[Post](ctx, db, req)
		if err != nil {
			log.Fatal(err)
		}
		var line []string
		for _, p := range page.Items {
			line = append(line, p.Title+" ("+p.CreatedAt.UTC().Format("Jan 2")+")")
		}
		fmt.Println(strings.Join(line, "; "))
		if !page.HasNext {
			break
		}
		req.After = page.Next
	}
	// Output:
	// post 5 (Jan 3); post 4 (Jan 3)
	// post 3 (Jan 2); post 2 (Jan 2)
	// post 1 (Jan 1)
}

// ExampleBatches walks a whole table in batches, one statement each.
func ExampleBatches() {
	ctx := context.Background()
	db, cleanup, err := ormtest.Open(ctx, ormtest.Schema(postsDDL))
	if err != nil {
		log.Fatal(err)
	}
	defer cleanup()
	if _, err := db.Exec(ctx, `INSERT INTO posts (created_at, title, author_id)
		SELECT now(), 'post ' || i, i % 3 FROM generate_series(1, 2500) AS i`); err != nil {
		log.Fatal(err)
	}
	total := 0
	for batch, err := range paginate.Batches[Post](ctx, db, paginate.Order{}, 1000) {
		if err != nil {
			log.Fatal(err)
		}
		total += len(batch)
		fmt.Println("batch of", len(batch))
	}
	fmt.Println("total", total)
	// Output:
	// batch of 1000
	// batch of 1000
	// batch of 500
	// total 2500
}
