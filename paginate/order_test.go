package paginate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/paginate"
)

func TestParseSort(t *testing.T) {
	t.Parallel()
	allowed := []string{"created_at", "title", "score", "CreatedAt"}
	tests := map[string]struct {
		spec    string
		allowed []string
		want    string // Order.String(); "" for the zero Order
		wantErr string
	}{
		"empty spec":              {spec: "", allowed: allowed, want: ""},
		"one field":               {spec: "title", allowed: allowed, want: "title,id"},
		"descending":              {spec: "-created_at", allowed: allowed, want: "-created_at,-id"},
		"explicit ascending":      {spec: "+created_at", allowed: allowed, want: "created_at,id"},
		"mixed with spaces":       {spec: " -created_at , title ", allowed: allowed, want: "-created_at,title,id"},
		"Go field name if listed": {spec: "-CreatedAt", allowed: allowed, want: "-created_at,-id"},
		"nullable field":          {spec: "-score", allowed: allowed, want: "-score,-id"},
		"not allowed":             {spec: "author_id", allowed: allowed, wantErr: `paginate: sort field "author_id" on model paginate_test.Post: not an allowed sort field (allowed: created_at, title, score, CreatedAt)`},
		"primary key not listed":  {spec: "id", allowed: allowed, wantErr: `paginate: sort field "id" on model paginate_test.Post: not an allowed sort field (allowed: created_at, title, score, CreatedAt)`},
		"unlisted spelling":       {spec: "Title", allowed: allowed, wantErr: `paginate: sort field "Title" on model paginate_test.Post: not an allowed sort field (allowed: created_at, title, score, CreatedAt)`},
		"no allowlist":            {spec: "title", wantErr: `paginate: sort field "title" on model paginate_test.Post: not an allowed sort field (the allowlist is empty)`},
		"SQL in a name":           {spec: "title; DROP TABLE posts", allowed: allowed, wantErr: `paginate: sort field "title; DROP TABLE posts" on model paginate_test.Post: not an allowed sort field (allowed: created_at, title, score, CreatedAt)`},
		"empty field":             {spec: "title,,score", allowed: allowed, wantErr: `paginate: sort on model paginate_test.Post: empty field name (allowed: created_at, title, score, CreatedAt)`},
		"trailing comma":          {spec: "title,", allowed: allowed, wantErr: `paginate: sort on model paginate_test.Post: empty field name (allowed: created_at, title, score, CreatedAt)`},
		"lone minus":              {spec: "-", allowed: allowed, wantErr: `paginate: sort field "-" on model paginate_test.Post: empty field name (allowed: created_at, title, score, CreatedAt)`},
		"double minus":            {spec: "--title", allowed: allowed, wantErr: `paginate: sort field "-title" on model paginate_test.Post: not an allowed sort field (allowed: created_at, title, score, CreatedAt)`},
		"same column twice":       {spec: "created_at,-CreatedAt", allowed: allowed, wantErr: `paginate: sort field "CreatedAt" on model paginate_test.Post: column created_at named twice (allowed: created_at, title, score, CreatedAt)`},
		"too long":                {spec: strings.Repeat("a", paginate.MaxSortSpecLen+1), allowed: allowed, wantErr: `paginate: sort on model paginate_test.Post: spec longer than 256 bytes (allowed: created_at, title, score, CreatedAt)`},
		"too many fields":         {spec: strings.Repeat("title,", 9), allowed: allowed, wantErr: `paginate: sort on model paginate_test.Post: more than 8 fields (allowed: created_at, title, score, CreatedAt)`},
		"invalid UTF-8":           {spec: "ti\xfftle", allowed: allowed, wantErr: `paginate: sort on model paginate_test.Post: spec is not valid UTF-8 (allowed: created_at, title, score, CreatedAt)`},
		"NULLS LAST from the allowlist, descending": {spec: "-score", allowed: []string{"title", "score NULLS LAST"}, want: "-score NULLS LAST,-id"},
		"NULLS LAST from the allowlist, ascending":  {spec: "score,title", allowed: []string{"title", "score nulls last"}, want: "score,title,id"},
		"NULLS FIRST from the allowlist":            {spec: "score", allowed: []string{"score NULLS FIRST"}, want: "score NULLS FIRST,id"},
		"NULLS clause from the user":                {spec: "score NULLS FIRST", allowed: []string{"score NULLS LAST"}, wantErr: `paginate: sort field "score NULLS FIRST" on model paginate_test.Post: not an allowed sort field (allowed: score)`},
		"direction in the allowlist":                {spec: "score", allowed: []string{"-score"}, wantErr: `paginate: sort field "-score" on model paginate_test.Post: allowlist entry: a direction is the user's to choose`},
		"bad NULLS in the allowlist":                {spec: "score", allowed: []string{"score nulls sometimes"}, wantErr: `paginate: sort field "score nulls sometimes" on model paginate_test.Post: allowlist entry: NULLS must be followed by FIRST or LAST`},
		"allowlist typo":                            {spec: "title", allowed: []string{"titel"}, wantErr: `paginate: sort field "titel" on model paginate_test.Post: allowlist names an unknown column: unknown column "titel" on model paginate_test.Post (columns: id, created_at, title, score, author_id)`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o, err := paginate.ParseSort[Post](tt.spec, tt.allowed...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v\nwant %s", err, tt.wantErr)
				}
				if !errors.Is(err, paginate.ErrInvalidSort) {
					t.Fatalf("errors.Is(%v, ErrInvalidSort) is false", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.String() != tt.want || o.IsZero() != (tt.want == "") {
				t.Fatalf("got %q, want %q", o.String(), tt.want)
			}
		})
	}
}

func TestOrderBy(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		keys    []string
		want    string
		wantErr string
	}{
		"none: primary key":  {want: "id"},
		"DESC suffix":        {keys: []string{"created_at DESC", "title asc"}, want: "-created_at,title,id"},
		"Go field names":     {keys: []string{"-CreatedAt"}, want: "-created_at,-id"},
		"primary key inside": {keys: []string{"-id", "title"}, want: "-id,title"},
		"unknown column":     {keys: []string{"nope"}, wantErr: `paginate: sort field "nope" on model paginate_test.Post: not a column of the model or of a to-one relation: unknown column "nope" on model paginate_test.Post (columns: id, created_at, title, score, author_id)`},
		"unknown relation":   {keys: []string{"Author.name"}, wantErr: `paginate: sort field "Author.name" on model paginate_test.Post: not a column of the model or of a to-one relation: unknown relation "Author" in path "Author" on model paginate_test.Post (relations: none)`},
		"bad direction":      {keys: []string{"title up"}, wantErr: `paginate: sort field "title up" on model paginate_test.Post: direction must be ASC or DESC`},
		"empty key":          {keys: []string{" "}, wantErr: `paginate: sort field " " on model paginate_test.Post: malformed sort key`},
		"twice":              {keys: []string{"title", "-title"}, wantErr: `paginate: sort field "title" on model paginate_test.Post: column title named twice`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o, err := paginate.OrderBy[Post](tt.keys...)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, paginate.ErrInvalidSort) {
					t.Fatalf("got %v\nwant %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.String() != tt.want {
				t.Fatalf("got %q, want %q", o.String(), tt.want)
			}
		})
	}
}

