package model_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/batchorm/batchorm/internal/model"
)

func TestParseOrderKey(t *testing.T) {
	for key, want := range map[string]struct {
		k   model.OrderKey
		bad bool
	}{
		"name":                    {k: model.OrderKey{Name: "name"}},
		" -created_at ":           {k: model.OrderKey{Name: "created_at", Desc: true}},
		"name DESC":               {k: model.OrderKey{Name: "name", Desc: true}},
		"name\tdesc":              {k: model.OrderKey{Name: "name", Desc: true}},
		"Author.name asc":         {k: model.OrderKey{Name: "Author.name"}},
		"score nulls first":       {k: model.OrderKey{Name: "score", Nulls: model.NullsFirst}},
		"-score NULLS LAST":       {k: model.OrderKey{Name: "score", Desc: true, Nulls: model.NullsLast}},
		"score Desc Nulls Last":   {k: model.OrderKey{Name: "score", Desc: true, Nulls: model.NullsLast}},
		"score ASC NULLS LAST":    {k: model.OrderKey{Name: "score", Nulls: model.NullsLast}},
		"name sideways":           {bad: true},
		"a b c":                   {bad: true},
		"-":                       {bad: true},
		"":                        {bad: true},
		"- name":                  {bad: true},
		"-name desc":              {bad: true},
		"name nulls":              {bad: true},
		"name nulls middle":       {bad: true},
		"name nulls first please": {bad: true},
		"name nulls first desc":   {bad: true},
		"name desc desc":          {bad: true},
	} {
		k, err := model.ParseOrderKey(key)
		if (err != nil) != want.bad || k != want.k {
			t.Errorf("ParseOrderKey(%q) = %+v, %v; want %+v, error %v", key, k, err, want.k, want.bad)
		}
	}
}

func TestOrderSuffix(t *testing.T) {
	for _, c := range []struct {
		key  model.OrderKey
		want string
	}{
		{model.OrderKey{}, ""},
		{model.OrderKey{Desc: true}, " DESC"},
		{model.OrderKey{Nulls: model.NullsLast}, ""},
		{model.OrderKey{Nulls: model.NullsFirst}, " NULLS FIRST"},
		{model.OrderKey{Desc: true, Nulls: model.NullsFirst}, " DESC"},
		{model.OrderKey{Desc: true, Nulls: model.NullsLast}, " DESC NULLS LAST"},
	} {
		if got := model.OrderSuffix(c.key.Desc, c.key.NullsFirst()); got != c.want {
			t.Errorf("%+v: %q, want %q", c.key, got, c.want)
		}
	}
}

// FuzzParseOrderKey: any input parses or is refused without a panic, and a parsed key
// written back as OrderBy syntax parses to the same key.
func FuzzParseOrderKey(f *testing.F) {
	for _, s := range []string{"name", "-created_at", "name DESC", "score asc nulls first", "-score NULLS LAST", "a b c", "- x", "x nulls", "\tx\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		k, err := model.ParseOrderKey(key)
		if err != nil {
			return
		}
		if k.Name == "" || strings.IndexFunc(k.Name, unicode.IsSpace) >= 0 {
			t.Fatalf("%q parsed to bad name %q", key, k.Name)
		}
		again := k.Name + model.OrderSuffix(k.Desc, k.NullsFirst())
		k2, err := model.ParseOrderKey(again)
		if err != nil || k2.Name != k.Name || k2.Desc != k.Desc || k2.NullsFirst() != k.NullsFirst() {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", key, k, again, k2, err)
		}
	})
}
