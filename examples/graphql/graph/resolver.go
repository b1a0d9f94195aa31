package graph

import (
	"github.com/batchorm/batchorm/examples/graphql/blog"
	"github.com/batchorm/batchorm/loader/dataload"
	"github.com/batchorm/batchorm/orm"
)

// Resolver holds the database and the loaders, made once and shared by every request;
// each request's loads are batched in the dataload scope its context carries.
type Resolver struct {
	DB       *orm.DB
	Authors  *dataload.KeyLoader[blog.Author, int64]
	Posts    *dataload.RelationLoader[blog.Author, blog.Post, int64]
	Comments *dataload.RelationLoader[blog.Post, blog.Comment, int64]
}

// NewResolver makes the loaders; a relation or key that does not match the models is
// an error here, at start-up.
func NewResolver(db *orm.DB) (*Resolver, error) {
	authors, err := dataload.Key[blog.Author, int64]()
	if err != nil {
		return nil, err
	}
	posts, err := dataload.Relation[blog.Author, blog.Post, int64]("Posts")
	if err != nil {
		return nil, err
	}
	comments, err := dataload.Relation[blog.Post, blog.Comment, int64]("Comments")
	if err != nil {
		return nil, err
	}
	return &Resolver{DB: db, Authors: authors, Posts: posts, Comments: comments}, nil
}
