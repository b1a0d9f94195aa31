package model_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/internal/model"
)

func TestSnakeCaseAndPlural(t *testing.T) {
	tests := map[string]struct{ in, snake, plural string }{
		"simple":       {"User", "user", "users"},
		"two words":    {"BlogPost", "blog_post", "blog_posts"},
		"initialism":   {"UserID", "user_id", "user_ids"},
		"leading caps": {"HTTPServer", "http_server", "http_servers"},
		"y plural":     {"Category", "category", "categories"},
		"vowel y":      {"Day", "day", "days"},
		"es plural":    {"Address", "address", "addresses"},
		"digits":       {"Item2Tag", "item2_tag", "item2_tags"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := model.SnakeCase(tc.in)
			if s != tc.snake || model.Plural(s) != tc.plural {
				t.Errorf("%s -> %s / %s, want %s / %s", tc.in, s, model.Plural(s), tc.snake, tc.plural)
			}
		})
	}
}

type Author struct {
	ID      int64    `db:"id"`
	Name    string   `db:"name"`
	Books   []*Book  `orm:"has-many"`
	Profile *Profile `orm:"has-one"`
	Boss    *Author  `orm:"belongs-to,fk:boss_id"`
	BossID  *int64   `db:"boss_id"`
	Reports []Author `orm:"has-many,fk:boss_id"`
}

type Book struct {
	ID       int64 `db:"id"`
	AuthorID int32 `db:"author_id"`
	Title    string
	Author   *Author `orm:"belongs-to"`
	Tags     []Tag   `orm:"many-to-many,through:book_tags"`
	Ignored  string  `db:"-"`
	//lint:ignore U1000 an unexported field, which the model must skip
	internal int
}

type Profile struct {
	AuthorID int64 `db:"author_id" orm:"pk"`
	Bio      string
}

type Tag struct {
	Code string `db:"code" orm:"pk"`
}

type Timestamps struct {
	CreatedAt string `db:"created_at" orm:"readonly"`
}

type withEmbedded struct {
	ID int64
	Timestamps
}

func (withEmbedded) TableName() string { return "things" }

func TestOf_model(t *testing.T) {
	m, err := model.Of[Book]()
	if err != nil {
		t.Fatal(err)
	}
	if m.Table != "books" || m.QTable != `"books"` || len(m.PK) != 1 || m.PK[0].Name != "id" || !m.PK[0].Default {
		t.Fatalf("table/pk: %+v", m)
	}
	if got := strings.Join(m.ColumnNames(), ","); got != "id,author_id,title" {
		t.Fatalf("columns %s", got)
	}
	if m.SelectList != `"books"."id", "books"."author_id", "books"."title"` {
		t.Fatalf("select list %s", m.SelectList)
	}
	if c, err := m.Column("AuthorID"); err != nil || c.Name != "author_id" {
		t.Fatalf("by field name: %v %v", c, err)
	}
	if got := strings.Join(m.RelationNames(), ","); got != "Author,Tags" {
		t.Fatalf("relations %s", got)
	}
	tags := m.Relation("Tags")
	if tags.Kind != model.ManyToMany || tags.Through != "book_tags" || tags.ThroughOwner[0] != "book_id" || tags.ThroughTarget[0] != "tag_id" || tags.TargetKey[0].Name != "code" {
		t.Fatalf("m2m: %+v", tags)
	}
	author := m.Relation("Author")
	if author.OwnerKey[0].Name != "author_id" || author.TargetKey[0].Name != "id" || author.Target.Table != "authors" {
		t.Fatalf("belongs-to: %+v", author)
	}
	a, _ := model.Of[Author]()
	if r := a.Relation("Reports"); r.Kind != model.HasMany || r.ElemPtr || r.TargetKey[0].Name != "boss_id" || r.Target != a {
		t.Fatalf("self has-many: %+v", r)
	}
	if r := a.Relation("Books"); !r.ElemPtr || r.TargetKey[0].Name != "author_id" {
		t.Fatalf("has-many []*T: %+v", r)
	}
	if r := a.Relation("Profile"); r.Kind != model.HasOne || r.TargetKey[0].Name != "author_id" {
		t.Fatalf("has-one: %+v", r)
	}
	e, err := model.Of[*withEmbedded]()
	if err != nil || e.Table != "things" || len(e.Columns) != 2 || !e.Columns[1].ReadOnly || e.Columns[1].Field != "Timestamps.CreatedAt" {
		t.Fatalf("embedded: %+v %v", e, err)
	}
	again, _ := model.Of[Book]()
	if again != m {
		t.Fatal("not cached")
	}
}

