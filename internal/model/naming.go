package model

import (
	"strings"

	"github.com/georgysavva/scany/v2/dbscan"
)

// SnakeCase turns a Go identifier into snake_case: "UserID" -> "user_id",
// "HTTPServer" -> "http_server", "CreatedAt" -> "created_at". It is scany's mapper, so
// a model's columns and a DTO's scanned by scany (orm.Raw) are named alike.
func SnakeCase(s string) string { return dbscan.SnakeCaseMapper(s) }

// Plural returns the English plural of a snake_case noun by the common rules:
// "user" -> "users", "category" -> "categories", "address" -> "addresses".
// Types whose table does not follow these rules declare TableName.
func Plural(s string) string {
	switch {
	case s == "":
		return s
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "z"),
		strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	default:
		return s + "s"
	}
}
