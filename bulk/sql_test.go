package bulk_test

import (
	"testing"
	"time"

	"github.com/batchorm/batchorm/bulk"
)

func pgCol(name string, oid, arrayOID uint32, typ, category string, length int, def string) bulk.PGColumn {
	c := bulk.PGColumn{Name: name, OID: oid, ArrayOID: arrayOID, Type: typ, Category: category, Len: length}
	if def != "" {
		c.Default = &def
	}
	return c
}

// The catalogs below are what PostgreSQL 15 reports for the test schema;
// TestCatalog_fixtures checks them against a live database.
var (
	usersCatalog = []bulk.PGColumn{
		pgCol("id", 20, 1016, "bigint", "N", 8, "nextval('users_id_seq'::regclass)"),
		pgCol("name", 25, 1009, "text", "S", -1, ""),
		pgCol("email", 25, 1009, "text", "S", -1, ""),
		pgCol("age", 23, 1007, "integer", "N", 4, "18"),
		pgCol("created_at", 1184, 1185, "timestamp with time zone", "D", 8, "now()"),
	}
	itemsCatalog = []bulk.PGColumn{
		func() bulk.PGColumn {
			c := pgCol("id", 23, 1007, "integer", "N", 4, "nextval('public.items_id_seq'::regclass)")
			c.Identity = "a"
			return c
		}(),
		pgCol("sku", 25, 1009, "text", "S", -1, ""),
		pgCol("qty", 23, 1007, "integer", "N", 4, "1"),
	}
	notesCatalog = []bulk.PGColumn{
		pgCol("body", 25, 1009, "text", "S", -1, ""),
		pgCol("tag", 25, 1009, "text", "S", -1, "'general'::text"),
		pgCol("weight", 1700, 1231, "numeric", "N", -1, "1.5"),
	}
	membershipsCatalog = []bulk.PGColumn{
		pgCol("org_id", 20, 1016, "bigint", "N", 8, ""),
		pgCol("user_id", 20, 1016, "bigint", "N", 8, ""),
		pgCol("role", 25, 1009, "text", "S", -1, ""),
	}
	// kindsCatalog holds the kinds columns TagKind maps; the enum's OIDs vary.
	kindsCatalog = []bulk.PGColumn{
		pgCol("id", 20, 1016, "bigint", "N", 8, "nextval('kinds_id_seq'::regclass)"),
		pgCol("label", 25, 1009, "text", "S", -1, ""),
		pgCol("tags", 1009, 0, "text[]", "A", -1, ""),
		pgCol("m", 90001, 90000, "mood", "E", 4, ""),
		func() bulk.PGColumn {
			c := pgCol("upper_label", 25, 1009, "text", "S", -1, "")
			c.Generated = true
			return c
		}(),
	}
)

var now = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// TagKind maps a few kinds columns: an array, an enum and a generated column.
type TagKind struct {
	ID         int64
	Label      string
	Tags       []string
	M          *string
	UpperLabel string `orm:"readonly"`
}

func (TagKind) TableName() string { return "kinds" }

