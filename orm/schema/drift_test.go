package schema_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/orm/schema"
)

var blog = []any{&User{}, &Post{}, &Comment{}, &Label{}}

func mustDDL(t testing.TB, models ...any) string {
	t.Helper()
	ddl, err := schema.DDL(models...)
	if err != nil {
		t.Fatal(err)
	}
	return ddl
}

func mustExec(t testing.TB, ctx context.Context, db *orm.DB, sql string) {
	t.Helper()
	if _, err := db.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// mustDrift runs Drift and checks it sent exactly one catalog statement and no
// data statement.
func mustDrift(t testing.TB, ctx context.Context, db *orm.DB, models ...any) *schema.Report {
	t.Helper()
	lctx, qlog := orm.WithQueryLog(ctx)
	rep, err := schema.Drift(lctx, db, models...)
	if err != nil {
		t.Fatal(err)
	}
	if qlog.CatalogStatements() != 1 || qlog.Statements() != 0 {
		t.Errorf("Drift sent %d catalog and %d data statements, want 1 and 0:\n%s", qlog.CatalogStatements(), qlog.Statements(), qlog)
	}
	return rep
}

func lines(r *schema.Report) []string {
	var out []string
	for _, d := range r.Differences {
		out = append(out, d.String())
	}
	return out
}

// TestDrift_inSync: the emitted DDL, executed, has no drift, for every golden model
// set (cycles and link tables included).
func TestDrift_inSync(t *testing.T) {
	t.Parallel()
	sets := map[string][]any{"blog": blog, "kinds": {Kind{}}, "cycles": {Node{}, Left{}, Right{}}}
	for name, models := range sets {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := ormtest.New(t, ormtest.Schema(mustDDL(t, models...)))
			rep := mustDrift(t, ctx, db, models...)
			if err := rep.Err(); err != nil {
				t.Fatalf("fresh DDL drifts: %v", err)
			}
			if rep.String() != "schema: in sync with the models" {
				t.Errorf("String of an empty report: %q", rep.String())
			}
		})
	}
}

// TestDrift_changes: each alteration of a freshly created schema is named, and only
// it.
func TestDrift_changes(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		alter string
		want  []string
	}{
		"index dropped": {
			`DROP INDEX users_name_created`,
			[]string{`users: missing index users_name_created: want (name, created_at DESC), got none`},
		},
		"column type changed": {
			`ALTER TABLE posts ALTER COLUMN title TYPE varchar(200)`,
			[]string{`posts: column type title: want text, got character varying(200)`},
		},
		"NOT NULL dropped": {
			`ALTER TABLE comments ALTER COLUMN body DROP NOT NULL`,
			[]string{`comments: column nullability body: want NOT NULL, got NULL`},
		},
		"index columns in another order": {
			`DROP INDEX comments_post_id_id; CREATE INDEX comments_post_id_id ON comments (votes, post_id)`,
			[]string{`comments: index shape comments_post_id_id: want (post_id, votes), got (votes, post_id)`,
				// and the foreign key post_id now leads no index: (votes, post_id) does not count
				`comments: foreign key without an index led by it (post_id): want an index led by (post_id), got none`},
		},
		"direction changed": {
			`DROP INDEX users_name_created; CREATE INDEX users_name_created ON users (name, created_at)`,
			[]string{`users: index shape users_name_created: want (name, created_at DESC), got (name, created_at)`},
		},
		"predicate and include changed": {
			`DROP INDEX posts_live_by_author; CREATE INDEX posts_live_by_author ON posts (author_id, id DESC) WHERE price > 0`,
			[]string{`posts: index shape posts_live_by_author: want (author_id, id DESC) INCLUDE (title) WHERE deleted_at IS NULL, got (author_id, id DESC) WHERE price > 0::numeric`},
		},
		"unique lost": {
			`ALTER TABLE users DROP CONSTRAINT users_email_key; CREATE INDEX users_email_key ON users (email)`,
			[]string{`users: index shape users_email_key: want UNIQUE (email), got (email)`},
		},
		"index under another name counts": {
			`ALTER INDEX users_name_created RENAME TO by_name`,
			nil,
		},
		"missing and extra columns": {
			`ALTER TABLE users DROP COLUMN bio; ALTER TABLE users ADD COLUMN nickname text`,
			[]string{`users: missing column bio: want text NULL, got none`, `users: extra column nickname: want none, got text NULL`},
		},
		"foreign key and its index dropped": {
			`ALTER TABLE posts DROP CONSTRAINT posts_author_id_fkey; DROP INDEX posts_author_id_idx`,
			[]string{`posts: missing constraint foreign key (author_id): want users (id), got none`,
				`posts: foreign key without an index led by it (author_id): want an index led by (author_id), got none`},
		},
		"primary key dropped": {
			`ALTER TABLE post_labels DROP CONSTRAINT post_labels_pkey`,
			[]string{`post_labels: missing constraint primary key: want (post_id, label_id), got none`,
				`post_labels: foreign key without an index led by it (post_id): want an index led by (post_id), got none`},
		},
		"table missing": {
			`DROP TABLE post_labels`,
			[]string{`post_labels: missing table`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db := ormtest.New(t, ormtest.Schema(mustDDL(t, blog...)))
			mustExec(t, ctx, db, tc.alter)
			rep := mustDrift(t, ctx, db, blog...)
			if got := lines(rep); !slices.Equal(got, tc.want) {
				t.Errorf("after %s:\n got %q\nwant %q", tc.alter, got, tc.want)
			}
			if err := rep.Err(); (err != nil) != (len(tc.want) > 0) || (err != nil && !errors.Is(err, schema.ErrDrift)) {
				t.Errorf("Err() = %v", err)
			}
			ft := &fakeT{TB: t}
			ormtest.AssertSchema(ft, ctx, db, blog...)
			if ft.failed != (len(tc.want) > 0) || (ft.failed && !strings.Contains(ft.msg, tc.want[0])) {
				t.Errorf("AssertSchema failed=%v (%s), want failed=%v", ft.failed, ft.msg, len(tc.want) > 0)
			}
		})
	}
}

// TestDrift_handWritten: a schema written by hand with other spellings (bigserial,
// int8, timestamptz, an unnamed index) is in sync with the models that match it.
func TestDrift_handWritten(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := ormtest.New(t, ormtest.Schema(`
CREATE TABLE nodes (id bigserial PRIMARY KEY, parent_id int8 REFERENCES nodes);
CREATE TABLE lefts (id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY, right_id bigint);
CREATE TABLE rights (id bigserial PRIMARY KEY, left_id bigint REFERENCES lefts);
ALTER TABLE lefts ADD FOREIGN KEY (right_id) REFERENCES rights;
CREATE INDEX ON lefts (right_id, id);
CREATE INDEX ON rights (left_id);`))
	rep := mustDrift(t, ctx, db, Node{}, Left{}, Right{})
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
}