func TestOrderBy_unknownColumn_reachesColumnError(t *testing.T) {
	t.Parallel()
	_, err := paginate.OrderBy[Post]("nope")
	var ce *orm.ColumnError
	if !errors.As(err, &ce) || ce.Name != "nope" {
		t.Fatalf("got %v, want a *ColumnError for nope", err)
	}
}

// NoKey has no primary key; Weird has a sort column a cursor cannot carry.
type (
	NoKey struct{ Name string }
	Weird struct {
		ID   int64
		Tags map[string]string
	}
)

func TestOrderBy_unusableModels(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		order func() error
		want  string
	}{
		"no primary key": {
			order: func() error { _, err := paginate.OrderBy[NoKey]("name"); return err },
			want:  `paginate: sort on model paginate_test.NoKey: model has no primary key to make the order unique (tag one with orm:"pk")`,
		},
		"unsupported type": {
			order: func() error { _, err := paginate.OrderBy[Weird]("tags"); return err },
			want:  `paginate: sort field "tags" on model paginate_test.Weird: type map[string]string cannot be a sort key (use an integer, float, bool, string, []byte, time.Time, [16]byte/uuid, pgtype.Numeric, a pointer to one, or a sql.Null*/pgtype nullable wrapper)`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := tt.order(); err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestOrder_Reverse_Keys(t *testing.T) {
	t.Parallel()
	o := mustOrder[Post](t, "-created_at", "title")
	if got := o.Reverse().String(); got != "created_at,-title,-id" {
		t.Fatalf("Reverse: got %q", got)
	}
	if got := o.Reverse().Reverse().String(); got != o.String() {
		t.Fatalf("Reverse twice: got %q", got)
	}
	if k := o.Keys(); len(k) != 3 || k[0] != (paginate.Key{Column: "created_at", Desc: true, NullsFirst: true}) {
		t.Fatalf("Keys: got %+v", k)
	}
	// Score is nullable: an explicit NULL placement is kept, flipped by Reverse and
	// written by String only where it is not PostgreSQL's default.
	n := mustOrder[Post](t, "-score nulls last", "title NULLS FIRST")
	if got := n.String(); got != "-score NULLS LAST,title,id" {
		t.Fatalf("String: got %q (title cannot hold NULL: its placement is dropped)", got)
	}
	if got := n.Reverse().String(); got != "score NULLS FIRST,-title,-id" {
		t.Fatalf("Reverse: got %q", got)
	}
	if k := n.Keys()[0]; k != (paginate.Key{Column: "score", Desc: true}) {
		t.Fatalf("Keys: got %+v", k)
	}
}

// The limits paginate documents are the ones the machinery enforces.
func TestLimits_matchTheMachinery(t *testing.T) {
	t.Parallel()
	for name, pair := range map[string][2]int{
		"DefaultLimit":       {paginate.DefaultLimit, keyset.DefaultLimit},
		"MaxSortSpecLen":     {paginate.MaxSortSpecLen, keyset.MaxSortSpecLen},
		"MaxSortKeys":        {paginate.MaxSortKeys, keyset.MaxSortKeys},
		"DefaultMaxTokenLen": {paginate.DefaultMaxTokenLen, keyset.DefaultMaxTokenLen},
		"MinKeyLen":          {paginate.MinKeyLen, keyset.MinKeyLen},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s: paginate says %d, the machinery uses %d", name, pair[0], pair[1])
		}
	}
}