type badOption struct {
	ID int64 `orm:"pk,nullzero"`
}
type badKind struct {
	Other *Tag `orm:"has-lots"`
}
type badToOne struct {
	ID  int64
	Tag Tag `orm:"belongs-to,fk:tag_code"`
}
type badToMany struct {
	ID   int64
	Tags *Tag `orm:"has-many"`
}
type badFK struct {
	ID   int64
	Tags []Tag `orm:"has-many,fk:owner"`
}
type badM2M struct {
	ID   int64
	Tags []Tag `orm:"many-to-many"`
}
type badKeyType struct {
	ID    int64
	TagID int64 `db:"tag_id"`
	Tag   *Tag  `orm:"belongs-to"`
}
type dupColumn struct {
	ID    int64
	Name  string `db:"x"`
	Other string `db:"x"`
}
type throughOnBelongs struct {
	ID    int64
	TagID string `db:"tag_id"`
	Tag   *Tag   `orm:"belongs-to,through:x"`
}

type nulTag struct {
	ID   int64
	Name string `db:"na\x00me"`
}

type newlineTag struct {
	ID   int64
	Name string `db:"na\nme"`
}

type chanField struct {
	ID     int64
	Events chan int
}

type funcField struct {
	ID   int64
	Hook func()
}

type complexField struct {
	ID int64
	Z  complex128
}

type withFunc struct {
	A  int
	Fn func() `json:"fn"`
}

type nestedFunc struct {
	ID   int64
	Meta withFunc
}

type sliceOfChans struct {
	ID int64
	Cs []chan int
}

type structKeyMap struct {
	ID int64
	M  map[[2]int]int
}

// Types that scan or encode themselves, interfaces and json-able values are columns.
type fineTypes struct {
	ID    int64
	Any   any
	Doc   map[string]any
	Ints  map[int]string
	Names []string
	Inner struct{ A, B int }
	Ptr   *withoutFuncs
}

type withoutFuncs struct{ X string }

func TestOf_fieldTypesAccepted(t *testing.T) {
	if _, err := model.Of[fineTypes](); err != nil {
		t.Fatal(err)
	}
}

func TestOf_badTags(t *testing.T) {
	tests := map[string]struct {
		of     func() error
		field  string
		reason string
	}{
		"unknown option":        {func() error { _, err := model.Of[badOption](); return err }, "ID", `unknown option "nullzero"`},
		"unknown relation kind": {func() error { _, err := model.Of[badKind](); return err }, "Other", `unknown option "has-lots"`},
		"to-one not a pointer":  {func() error { _, err := model.Of[badToOne](); return err }, "Tag", "must be a pointer to a struct"},
		"to-many not a slice":   {func() error { _, err := model.Of[badToMany](); return err }, "Tags", "must be a slice"},
		"fk not on target":      {func() error { _, err := model.Of[badFK](); return err }, "Tags", `unknown column "owner"`},
		"m2m without through":   {func() error { _, err := model.Of[badM2M](); return err }, "Tags", "needs through"},
		"key types differ":      {func() error { _, err := model.Of[badKeyType](); return err }, "Tag", "key types differ"},
		"duplicate column":      {func() error { _, err := model.Of[dupColumn](); return err }, "Other", `column "x" is already mapped`},
		"m2m option elsewhere":  {func() error { _, err := model.Of[throughOnBelongs](); return err }, "Tag", "only for many-to-many"},
		"NUL in db tag":         {func() error { _, err := model.Of[nulTag](); return err }, "Name", "control character U+0000"},
		"newline in db tag":     {func() error { _, err := model.Of[newlineTag](); return err }, "Name", "control character U+000A"},
		"chan field":            {func() error { _, err := model.Of[chanField](); return err }, "Events", "cannot hold a column value"},
		"func field":            {func() error { _, err := model.Of[funcField](); return err }, "Hook", "cannot hold a column value"},
		"complex field":         {func() error { _, err := model.Of[complexField](); return err }, "Z", "cannot hold a column value"},
		"struct holding a func": {func() error { _, err := model.Of[nestedFunc](); return err }, "Meta", "model_test.withFunc.Fn"},
		"slice of chans":        {func() error { _, err := model.Of[sliceOfChans](); return err }, "Cs", "cannot hold a column value"},
		"map with struct keys":  {func() error { _, err := model.Of[structKeyMap](); return err }, "M", "only string and integer keys"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := tc.of()
			var te *model.TagError
			if !errors.As(err, &te) || !errors.Is(err, model.ErrInvalidModel) {
				t.Fatalf("want *TagError, got %v", err)
			}
			if te.Field != tc.field || !strings.Contains(te.Reason, tc.reason) {
				t.Errorf("got field %s reason %q; want %s / %q", te.Field, te.Reason, tc.field, tc.reason)
			}
		})
	}
	if _, err := model.Of[int](); !errors.Is(err, model.ErrInvalidModel) {
		t.Errorf("non-struct: %v", err)
	}
}
