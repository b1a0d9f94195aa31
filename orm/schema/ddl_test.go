package schema_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/orm/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestDDL_golden: the DDL of each model set is exactly its golden file
// (testdata/<name>.sql; go test -update rewrites them), and the same on every call.
func TestDDL_golden(t *testing.T) {
	tests := map[string][]any{
		"blog":  {&User{}, &Post{}, &Comment{}, &Label{}},
		"kinds": {Kind{}},
		// Node refers to itself (noindex: no index on parent_id); Left and Right to
		// each other: the foreign key closing the cycle comes as an ALTER TABLE.
		"cycles": {Node{}, reflect.TypeFor[Left](), &Right{}},
		// Comments given before posts and users: emitted after them all the same.
		"order": {Comment{}, Post{}, User{}, Label{}},
	}
	for name, models := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := schema.DDL(models...)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := schema.DDL(models...)
			if again != got {
				t.Fatalf("two calls gave different DDL:\n%s\n---\n%s", got, again)
			}
			path := filepath.Join("testdata", name+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("DDL differs from %s:\n%s", path, got)
			}
		})
	}
}

// TestSchema_IndexSQL: every index, unique constraints and foreign-key indexes too,
// as CREATE INDEX CONCURRENTLY IF NOT EXISTS.
func TestSchema_IndexSQL(t *testing.T) {
	s, err := schema.For(&User{}, &Post{}, &Comment{}, &Label{})
	if err != nil {
		t.Fatal(err)
	}
	want := `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_email_key" ON "users" ("email");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_name_created" ON "users" ("name", "created_at" DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_live_by_author" ON "posts" ("author_id", "id" DESC) INCLUDE ("title") WHERE deleted_at IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_author_id_idx" ON "posts" ("author_id");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "comments_post_id_id" ON "comments" ("post_id", "votes");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "post_labels_label_id_idx" ON "post_labels" ("label_id");
`
	if got := s.IndexSQL(); got != want {
		t.Errorf("IndexSQL:\n%s\nwant:\n%s", got, want)
	}
}

type (
	defaultNoExpr struct {
		ID        int64
		CreatedAt string `orm:"default"`
	}
	anyField struct {
		ID int64
		V  any
	}
	twoTables struct {
		ID int64
	}
	badIndex struct {
		ID int64
		A  string `orm:"index:x:0"`
	}
)

func (twoTables) TableName() string { return "users" }

func TestFor_errors(t *testing.T) {
	tests := map[string]struct {
		models []any
		want   string
		is     error
	}{
		"default without expression": {[]any{defaultNoExpr{}}, "write `orm:\"default:<expression>\"`", nil},
		"no SQL type":                {[]any{anyField{}}, "no SQL type for the Go type interface {}", nil},
		"two models, one table":      {[]any{User{}, twoTables{}}, `table "users" comes from both`, nil},
		"nil model":                  {[]any{nil}, "model 0 is nil", nil},
		"bad index tag":              {[]any{badIndex{}}, `index option "0"`, model.ErrInvalidModel},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := schema.For(tc.models...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "schema: ") {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.is)
			}
		})
	}
}
