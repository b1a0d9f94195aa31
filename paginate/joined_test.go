package paginate_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/paginate"
)

// Orders on joined to-one columns ("Author.name"). The models are never queried here
// (orm's paginate_join_test.go walks pages on rows).

type jAuthor struct {
	ID      int64
	Name    string
	Profile *jProfile `orm:"has-one,fk:author_id"`
}

type jProfile struct {
	ID       int64
	AuthorID int64
	Bio      *string
}

type jPost struct {
	ID       int64
	Name     *string // a nullable column of the post, named as the author's: only the path tells them apart
	AuthorID *int64
	Author   *jAuthor  `orm:"belongs-to"`
	Comments []jReview `orm:"has-many,fk:post_id"`
}

type jReview struct {
	ID     int64
	PostID int64
}

// TestParseSort_joinedAllowlist parses user specs against an allowlist naming joined
// columns: they resolve (nested paths too, by Go field name as well), keep the user's
// direction and their NULL placement, and anything not allowed or not a to-one
// column is a SortError before any SQL.
func TestParseSort_joinedAllowlist(t *testing.T) {
	t.Parallel()
	allowed := []string{"name", "Author.name", "Author.Profile.bio NULLS LAST"}
	tests := map[string]struct {
		spec    string
		allowed []string
		want    string
		keys    []paginate.Key
		wantErr string
		as      any
	}{
		"joined key": {
			spec: "Author.name", want: "Author.name,id",
			keys: []paginate.Key{{Column: "Author.name"}, {Column: "id"}},
		},
		"descending, then the post's own name": {
			spec: "-Author.name,name", want: "-Author.name,name,id",
			keys: []paginate.Key{{Column: "Author.name", Desc: true, NullsFirst: true}, {Column: "name"}, {Column: "id"}},
		},
		"nested path, NULLS LAST from the allowlist": {
			spec: "-Author.Profile.bio", want: "-Author.Profile.bio NULLS LAST,-id",
			keys: []paginate.Key{{Column: "Author.Profile.bio", Desc: true}, {Column: "id", Desc: true, NullsFirst: true}},
		},
		"not allowed": {
			spec: "Author.id", wantErr: `paginate: sort field "Author.id" on model paginate_test.jPost: not an allowed sort field (allowed: name, Author.name, Author.Profile.bio)`,
		},
		"spelled otherwise than allowed": {
			spec: "Author.Name", wantErr: `paginate: sort field "Author.Name" on model paginate_test.jPost: not an allowed sort field (allowed: name, Author.name, Author.Profile.bio)`,
		},
		"allowlist: unknown joined column": {
			spec: "name", allowed: []string{"Author.nope"}, as: new(*orm.ColumnError),
			wantErr: `paginate: sort field "Author.nope" on model paginate_test.jPost: allowlist names an unknown column: unknown column "nope" on model paginate_test.jAuthor (columns: id, name)`,
		},
		"allowlist: to-many relation": {
			spec: "name", allowed: []string{"Comments.id"}, as: new(*orm.RelationError),
			wantErr: `paginate: sort field "Comments.id" on model paginate_test.jPost: allowlist names an unknown column: cannot sort by a column of has-many relation "Comments" in path "Comments" on model paginate_test.jPost (relations: Author, Comments)`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			al := allowed
			if tt.allowed != nil {
				al = tt.allowed
			}
			o, err := paginate.ParseSort[jPost](tt.spec, al...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, paginate.ErrInvalidSort) {
					t.Fatalf("got %v\nwant %s", err, tt.wantErr)
				}
				if tt.as != nil && !errors.As(err, tt.as) {
					t.Fatalf("errors.As(%v, %T) is false", err, tt.as)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.String() != tt.want || !slices.Equal(o.Keys(), tt.keys) {
				t.Fatalf("got %q %+v\nwant %q %+v", o.String(), o.Keys(), tt.want, tt.keys)
			}
		})
	}
}

// TestCodec_joinedOrder checks the cursors of a joined order: bound to it (not to an
// order on the post's own column of the same name), NULL accepted (a LEFT JOIN without
// a row), and CursorFor reading the value through the relation field, a nil relation
// being NULL.
func TestCodec_joinedOrder(t *testing.T) {
	t.Parallel()
	codec := &paginate.Codec{Key: []byte("paginate test key of 32 bytes..")}
	byAuthor := mustOrder[jPost](t, "Author.name")
	byOwn := mustOrder[jPost](t, "name")
	nested := mustOrder[jPost](t, "Author.Profile.bio")

	tok, err := paginate.CursorFor(codec, byAuthor, &jPost{ID: 7, Author: &jAuthor{Name: "ann"}})
	if err != nil {
		t.Fatal(err)
	}
	if vals, err := codec.Decode(byAuthor, tok); err != nil || !slices.Equal(vals, []any{"ann", int64(7)}) {
		t.Fatalf("decode: %v, %v; want [ann 7]", vals, err)
	}
	if _, err := codec.Decode(byOwn, tok); !errors.Is(err, paginate.ErrInvalidCursor) {
		t.Fatalf("a cursor by Author.name decoded for an order by name: %v", err)
	}
	ann := "ann"
	own, err := paginate.CursorFor(codec, byOwn, &jPost{ID: 7, Name: &ann})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := codec.Decode(byAuthor, own); !errors.Is(err, paginate.ErrInvalidCursor) {
		t.Fatalf("a cursor by name decoded for an order by Author.name: %v", err)
	}

	for name, row := range map[string]*jPost{
		"no author":  {ID: 8},
		"no profile": {ID: 8, Author: &jAuthor{Name: "ann"}},
		"no bio":     {ID: 8, Author: &jAuthor{Profile: &jProfile{}}},
	} {
		tok, err := paginate.CursorFor(codec, nested, row)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if vals, err := codec.Decode(nested, tok); err != nil || !slices.Equal(vals, []any{nil, int64(8)}) {
			t.Fatalf("%s: decode %v, %v; want [<nil> 8]", name, vals, err)
		}
	}
	bio := "hi"
	tok, err = paginate.CursorFor(codec, nested, &jPost{ID: 9, Author: &jAuthor{Profile: &jProfile{Bio: &bio}}})
	if err != nil {
		t.Fatal(err)
	}
	if vals, err := codec.Decode(nested, tok); err != nil || !slices.Equal(vals, []any{"hi", int64(9)}) {
		t.Fatalf("decode %v, %v; want [hi 9]", vals, err)
	}
}
