// Package blog holds the example's models: batchorm reads their tables through
// dataload loaders when gqlgen resolves their fields.
package blog

// Author is a row of authors.
type Author struct {
	ID   int64
	Name string

	Posts []Post `orm:"has-many"`
}

// Post is a row of posts.
type Post struct {
	ID       int64
	AuthorID int64
	Title    string

	Comments []Comment `orm:"has-many"`
	Author   *Author   `orm:"belongs-to"`
}

// Comment is a row of comments.
type Comment struct {
	ID     int64
	PostID int64
	Body   string
}
