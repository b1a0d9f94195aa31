package model_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/batchorm/batchorm/internal/model"
)

// FuzzTags: any db and orm tag on a field is either understood or refused with an
// ErrInvalidModel error naming the field; never a panic, and never a column name with
// a control character.
func FuzzTags(f *testing.F) {
	for _, s := range [][2]string{{"name", ""}, {"", "pk"}, {"x", "default,readonly"}, {"a\x00b", ""}, {"", "has-many"},
		{"-", ""}, {"", "belongs-to,fk:x"}, {"n", "pk,,"}, {"", "many-to-many,through:t"},
		{"", "index:a:2:desc,unique"}, {"", "type:numeric(10,2),default:'a,b'"}, {"", "belongs-to,noindex"}, {"", "index::"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, db, orm string) {
		tag := `db:"` + strings.ReplaceAll(db, `"`, "") + `" orm:"` + strings.ReplaceAll(orm, `"`, "") + `"`
		typ := reflect.StructOf([]reflect.StructField{
			{Name: "ID", Type: reflect.TypeFor[int64]()},
			{Name: "Field", Type: reflect.TypeFor[string](), Tag: reflect.StructTag(tag)},
		})
		m, err := model.For(typ)
		if err != nil {
			if !errors.Is(err, model.ErrInvalidModel) {
				t.Fatalf("tag %s: error without ErrInvalidModel: %v", tag, err)
			}
			return
		}
		for _, c := range m.Columns {
			if strings.IndexFunc(c.Name, unicode.IsControl) >= 0 {
				t.Fatalf("tag %s: column %q", tag, c.Name)
			}
		}
	})
}
