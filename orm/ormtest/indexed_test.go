package ormtest_test

import (
	"strings"
	"testing"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// An index that holds the foreign key as a later column does not serve a preload by
// it: with sequential scans off PostgreSQL walks the whole index and no Seq Scan shows,
// which the old check took for an index. The new one reads the Index Cond against the
// index's leading columns.
func TestAssertIndexed_keyNotLeading(t *testing.T) {
	t.Parallel()
	db := ormtest.New(t, ormtest.Schema(`CREATE TABLE owners (id bigserial PRIMARY KEY, name text NOT NULL);
		CREATE TABLE items (id bigserial PRIMARY KEY, a int NOT NULL, owner_id bigint NOT NULL REFERENCES owners, body text NOT NULL);
		CREATE INDEX items_a_owner_id_idx ON items (a, owner_id);
		CREATE TABLE links (x bigint NOT NULL, owner_id bigint NOT NULL REFERENCES owners, PRIMARY KEY (x, owner_id));
		INSERT INTO owners (name) SELECT 'o' || g FROM generate_series(1, 5) g;
		INSERT INTO items (a, owner_id, body) SELECT g % 3, 1 + g % 5, 'x' FROM generate_series(1, 30) g;
		INSERT INTO links SELECT g, 1 + g % 5 FROM generate_series(1, 30) g;
		ANALYZE`))
	ctx := ctxFor(t)
	owners := orm.Query[owner](db).Where(orm.Eq{"id": 1})
	tests := map[string]struct {
		preload, table, index string
		plan                  string // the plan still reads an index: the old check passed
	}{
		"index on (a, fk)":    {preload: "Items", table: "items", index: `"items_owner_id_idx" ON "items" ("owner_id")`, plan: "items_a_owner_id_idx"},
		"primary key (x, fk)": {preload: "Links", table: "links", index: `"links_owner_id_idx" ON "links" ("owner_id")`, plan: "links_pkey"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{TB: t}
			plans := ormtest.AssertIndexed(rec, ctx, owners.Preload(tt.preload))
			if len(plans) != 2 || len(plans[1].Plan.SeqScans()) != 0 {
				t.Fatalf("want the preload planned on an index, with no Seq Scan:\n%v", plans)
			}
			if len(rec.errors) != 1 {
				t.Fatalf("want one failure, got %q", rec.errors)
			}
			msg := rec.errors[0]
			for _, want := range []string{
				"no index serves preload " + tt.preload + " on " + tt.table,
				`"owner_id" = ANY($1)`, // the statement
				"not led by an index: owner_id",
				tt.plan, // the plan
				"proposed: CREATE INDEX CONCURRENTLY IF NOT EXISTS " + tt.index + ";",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("failure lacks %q:\n%s", want, msg)
				}
			}
		})
	}
	// The index proposed serves the preload.
	for _, ddl := range []string{"CREATE INDEX items_owner_id_idx ON items (owner_id)", "CREATE INDEX links_owner_id_idx ON links (owner_id)"} {
		if _, err := db.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{TB: t}
	ormtest.AssertIndexed(rec, ctx, owners.Preload("Items").Preload("Links"))
	if len(rec.errors) != 0 {
		t.Fatalf("indexed preloads: %q", rec.errors)
	}
}

type owner struct {
	ID    int64
	Name  string
	Items []item `orm:"has-many"`
	Links []link `orm:"has-many"`
}

type item struct {
	ID      int64
	A       int
	OwnerID int64
	Body    string
}

type link struct {
	X       int64 `orm:"pk"`
	OwnerID int64 `orm:"pk"`
}
