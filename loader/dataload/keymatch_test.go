package dataload_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// Slot is keyed by a timestamptz: PostgreSQL compares instants at microsecond
// precision, Go's == compares the location and the monotonic reading too.
type Slot struct {
	At    time.Time `db:"at" orm:"pk"`
	Label string    `db:"label"`

	Bookings []Booking `orm:"has-many,fk:slot_at"`
}

type Booking struct {
	ID     int64     `db:"id"`
	SlotAt time.Time `db:"slot_at"`
	Who    string    `db:"who"`
}

// Code is keyed by text: 'a' and 'A' are two keys in SQL and in Go.
type Code struct {
	Code string `db:"code" orm:"pk"`
	Name string `db:"name"`
}

const keyMatchDDL = `
CREATE TABLE slots (at timestamptz PRIMARY KEY, label text NOT NULL);
CREATE TABLE bookings (id bigint PRIMARY KEY, slot_at timestamptz NOT NULL REFERENCES slots(at), who text NOT NULL);
CREATE TABLE codes (code text PRIMARY KEY, name text NOT NULL);
INSERT INTO slots VALUES ('2024-03-01 10:00:00.123456+00', 'morning'), ('2024-03-01 15:00:00+00', 'afternoon');
INSERT INTO bookings VALUES (1, '2024-03-01 10:00:00.123456+00', 'ann'), (2, '2024-03-01 10:00:00.123456+00', 'bob'),
	(3, '2024-03-01 15:00:00+00', 'cy');
INSERT INTO codes VALUES ('a', 'lower'), ('A', 'upper');`

// TestLoaders_keyMatching: a row is matched to the key it answers as PostgreSQL
// compares them, not as Go's == does: a time.Time key finds its row in any location
// and with nanoseconds beyond the column's microseconds (what a query for that key
// alone returns); strings differing in case stay different keys.
func TestLoaders_keyMatching(t *testing.T) {
	t.Parallel()
	db, ctx := ormtest.New(t, ormtest.Schema(keyMatchDDL)), mustCtx(t)
	slots, err := dataload.Key[Slot, time.Time]()
	if err != nil {
		t.Fatal(err)
	}
	bookings, err := dataload.Relation[Slot, Booking, time.Time]("Bookings")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := dataload.Key[Code, string]()
	if err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2024, 3, 1, 10, 0, 0, 123456000, time.UTC)
	paris := time.FixedZone("CET", 3600)
	timeKeys := []time.Time{
		morning,
		morning.In(paris), // the same instant elsewhere
		morning.Add(789),  // nanoseconds the column does not keep
		time.Date(2024, 3, 1, 16, 0, 0, 0, paris),    // 15:00 UTC
		time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC), // no row
	}
	wantLabel := []string{"morning", "morning", "morning", "afternoon", "not found"}
	wantWho := []string{"[ann bob]", "[ann bob]", "[ann bob]", "[cy]", "[]"}
	for i, k := range timeKeys { // what a query per key returns
		var n int
		if err := db.Pool().QueryRow(ctx, "SELECT count(*) FROM slots WHERE at = $1", k).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := wantLabel[i] != "not found"; (n == 1) != want {
			t.Fatalf("a query for %v alone finds %d rows", k, n)
		}
	}
	strKeys := []string{"a", "A", "b"}
	wantName := []string{"lower", "upper", "not found"}

	gotLabel := make([]string, len(timeKeys))
	gotWho := make([]string, len(timeKeys))
	gotName := make([]string, len(strKeys))
	ormtest.AssertStatements(t, ctx, 3, func(ctx context.Context) {
		rctx := mustRequest(t, ctx, db, dataload.WithWait(roundWait))
		runAll(2*len(timeKeys)+len(strKeys), func(i int) {
			switch {
			case i < len(timeKeys):
				s, err := slots.Load(rctx, timeKeys[i])
				gotLabel[i] = describe(err, func() string { return s.Label })
			case i < 2*len(timeKeys):
				i -= len(timeKeys)
				bs, err := bookings.Load(rctx, timeKeys[i])
				gotWho[i] = describe(err, func() string {
					who := []string{}
					for _, b := range bs {
						who = append(who, b.Who)
					}
					return fmt.Sprint(who)
				})
			default:
				i -= 2 * len(timeKeys)
				c, err := codes.Load(rctx, strKeys[i])
				gotName[i] = describe(err, func() string { return c.Name })
			}
		})
	})
	for i, k := range timeKeys {
		if gotLabel[i] != wantLabel[i] {
			t.Errorf("slot %v: got %s, want %s (the row a query for that key returns)", k, gotLabel[i], wantLabel[i])
		}
		if gotWho[i] != wantWho[i] {
			t.Errorf("bookings of slot %v: got %s, want %s", k, gotWho[i], wantWho[i])
		}
	}
	for i, k := range strKeys {
		if gotName[i] != wantName[i] {
			t.Errorf("code %q: got %s, want %s", k, gotName[i], wantName[i])
		}
	}
}

func describe(err error, ok func() string) string {
	switch {
	case errors.Is(err, dataload.ErrNotFound):
		return "not found"
	case err != nil:
		return err.Error()
	}
	return ok()
}
