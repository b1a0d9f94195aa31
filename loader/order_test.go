package loader_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Preload statements send no ORDER BY by default; each parent's children are put in
// primary-key order in memory. These tests load rows whose physical order is not
// their key order, so the server returns them out of order, and check the promise on
// the rows.

// shuffledData inserts every table in descending key order, so a scan returns rows
// backwards, then moves a third of the posts to the end of the heap with an UPDATE:
// the rows of one parent arrive out of primary-key order and interleaved with other
// parents' rows.
const shuffledData = `
INSERT INTO users (id, name, created_at) SELECT g, 'user-' || g, '2024-01-01' FROM generate_series(20, 1, -1) g;
INSERT INTO posts (id, author_id, editor_id, title, score, published, created_at)
SELECT g, 1 + g % 20, CASE WHEN g % 4 = 0 THEN 1 + g % 7 END, 'post ' || g, g % 9, true, '2024-01-01'
FROM generate_series(300, 1, -1) g;
UPDATE posts SET score = score + 1 WHERE id % 3 = 0;
INSERT INTO comments (id, post_id, author_id, body, score)
SELECT g, 1 + g % 300, 1 + g % 20, 'comment ' || g, g % 5 FROM generate_series(900, 1, -1) g;
INSERT INTO tags (id, name) SELECT g, 'tag-' || g FROM generate_series(12, 1, -1) g;
INSERT INTO post_tags (post_id, tag_id)
SELECT p, t FROM generate_series(300, 1, -1) p CROSS JOIN generate_series(12, 1, -1) t WHERE (p + t) % 4 = 0;
INSERT INTO sensors (id) SELECT g FROM generate_series(1, 5) g;
INSERT INTO readings (at, sensor_id, value) SELECT g / 10.0, 1 + g % 5, g FROM generate_series(100, 1, -1) g;
ANALYZE;
`

// Desk has one Lamp, but the lamps table allows several per desk: the one with the
// lowest primary key is the lamp, as with ORDER BY id and the first row.
type Desk struct {
	ID   int64
	Lamp *Lamp `orm:"has-one"`
}

type Lamp struct {
	ID     int64
	DeskID int64
	Watts  int32
}

const desksDDL = `
CREATE TABLE desks (id bigint PRIMARY KEY);
CREATE TABLE lamps (id bigint PRIMARY KEY, desk_id bigint NOT NULL REFERENCES desks(id), watts integer NOT NULL);
INSERT INTO desks (id) SELECT g FROM generate_series(1, 10) g;
INSERT INTO lamps (id, desk_id, watts) SELECT g, 1 + g % 9, g FROM generate_series(60, 1, -1) g;
`

func TestPreload_orderInMemory_rowsArriveOutOfOrder(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(schemaDDL), ormtest.Schema(shuffledData), ormtest.Schema(desksDDL))
	ctx := testCtx(t)

	// The statement really returns each user's posts out of key order.
	st := mustStatement[User](t, loader.Path("Posts"))
	arrived := rowtest.MustQuery(t, ctx, db, scanPost, st, userIDs(20))
	if inKeyOrder(arrived) {
		t.Fatalf("the data should make the posts arrive out of (author_id, id) order")
	}

	users := rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users ORDER BY id")
	want := rowtest.MustQuery(t, ctx, db, scanUser, "SELECT "+userCols+" FROM users ORDER BY id")
	ormtest.AssertCounts(t, ctx, counts(4, 2), func(ctx context.Context) {
		if err := loader.Preload(ctx, db, users, "Posts.Comments", "Posts.Tags", "Edited"); err != nil {
			t.Fatal(err)
		}
	})
	for i := range want {
		u := &want[i]
		u.Posts = naivePosts(t, ctx, db, "author_id", u.ID)
		u.Edited = ptrs(naivePosts(t, ctx, db, "editor_id", u.ID))
		for j := range u.Posts {
			p := &u.Posts[j]
			p.Comments = naiveComments(t, ctx, db, p.ID)
			p.Tags = naiveTags(t, ctx, db, p.ID)
		}
	}
	rowtest.RequireEqual(t, want, users)

	t.Run("has-one picks the lowest primary key", func(t *testing.T) {
		desks := rowtest.MustQuery(t, ctx, db, func(r pgx.CollectableRow) (Desk, error) {
			var d Desk
			return d, r.Scan(&d.ID)
		}, "SELECT id FROM desks ORDER BY id")
		ormtest.AssertCounts(t, ctx, one(1), func(ctx context.Context) {
			if err := loader.Preload(ctx, db, desks, "Lamp"); err != nil {
				t.Fatal(err)
			}
		})
		for _, d := range desks {
			var lowest int64
			for g := int64(60); g >= 1; g-- {
				if 1+g%9 == d.ID {
					lowest = g
				}
			}
			switch {
			case lowest == 0 && d.Lamp != nil:
				t.Errorf("desk %d: want no lamp, got %+v", d.ID, d.Lamp)
			case lowest != 0 && (d.Lamp == nil || d.Lamp.ID != lowest || d.Lamp.DeskID != d.ID):
				t.Errorf("desk %d: want lamp %d, got %+v", d.ID, lowest, d.Lamp)
			}
		}
	})

	t.Run("a primary key without an order in Go is sorted on the server", func(t *testing.T) {
		sensors := []Sensor{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4}, {ID: 5}}
		ormtest.AssertCounts(t, ctx, one(1), func(ctx context.Context) {
			if err := loader.Preload(ctx, db, sensors, "Readings"); err != nil {
				t.Fatal(err)
			}
		})
		for _, s := range sensors {
			if len(s.Readings) != 20 {
				t.Fatalf("sensor %d: want 20 readings, got %d", s.ID, len(s.Readings))
			}
			for j, r := range s.Readings {
				if r.SensorID != s.ID || j > 0 && r.At <= s.Readings[j-1].At {
					t.Fatalf("sensor %d: readings out of order or misattached: %+v", s.ID, s.Readings)
				}
			}
		}
	})
}

// inKeyOrder reports whether posts come grouped by author, each author's in id order.
func inKeyOrder(posts []Post) bool {
	for i := 1; i < len(posts); i++ {
		a, b := posts[i-1], posts[i]
		if a.AuthorID > b.AuthorID || a.AuthorID == b.AuthorID && a.ID > b.ID {
			return false
		}
	}
	return true
}
