package main

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm/ormtest"
)

func TestMain(m *testing.M) { ormtest.Main(m) }

// TestServer_statementsPerQuery: each level of a nested query costs one statement,
// whatever the number of authors: 50 or 100 authors with their posts and comments
// cost 3; adding each post's author costs one more statement in the comments' round trip.
func TestServer_statementsPerQuery(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := ormtest.New(t, ormtest.Schema(schema))
	// The count of a level is one statement only if all its resolvers ask within the
	// wait: on a loaded CI machine under -race, goroutines start late, so the test
	// waits 50 ms where the program waits 5.
	h, err := newServer(db, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	cases := []struct {
		name, query            string
		statements, roundTrips int
	}{
		{"authors", `{ authors(first: 50) { id name } }`, 1, 1},
		{"50 authors → posts → comments", `{ authors(first: 50) { name posts { title comments { body } } } }`, 3, 3},
		{"100 authors → posts → comments", `{ authors(first: 100) { name posts { title comments { body } } } }`, 3, 3},
		{"posts → author + comments", `{ authors(first: 50) { posts { author { name } comments { id } } } }`, 4, 3},
	}
	for _, c := range cases {
		res, err := post(ctx, ts.URL, c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.Statements != c.statements || res.RoundTrips != c.roundTrips {
			t.Errorf("%s: %d statements in %d round trips, want %d in %d", c.name, res.Statements, res.RoundTrips, c.statements, c.roundTrips)
		}
		if len(res.Data) < 100 {
			t.Errorf("%s: answer %s", c.name, res.Data)
		}
	}
}
