package model_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/internal/model"
)

type ixAccount struct {
	ID int64
}

type ixEvent struct {
	ID        int64
	AccountID int64  `orm:"index"`
	Kind      string `orm:"index:events_kind_at:2,unique:events_uniq"`
	At        string `orm:"index:events_kind_at:1:desc,unique:events_uniq"`
	Code      string `orm:"unique"`
	Price     string `orm:"type:numeric(10,2),default:'0,5'"`
	DeletedAt *string
	Payload   string
	Account   *ixAccount `orm:"belongs-to,noindex"`
}

func (ixEvent) Indexes() []model.Index {
	return []model.Index{
		{Columns: []string{"Kind", "-at"}, Where: "deleted_at IS NULL", Include: []string{"payload"}},
		{Name: "events_live_code", Columns: []string{"code"}, Unique: true, Where: "deleted_at IS NULL"},
	}
}

// shape renders an index for comparison: name(cols) flags.
func shape(d *model.IndexDef) string {
	var b strings.Builder
	b.WriteString(d.Name + "(")
	for i, c := range d.Columns {
		if i > 0 {
			b.WriteString(",")
		}
		if c.Desc {
			b.WriteString("-")
		}
		b.WriteString(c.Column.Name)
	}
	b.WriteString(")")
	if d.Unique {
		b.WriteString(" unique")
	}
	if d.Where != "" {
		b.WriteString(" where " + d.Where)
	}
	for _, c := range d.Include {
		b.WriteString(" include " + c.Name)
	}
	return b.String()
}

func TestOf_indexes(t *testing.T) {
	m, err := model.Of[ixEvent]()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range m.Indexes {
		got = append(got, shape(d))
	}
	want := []string{
		"ix_events_account_id_idx(account_id)",
		"ix_events_code_key(code) unique",
		"events_kind_at(-at,kind)",
		"events_uniq(kind,at) unique",
		"ix_events_kind_at_idx(kind,-at) where deleted_at IS NULL include payload",
		"events_live_code(code) unique where deleted_at IS NULL",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("indexes:\n got %q\nwant %q", got, want)
	}
	price, _ := m.Column("price")
	if price.SQLType != "numeric(10,2)" || price.DefaultExpr != "'0,5'" || !price.Default {
		t.Errorf("price column: type %q default %q (%v)", price.SQLType, price.DefaultExpr, price.Default)
	}
	if r := m.Relation("Account"); r == nil || !r.NoIndex {
		t.Errorf("Account relation should carry noindex: %+v", r)
	}
	led := m.Indexes[0].LedBy([]*model.Column{m.Indexes[0].Columns[0].Column})
	notLed := m.Indexes[2].LedBy([]*model.Column{m.Indexes[2].Columns[1].Column})
	if !led || notLed {
		t.Errorf("LedBy: first column %v (want true), second column %v (want false)", led, notLed)
	}
}

type (
	ixBadPos struct {
		ID int64
		A  string `orm:"index:i:1"`
		B  string `orm:"index:i"`
	}
	ixBadPosGap struct {
		ID int64
		A  string `orm:"index:i:1"`
		B  string `orm:"index:i:3"`
	}
	ixMixedUnique struct {
		ID int64
		A  string `orm:"index:i"`
		B  string `orm:"unique:i"`
	}
	ixBadOpt struct {
		ID int64
		A  string `orm:"index:i:sideways"`
	}
	ixDescNoName struct {
		ID int64
		A  string `orm:"index::desc"`
	}
	ixLongName struct {
		ID int64
		A  string `orm:"index:a_name_that_is_far_too_long_for_postgresql_to_keep_in_its_catalog"`
	}
	ixOnRelation struct {
		ID    int64
		Other *ixAccount `orm:"belongs-to,index"`
	}
	ixNoIndexColumn struct {
		ID int64
		A  string `orm:"noindex"`
	}
	ixBadType struct {
		ID int64
		A  string `orm:"type:numeric(10"`
	}
	ixSemicolon struct {
		ID int64
		A  string `orm:"default:1; DROP TABLE x"`
	}
	ixMethodUnknown struct{ ID int64 }
	ixMethodEmpty   struct{ ID int64 }
	ixMethodDup     struct {
		ID int64
		A  string `orm:"index:dup"`
	}
	ixMethodTwice struct {
		ID int64
		A  string
	}
)

func (ixMethodUnknown) Indexes() []model.Index {
	return []model.Index{{Columns: []string{"nope"}}}
}
func (ixMethodEmpty) Indexes() []model.Index { return []model.Index{{Name: "x"}} }
func (ixMethodDup) Indexes() []model.Index {
	return []model.Index{{Name: "dup", Columns: []string{"id"}}}
}
func (ixMethodTwice) Indexes() []model.Index {
	return []model.Index{{Columns: []string{"a", "-A"}}}
}

func TestOf_badIndexes(t *testing.T) {
	of := func(t reflect.Type) func() error { return func() error { _, err := model.For(t); return err } }
	tests := map[string]struct {
		of     func() error
		field  string
		reason string
	}{
		"position on some fields":  {of(reflect.TypeFor[ixBadPos]()), "A", "give a position to every field"},
		"positions with a gap":     {of(reflect.TypeFor[ixBadPosGap]()), "B", "positions must be 1..2"},
		"unique and not":           {of(reflect.TypeFor[ixMixedUnique]()), "B", "both unique"},
		"unknown index option":     {of(reflect.TypeFor[ixBadOpt]()), "A", `index option "sideways"`},
		"direction without a name": {of(reflect.TypeFor[ixDescNoName]()), "A", "needs an index name"},
		"name over 63 bytes":       {of(reflect.TypeFor[ixLongName]()), "A", "longer than 63 bytes"},
		"index on a relation":      {of(reflect.TypeFor[ixOnRelation]()), "Other", "column options on a relation"},
		"noindex on a column":      {of(reflect.TypeFor[ixNoIndexColumn]()), "A", "relation options without a relation kind"},
		"unbalanced type":          {of(reflect.TypeFor[ixBadType]()), "A", "unbalanced"},
		"semicolon in default":     {of(reflect.TypeFor[ixSemicolon]()), "A", "semicolon"},
		"method: unknown column":   {of(reflect.TypeFor[ixMethodUnknown]()), "Indexes()", `unknown column "nope"`},
		"method: no columns":       {of(reflect.TypeFor[ixMethodEmpty]()), "Indexes()", "at least one column"},
		"method: name taken":       {of(reflect.TypeFor[ixMethodDup]()), "Indexes()", `second index named "dup"`},
		"method: column twice":     {of(reflect.TypeFor[ixMethodTwice]()), "Indexes()", `column "a" appears twice`},
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
}
