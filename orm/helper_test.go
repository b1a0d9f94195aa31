package orm_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

const schema = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TABLE users (
	id         bigserial PRIMARY KEY,
	name       text NOT NULL,
	email      text UNIQUE,
	age        integer,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE posts (
	id        bigserial PRIMARY KEY,
	user_id   bigint NOT NULL REFERENCES users(id),
	title     text NOT NULL,
	published boolean NOT NULL DEFAULT false
);
CREATE TABLE kitchen_sinks (
	id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	price     numeric(12,4) NOT NULL,
	ratio     double precision,
	flag      boolean,
	born      date,
	seen_at   timestamp,
	at        timestamptz,
	doc       jsonb,
	blob      bytea,
	tags      text[],
	scores    integer[],
	feeling   mood,
	qty       posint,
	note      text,
	small     smallint
);
CREATE TABLE memberships (
	group_id  integer NOT NULL,
	user_id   bigint NOT NULL,
	role      text NOT NULL,
	PRIMARY KEY (group_id, user_id)
);
`

type User struct {
	ID        int64   `db:"id"`
	Name      string  `db:"name"`
	Email     *string `db:"email"`
	Age       sql.NullInt32
	CreatedAt time.Time `db:"created_at" orm:"default"`
	Posts     []Post    `orm:"has-many"`
}

type Post struct {
	ID        int64  `db:"id"`
	UserID    int64  `db:"user_id"`
	Title     string `db:"title"`
	Published bool   `db:"published"`
	User      *User  `orm:"belongs-to"`
}

type KitchenSink struct {
	ID      pgtype.UUID      `db:"id" orm:"pk,default"`
	Price   pgtype.Numeric   `db:"price"`
	Ratio   *float64         `db:"ratio"`
	Flag    sql.NullBool     `db:"flag"`
	Born    pgtype.Date      `db:"born"`
	SeenAt  pgtype.Timestamp `db:"seen_at"`
	At      *time.Time       `db:"at"`
	Doc     json.RawMessage  `db:"doc"`
	Blob    []byte           `db:"blob"`
	Tags    []string         `db:"tags"`
	Scores  []int32          `db:"scores"`
	Feeling *string          `db:"feeling"`
	Qty     *int32           `db:"qty"`
	Note    sql.NullString   `db:"note"`
	Small   int16            `db:"small"`
}

type Membership struct {
	GroupID int32  `db:"group_id" orm:"pk"`
	UserID  int64  `db:"user_id" orm:"pk"`
	Role    string `db:"role"`
}

func newDB(t testing.TB) *orm.DB {
	t.Helper()
	return ormtest.New(t, ormtest.Schema(schema))
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustExec(t testing.TB, db *orm.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Exec(testCtx(t), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

func ptr[T any](v T) *T { return &v }

// mustAll runs query (a Select's All) under ormtest.AssertCounts, failing t unless it
// sends exactly want, and returns its rows.
func mustAll[T any](t testing.TB, ctx context.Context, want ormtest.Counts, query func(context.Context) ([]T, error)) []T {
	t.Helper()
	var rows []T
	ormtest.AssertCounts(t, ctx, want, func(ctx context.Context) {
		var err error
		if rows, err = query(ctx); err != nil {
			t.Fatal(err)
		}
	})
	return rows
}

// testCodec makes the cursors of the tests: unsigned, so tests can craft them.
var testCodec = &paginate.Codec{Unsigned: true}
