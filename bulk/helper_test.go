package bulk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// schema is the DDL every test database starts with.
const schema = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  email text UNIQUE,
  age integer NOT NULL DEFAULT 18,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE kinds (
  id bigserial PRIMARY KEY,
  label text NOT NULL UNIQUE,
  attrs jsonb,
  tags text[],
  grid integer[],
  m mood,
  moods mood[],
  blob bytea,
  amount numeric(12,2),
  price numeric,
  at timestamptz,
  uid uuid,
  ref uuid,
  note text,
  pos posint,
  upper_label text GENERATED ALWAYS AS (upper(label)) STORED
);
CREATE TABLE memberships (
  org_id bigint,
  user_id bigint,
  role text NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE events (
  name text NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  seq bigserial
);
CREATE TABLE notes (
  body text NOT NULL,
  tag text NOT NULL DEFAULT 'general',
  weight numeric NOT NULL DEFAULT 1.5
);
CREATE TABLE items (
  id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku text NOT NULL CONSTRAINT items_sku_key UNIQUE,
  qty int NOT NULL DEFAULT 1
);
`

// User is the plain model: generated id, a nullable unique email, two defaults.
type User struct {
	ID        int64
	Name      string
	Email     *string
	Age       int       `orm:"default"`
	CreatedAt time.Time `orm:"default"`
}

// Kind has a column of every type bulk must carry.
type Kind struct {
	ID         int64
	Label      string
	Attrs      map[string]any // jsonb
	Tags       []string       // text[]
	Grid       [][]int32      // integer[] with two dimensions
	M          *Mood          // enum
	Moods      []Mood         // enum[]
	Blob       []byte         // bytea
	Amount     pgtype.Numeric // numeric(12,2)
	Price      *string        // numeric, sent as text
	At         *time.Time     // timestamptz
	UID        pgtype.UUID    // uuid
	Ref        *string        // uuid, sent as text
	Note       *string
	Pos        *int   // domain over integer
	UpperLabel string `orm:"readonly"`
}

// Mood is a Go type for the mood enum.
type Mood string

// Membership has a composite primary key.
type Membership struct {
	OrgID  int64 `orm:"pk"`
	UserID int64 `orm:"pk"`
	Role   string
}

// Event has no primary key.
type Event struct {
	Name string
	At   time.Time `orm:"default"`
	Seq  int64     `orm:"default"`
}

// Note has no primary key and variable-width DEFAULTs.
type Note struct {
	Body   string
	Tag    string `orm:"default"`
	Weight string `orm:"default"`
}

// Item has an identity ALWAYS key.
type Item struct {
	ID  int32  `orm:"default"`
	SKU string `db:"sku"`
	Qty int32  `orm:"default"`
}

func mustDB(t testing.TB) *orm.DB {
	t.Helper()
	return ormtest.New(t, ormtest.Schema(schema))
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ptr[V any](v V) *V { return &v }

func mustExec(t testing.TB, ctx context.Context, db *orm.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func mustCount(t testing.TB, ctx context.Context, db *orm.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func makeUsers(n int) []User {
	out := make([]User, n)
	for i := range out {
		out[i] = User{Name: fmt.Sprintf("user-%06d", i), Email: ptr(fmt.Sprintf("u%d@example.com", i)), Age: 20 + i%50}
	}
	return out
}

// mustUsersByID reads the users table as id -> user.
func mustUsersByID(t testing.TB, ctx context.Context, db *orm.DB) map[int64]User {
	t.Helper()
	rows, err := orm.Query[User](db).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[int64]User, len(rows))
	for _, u := range rows {
		out[u.ID] = u
	}
	return out
}

// An *orm.DB is a bulk.Querier.
var _ bulk.Querier = (*orm.DB)(nil)