func TestCreate_SQL(t *testing.T) {
	cases := []struct {
		name string
		sql  func() (string, error)
		want string
	}{
		{
			"generated id and default read back as arrays",
			func() (string, error) {
				return bulk.CreateSQL(usersCatalog, []User{{Name: "a", Age: 1}, {Name: "b", Age: 2}})
			},
			`WITH k AS MATERIALIZED (SELECT array_agg(nextval('users_id_seq'::regclass)) AS d1, array_agg(now()) AS d2 FROM generate_series(1, $4::bigint)), ` +
				`ins AS (INSERT INTO "users" AS t ("name", "email", "age", "id", "created_at") SELECT u.c1, u.c2, u.c3, k.d1[u.ord], k.d2[u.ord] ` +
				`FROM k, unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS u(c1, c2, c3, ord)) SELECT k.d1, k.d2 FROM k`,
		},
		{
			"generated values read back with RETURNING",
			func() (string, error) {
				return bulk.CreateSQL(usersCatalog, []User{{Name: "a", Age: 1}}, bulk.ViaReturning())
			},
			`WITH v AS MATERIALIZED (SELECT u.c1 AS c1, u.c2 AS c2, u.c3 AS c3, nextval('users_id_seq'::regclass) AS c4, u.ord ` +
				`FROM unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS u(c1, c2, c3, ord)), ` +
				`ins AS (INSERT INTO "users" AS t ("name", "email", "age", "id") SELECT c1, c2, c3, c4 FROM v RETURNING t."id", t."created_at") ` +
				`SELECT v.ord, ins."id", ins."created_at" FROM ins JOIN v ON ins."id" = v.c4`,
		},
		{
			"default zero in some rows only",
			func() (string, error) {
				return bulk.CreateSQL(usersCatalog, []User{{ID: 7, Name: "a"}, {Name: "b", Age: 2}}, bulk.NoReturning())
			},
			`INSERT INTO "users" ("id", "name", "email", "age") SELECT COALESCE(u.c1, nextval('users_id_seq'::regclass)), u.c2, u.c3, COALESCE(u.c4, 18) ` +
				`FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[]) AS u(c1, c2, c3, c4)`,
		},
		{
			"nothing back, small batch",
			func() (string, error) { return bulk.CreateSQL(usersCatalog, []User{{Name: "a"}}, bulk.NoReturning()) },
			`INSERT INTO "users" ("name", "email") SELECT u.c1, u.c2 FROM unnest($1::text[], $2::text[]) AS u(c1, c2)`,
		},
		{
			"values",
			func() (string, error) {
				return bulk.CreateSQL(usersCatalog, []User{{Name: "a", Age: 1}, {Name: "b", Age: 2}}, bulk.WithStrategy(bulk.Values), bulk.NoReturning())
			},
			`INSERT INTO "users" ("name", "email", "age") SELECT u.c1, u.c2, u.c3 FROM (VALUES ($1::text, $2::text, $3::integer), ($4::text, $5::text, $6::integer)) AS u(c1, c2, c3)`,
		},
		{
			"values with ids back",
			func() (string, error) {
				return bulk.CreateSQL(usersCatalog, []User{{Name: "a", Age: 1, CreatedAt: now}, {Name: "b", Age: 2, CreatedAt: now}}, bulk.WithStrategy(bulk.Values))
			},
			`WITH k AS MATERIALIZED (SELECT array_agg(nextval('users_id_seq'::regclass)) AS d1 FROM generate_series(1, $9::bigint)), ` +
				`ins AS (INSERT INTO "users" AS t ("name", "email", "age", "created_at", "id") SELECT u.c1, u.c2, u.c3, u.c4, k.d1[u.ord] ` +
				`FROM k, (VALUES ($1::text, $2::text, $3::integer, $4::timestamp with time zone, 1), ($5::text, $6::text, $7::integer, $8::timestamp with time zone, 2)) ` +
				`AS u(c1, c2, c3, c4, ord)) SELECT k.d1 FROM k`,
		},
		{
			"large batch, nothing back",
			func() (string, error) { return bulk.CreateSQL(usersCatalog, make([]User, 2000), bulk.NoReturning()) },
			`COPY`,
		},
		{
			"array, enum and generated column: RETURNING joined on the key",
			func() (string, error) { return bulk.CreateSQL(kindsCatalog, []TagKind{{Label: "a"}}) },
			`WITH v AS MATERIALIZED (SELECT u.c1 AS c1, CAST(u.c2 AS text[]) AS c2, CAST(u.c3 AS mood) AS c3, nextval('kinds_id_seq'::regclass) AS c4, u.ord ` +
				`FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS u(c1, c2, c3, ord)), ` +
				`ins AS (INSERT INTO "kinds" AS t ("label", "tags", "m", "id") SELECT c1, c2, c3, c4 FROM v RETURNING t."id", t."upper_label") ` +
				`SELECT v.ord, ins."id", ins."upper_label" FROM ins JOIN v ON ins."id" = v.c4`,
		},
		{
			"no primary key, variable-width defaults",
			func() (string, error) {
				return bulk.CreateSQL(notesCatalog, []Note{{Body: "a"}, {Body: "b", Tag: "x"}})
			},
			`WITH v AS MATERIALIZED (SELECT u.c1 AS c1, COALESCE(u.c2, 'general'::text) AS c2, 1.5 AS c3, u.ord ` +
				`FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(c1, c2, ord)), ` +
				`ins AS (INSERT INTO "notes" AS t ("body", "tag", "weight") SELECT c1, c2, c3 FROM v) SELECT v.ord, v.c2, v.c3 FROM v`,
		},
		{
			"identity always",
			func() (string, error) { return bulk.CreateSQL(itemsCatalog, []Item{{SKU: "a", Qty: 1}}) },
			`WITH k AS MATERIALIZED (SELECT array_agg(nextval('public.items_id_seq'::regclass)) AS d1 FROM generate_series(1, $3::bigint)), ` +
				`ins AS (INSERT INTO "items" AS t ("sku", "qty", "id") OVERRIDING SYSTEM VALUE SELECT u.c1, u.c2, k.d1[u.ord] ` +
				`FROM k, unnest($1::text[], $2::integer[]) WITH ORDINALITY AS u(c1, c2, ord)) SELECT k.d1 FROM k`,
		},
		{
			"every column left to its default",
			func() (string, error) { return bulk.CreateSQL(itemsCatalog, []Item{{}, {}}, bulk.NoReturning()) },
			`INSERT INTO "items" ("sku") SELECT u.c1 FROM unnest($1::text[]) AS u(c1)`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sql()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestUpsert_SQL(t *testing.T) {
	cons := map[string][]string{"users_email_key": {"email"}, "users_pkey": {"id"}}
	rows := []User{{Name: "a", Email: ptr("a@x"), Age: 1}}
	cases := []struct {
		name string
		c    bulk.Conflict
		opts []bulk.Option
		want string
	}{
		{
			"do update",
			bulk.OnConflict("email").DoUpdate("name", "Age", "name"),
			nil,
			`WITH v AS MATERIALIZED (SELECT u.c1 AS c1, u.c2 AS c2, u.c3 AS c3, u.ord FROM unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS u(c1, c2, c3, ord)), ` +
				`ins AS (INSERT INTO "users" AS t ("name", "email", "age") SELECT c1, c2, c3 FROM v ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name", "age" = EXCLUDED."age" ` +
				`RETURNING t."email", t."id", t."name", t."age", t."created_at") SELECT v.ord, ins."id", ins."name", ins."email", ins."age", ins."created_at" FROM ins JOIN v ON ins."email" = v.c2`,
		},
		{
			"do nothing on a constraint, nothing back",
			bulk.OnConstraint("users_email_key").DoNothing(),
			[]bulk.Option{bulk.NoReturning()},
			`INSERT INTO "users" AS t ("name", "email", "age") SELECT u.c1, u.c2, u.c3 FROM unnest($1::text[], $2::text[], $3::integer[]) AS u(c1, c2, c3) ` +
				`ON CONFLICT ON CONSTRAINT "users_email_key" DO NOTHING`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bulk.UpsertSQL(usersCatalog, cons, rows, tc.c, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestUpdate_SQL(t *testing.T) {
	cases := []struct {
		name string
		sql  func() (string, error)
		want string
	}{
		{
			"per row",
			func() (string, error) { return bulk.UpdateSQL(usersCatalog, []User{{ID: 1}}, []string{"Name", "age"}) },
			`UPDATE "users" AS t SET "name" = u.c2, "age" = u.c3 FROM unnest($1::bigint[], $2::text[], $3::integer[]) AS u(c1, c2, c3) WHERE t."id" = u.c1`,
		},
		{
			"per row, values",
			func() (string, error) {
				return bulk.UpdateSQL(usersCatalog, []User{{ID: 1}, {ID: 2}}, []string{"name"}, bulk.WithStrategy(bulk.Values))
			},
			`UPDATE "users" AS t SET "name" = u.c2 FROM (VALUES ($1::bigint, $2::text), ($3::bigint, $4::text)) AS u(c1, c2) WHERE t."id" = u.c1`,
		},
		{
			"array and enum cast back",
			func() (string, error) { return bulk.UpdateSQL(kindsCatalog, []TagKind{{ID: 1}}, []string{"tags", "m"}) },
			`UPDATE "kinds" AS t SET "tags" = CAST(u.c2 AS text[]), "m" = CAST(u.c3 AS mood) FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(c1, c2, c3) WHERE t."id" = u.c1`,
		},
		{
			"composite key",
			func() (string, error) {
				return bulk.UpdateSQL(membershipsCatalog, []Membership{{OrgID: 1, UserID: 2}}, []string{"role"})
			},
			`UPDATE "memberships" AS t SET "role" = u.c3 FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS u(c1, c2, c3) WHERE t."org_id" = u.c1 AND t."user_id" = u.c2`,
		},
		{
			"composite key delete",
			func() (string, error) { return bulk.DeleteSQL(membershipsCatalog, []Membership{{OrgID: 1, UserID: 2}}) },
			`DELETE FROM "memberships" AS t USING unnest($1::bigint[], $2::bigint[]) AS u(c1, c2) WHERE t."org_id" = u.c1 AND t."user_id" = u.c2`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sql()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
