// Package taste holds the code the README shows, as a test that runs it on a
// throwaway database, so the README cannot drift from what compiles and works.
package taste_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

func TestMain(m *testing.M) { ormtest.Main(m) }

const schema = `
CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE posts (
	id         bigserial PRIMARY KEY,
	user_id    bigint NOT NULL REFERENCES users (id),
	title      text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON posts (user_id);
CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE post_tags (
	post_id bigint NOT NULL REFERENCES posts (id),
	tag_id  bigint NOT NULL REFERENCES tags (id),
	PRIMARY KEY (post_id, tag_id)
);`

// taste:begin models
type User struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"`
	Posts []Post `orm:"has-many"`
}

type Post struct {
	ID        int64     `db:"id"`
	UserID    int64     `db:"user_id"`
	Title     string    `db:"title"`
	CreatedAt time.Time `db:"created_at" orm:"default"`
	Author    *User     `orm:"belongs-to,fk:user_id"`
	Tags      []Tag     `orm:"many-to-many,through:post_tags"`
}

type Tag struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// taste:end

func check(err error) {
	if err != nil {
		panic(err)
	}
}

func Example_taste() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
	check(err)
	defer func() { check(drop()) }()
	sortParam, cursor := "-created_at", "" // from the request: ?sort=...&after=...
	codec := &paginate.Codec{Key: []byte("a secret key of 32 random bytes!")}

	// taste:begin code
	// One INSERT per call, whatever the number of rows; ids come back into the structs.
	users := []User{{Name: "ann"}, {Name: "bob"}}
	check(bulk.Create(ctx, db, users))
	posts := []Post{{UserID: users[0].ID, Title: "hello"}, {UserID: users[1].ID, Title: "hi"}}
	check(bulk.Create(ctx, db, posts))

	// 3 statements whatever the number of rows: users, their posts, the posts' tags.
	all, err := orm.Query[User](db).OrderBy("name").Preload("Posts.Tags").All(ctx)
	check(err)

	// One UPDATE; names are checked against the model, values are bound parameters.
	n, err := orm.Query[Post](db).Where(orm.Eq{"user_id": users[0].ID}).
		UpdateAll(ctx, orm.Set{"title": "hello, world"})
	check(err)

	// A keyset page: a deep page costs what the first costs; ?sort= is allowlisted.
	order, err := paginate.ParseSort[Post](sortParam, "created_at", "title")
	check(err)
	page, err := orm.Query[Post](db).Join("Author").
		Paginate(ctx, paginate.Request{Order: order, Limit: 20, After: cursor, Codec: codec})
	check(err)
	// taste:end

	fmt.Println(len(all), len(all[0].Posts), all[0].Posts[0].Tags != nil, n)
	fmt.Println(len(page.Items), page.Items[0].Author.Name, page.HasNext)
	// Output:
	// 2 1 true 1
	// 2 bob false
}

// The README shows the code between the taste markers above, byte for byte.
func TestREADME_showsTheTaste(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("taste_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"models", "code"} {
		block := between(string(src), "// taste:begin "+part+"\n", "// taste:end")
		if part == "code" { // indented once inside the function
			block = dedent(block)
		}
		block = strings.TrimSpace(block)
		if block == "" || !strings.Contains(string(readme), block) {
			t.Errorf("README.md does not show the taste's %s as in taste_test.go:\n%s", part, block)
		}
	}
}

func between(s, begin, end string) string {
	i := strings.Index(s, begin)
	if i < 0 {
		return ""
	}
	s = s[i+len(begin):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// dedent removes one leading tab from every line.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "\t")
	}
	return strings.Join(lines, "\n")
}
