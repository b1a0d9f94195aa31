package keyset_test

import (
	"reflect"
	"testing"

	"github.com/batchorm/batchorm/internal/join"
	"github.com/batchorm/batchorm/internal/keyset"
	"github.com/batchorm/batchorm/internal/model"
	"github.com/batchorm/batchorm/internal/sqlw"
)

type jAuthor struct {
	ID   int64
	Name string
}

type jPost struct {
	ID       int64
	AuthorID *int64
	Author   *jAuthor `orm:"belongs-to"`
}

// TestPlan_Apply_joinedKey pins the keyset condition on a joined column, bound to the
// query's joins: NULLs handled explicitly under a LEFT JOIN (a column NOT NULL in its
// table included), the two index ranges of a non-NULL cursor as UNION ALL branches
// sorted by output position, and the plain row value under an INNER JOIN.
func TestPlan_Apply_joinedKey(t *testing.T) {
	m, err := model.Of[jPost]()
	if err != nil {
		t.Fatal(err)
	}
	const from = `SELECT 1 FROM "j_posts" LEFT JOIN "j_authors" AS "Author" ON "Author"."id" = "j_posts"."author_id"`
	const innerFrom = `SELECT 1 FROM "j_posts" INNER JOIN "j_authors" AS "Author" ON "Author"."id" = "j_posts"."author_id"`
	tests := map[string]struct {
		keys     []string
		inner    bool
		values   []any
		wantSQL  string
		wantArgs []any
	}{
		"LEFT: after a name (NULLs follow: two branches)": {
			keys: []string{"Author.name"}, values: []any{"ann", int64(5)},
			wantSQL: `(` + from + ` WHERE "Author"."name" >= $1 AND ("Author"."name" > $2 OR ("Author"."name" = $3 AND "j_posts"."id" > $4)) LIMIT $5)` +
				` UNION ALL (` + from + ` WHERE "Author"."name" IS NULL LIMIT $5) ORDER BY 4, 1 LIMIT $5`,
			wantArgs: []any{"ann", "ann", "ann", int64(5), int64(21)},
		},
		"LEFT: after a NULL name": {
			keys: []string{"Author.name"}, values: []any{nil, int64(5)},
			wantSQL:  from + ` WHERE (("Author"."name" IS NULL AND "j_posts"."id" > $1)) LIMIT $2`,
			wantArgs: []any{int64(5), int64(21)},
		},
		"LEFT, descending: NULLs first": {
			keys: []string{"-Author.name"}, values: []any{"ann", int64(5)},
			wantSQL:  from + ` WHERE "Author"."name" <= $1 AND ("Author"."name" < $2 OR ("Author"."name" = $3 AND "j_posts"."id" < $4)) LIMIT $5`,
			wantArgs: []any{"ann", "ann", "ann", int64(5), int64(21)},
		},
		"INNER: the column's own NOT NULL holds": {
			keys: []string{"Author.name"}, inner: true, values: []any{"ann", int64(5)},
			wantSQL:  innerFrom + ` WHERE ("Author"."name", "j_posts"."id") > ($1, $2) LIMIT $3`,
			wantArgs: []any{"ann", int64(5), int64(21)},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			o, err := keyset.OrderBy(m, tt.keys)
			if err != nil {
				t.Fatal(err)
			}
			jp, err := join.New(m, join.Spec{Path: "Author", Inner: tt.inner})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := keyset.WalkCodec.Encode(o, tt.values, false)
			if err != nil {
				t.Fatal(err)
			}
			bound, err := o.Bind(jp)
			if err != nil {
				t.Fatal(err)
			}
			p, err := keyset.NewPlan(m, keyset.Request{Order: bound, After: tok, Codec: keyset.WalkCodec})
			if err != nil {
				t.Fatal(err)
			}
			st := sqlw.Select{Columns: "1", From: m.QTable, FromItem: jp, Limit: int64(p.Limit()), Offset: -1}
			// output positions: j_posts' 2 columns, then Author's id and name
			p.Apply(&st, func(name string) int {
				return map[string]int{"id": 1, "Author.name": 2 + jp.Position("Author.name")}[name]
			})
			sql, args, err := st.ToSQL()
			if err != nil {
				t.Fatal(err)
			}
			if sql != tt.wantSQL {
				t.Errorf("SQL:\n got %s\nwant %s", sql, tt.wantSQL)
			}
			if !reflect.DeepEqual(args, tt.wantArgs) {
				t.Errorf("args: got %#v, want %#v", args, tt.wantArgs)
			}
		})
	}
}
