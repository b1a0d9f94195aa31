package model_test

import (
	"testing"

	"github.com/batchorm/batchorm/internal/model"
)

func TestParseOrderKey(t *testing.T) {
	for key, want := range map[string]struct {
		name string
		desc bool
		bad  bool
	}{
		"name":            {name: "name"},
		" -created_at ":   {name: "created_at", desc: true},
		"name DESC":       {name: "name", desc: true},
		"name\tdesc":      {name: "name", desc: true},
		"Author.name asc": {name: "Author.name"},
		"name sideways":   {bad: true},
		"a b c":           {bad: true},
		"-":               {bad: true},
		"":                {bad: true},
		"- name":          {bad: true},
	} {
		name, desc, err := model.ParseOrderKey(key)
		if (err != nil) != want.bad || name != want.name || desc != want.desc {
			t.Errorf("ParseOrderKey(%q) = %q, %v, %v; want %q, %v, error %v", key, name, desc, err, want.name, want.desc, want.bad)
		}
	}
}
