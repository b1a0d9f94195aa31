package model

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidModel is matched by errors.Is for every error that says a type cannot be
// used as a model: a bad struct tag, a missing primary key where one is needed, a
// relation whose keys do not resolve.
var ErrInvalidModel = errors.New("invalid model")

// TagError reports a struct tag that cannot be understood or that names something the
// model does not have. errors.Is(err, ErrInvalidModel) is true for it.
type TagError struct {
	Type   string // the model type, e.g. "app.User"
	Field  string // the Go field name
	Tag    string // the tag text as written, e.g. `orm:"has-many,fk:owner"`
	Reason string // what is wrong
}

// Error implements error.
func (e *TagError) Error() string {
	return fmt.Sprintf("model %s: field %s: tag %s: %s", e.Type, e.Field, e.Tag, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalidModel) true.
func (e *TagError) Unwrap() error { return ErrInvalidModel }

// RelationError reports a relation path that does not resolve against a model. It lists
// the relations the model has, so the fix can be read off the message.
type RelationError struct {
	Model     string   // the model on which the failing segment was looked up
	Path      string   // the whole path as given, e.g. "Posts.Coments"
	Segment   string   // the failing segment, e.g. "Coments"
	Reason    string   // what is wrong ("unknown relation", "to-many relation cannot be joined", ...)
	Relations []string // the relations Model has
}

// Error implements error.
func (e *RelationError) Error() string {
	rels := "none"
	if len(e.Relations) > 0 {
		rels = strings.Join(e.Relations, ", ")
	}
	return fmt.Sprintf("%s %q in path %q on model %s (relations: %s)", e.Reason, e.Segment, e.Path, e.Model, rels)
}

// ColumnError reports a column or field name that the model does not have.
type ColumnError struct {
	Model  string   // the model type
	Name   string   // the name as given
	Known  []string // the model's column names
	Reason string   // e.g. "unknown column"
}

// Error implements error.
func (e *ColumnError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = "unknown column"
	}
	return fmt.Sprintf("%s %q on model %s (columns: %s)", reason, e.Name, e.Model, strings.Join(e.Known, ", "))
}
