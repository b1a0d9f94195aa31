package schema_test

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/orm/schema"
)

// A blog: users, posts (belongs-to author, has-many comments, many-to-many tags),
// comments, tags.

type User struct {
	ID        int64
	Email     string    `orm:"unique"`
	Name      string    `orm:"index:users_name_created:1"`
	CreatedAt time.Time `orm:"default:now(),index:users_name_created:2:desc"`
	Bio       *string
	Posts     []Post `orm:"has-many,fk:author_id"`
}

type Post struct {
	ID        int64
	AuthorID  int64
	Title     string
	Price     string `orm:"type:numeric(10,2)"`
	Tags      []string
	Meta      json.RawMessage
	DeletedAt *time.Time `orm:"softdelete"`
	Author    *User      `orm:"belongs-to"`
	Comments  []Comment  `orm:"has-many"`
	Labels    []Label    `orm:"many-to-many,through:post_labels"`
}

func (Post) Indexes() []schema.Index {
	return []schema.Index{
		{Name: "posts_live_by_author", Columns: []string{"author_id", "-id"}, Where: "deleted_at IS NULL", Include: []string{"title"}},
	}
}

type Comment struct {
	ID     int64
	PostID int64 `orm:"index:comments_post_id_id:1"`
	Body   string
	Votes  int32 `orm:"index:comments_post_id_id:2"`
	Post   *Post `orm:"belongs-to"`
}

type Label struct {
	Code  string `orm:"pk"`
	Title sql.NullString
}

// Kind holds one field per mapped Go type.
type Kind struct {
	ID    pgtype.UUID `orm:"pk,default:gen_random_uuid()"`
	I16   int16
	I32   *int32
	U64   uint64
	F32   float32
	F64   float64
	B     bool
	Bytes []byte
	UUID  [16]byte
	TS    pgtype.Timestamptz
	NI    sql.NullInt64
	M     map[string]any
	S     struct{ A int }
	Arr   []int64
	Rows  []struct{ A int }
	Money string `orm:"type:numeric(12, 2)"`
	Note  string `orm:"default:'none'"`
}

// Node refers to itself; Left and Right refer to each other (a cycle).
type Node struct {
	ID       int64
	ParentID *int64
	Parent   *Node `orm:"belongs-to,noindex"`
}

type Left struct {
	ID      int64
	RightID *int64
	Right   *Right `orm:"belongs-to"`
}

type Right struct {
	ID     int64
	LeftID *int64
	Left   *Left `orm:"belongs-to"`
}
