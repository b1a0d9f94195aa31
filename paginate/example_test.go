package paginate_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/batchorm/batchorm/orm"
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
	codec := &paginate.Codec{Key: []byte("a secret key of 32 random bytes!")}
	token, err := paginate.CursorFor(codec, order, &row)
	if err != nil {
		log.Fatal(err)
	}
	values, err := codec.Decode(order, token)
	fmt.Println(values, err)
	// Output:
	// -score NULLS LAST,-id
	// [<nil> 42] <nil>
}

// ExampleOrderBy makes an order from keys written in code: the primary key is
// appended as tie-breaker, in the direction of the last key.
func ExampleOrderBy() {
	order, err := paginate.OrderBy[Post]("-created_at")
	fmt.Println(order, err)
	for _, k := range order.Keys() {
		fmt.Printf("%s desc=%v\n", k.Column, k.Desc)
	}

	byScore, err := paginate.OrderBy[Post]("score DESC NULLS LAST", "title")
	fmt.Println(byScore, err)

	_, err = paginate.OrderBy[Post]("nickname")
	fmt.Println(errors.Is(err, paginate.ErrInvalidSort))
	// Output:
	// -created_at,-id <nil>
	// created_at desc=true
	// id desc=true
	// -score NULLS LAST,title,id <nil>
	// true
}

// ExampleRequest pages through a table with orm's Select.Paginate, following Next: one
// statement per page, however deep.
func ExampleRequest() {
	ctx := context.Background()
	db, cleanup, err := ormtest.Open(ctx, ormtest.Schema(postsDDL))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cleanup()
	if _, err := db.Exec(ctx, `INSERT INTO posts (created_at, title, author_id)
		SELECT timestamptz '2024-01-01' + (i / 2) * interval '1 day', 'post ' || i, 1 FROM generate_series(1, 5) AS i`); err != nil {
		fmt.Println(err)
		return
	}
	order, err := paginate.ParseSort[Post]("-created_at", "created_at", "title")
	if err != nil {
		fmt.Println(err)
		return
	}
	req := paginate.Request{Codec: testCodec, Order: order, Limit: 2}
	for {
		page, err := orm.Query[Post](db).Where(orm.Eq{"author_id": 1}).Paginate(ctx, req)
		if err != nil {
			fmt.Println(err)
			return
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

// ExampleOffsetRequest jumps to a numbered page with orm's Select.PaginateOffset,
// counting the rows in the same round trip.
func ExampleOffsetRequest() {
	ctx := context.Background()
	db, cleanup, err := ormtest.Open(ctx, ormtest.Schema(postsDDL))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cleanup()
	if _, err := db.Exec(ctx, `INSERT INTO posts (created_at, title, author_id)
		SELECT now(), 'post ' || i, 1 FROM generate_series(1, 7) AS i`); err != nil {
		fmt.Println(err)
		return
	}
	page, err := orm.Query[Post](db).OrderBy("-id").
		PaginateOffset(ctx, paginate.OffsetRequest{Page: 2, Size: 3, Count: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range page.Items {
		fmt.Print(p.Title, "; ")
	}
	fmt.Println("page", page.Page, "of", (page.Total+int64(page.Size)-1)/int64(page.Size), "more:", page.HasNext)
	// Output:
	// post 4; post 3; post 2; page 2 of 3 more: true
}

// Example_batches walks a whole table in batches with orm's Select.Batches: one
// statement each, no transaction held between them.
func Example_batches() {
	ctx := context.Background()
	db, cleanup, err := ormtest.Open(ctx, ormtest.Schema(postsDDL))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cleanup()
	if _, err := db.Exec(ctx, `INSERT INTO posts (created_at, title, author_id)
		SELECT now(), 'post ' || i, i % 3 FROM generate_series(1, 2500) AS i`); err != nil {
		fmt.Println(err)
		return
	}
	total := 0
	for batch, err := range orm.Query[Post](db).Batches(ctx, 1000) {
		if err != nil {
			fmt.Println(err)
			return
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
