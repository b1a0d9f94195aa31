package advisor

import (
	"reflect"
	"testing"
)

func TestPreds(t *testing.T) {
	tests := map[string]struct {
		expr string
		want []Pred
	}{
		"= ANY param": {`(items.owner_id = ANY ($1))`, []Pred{{Alias: "items", Col: "owner_id", Op: "=", Source: FromParam}}},
		"conjuncts, range, cast column": {`(((p.status)::text = $1) AND (p.score >= $2))`, []Pred{
			{Alias: "p", Col: "status", Op: "=", Source: FromParam}, {Alias: "p", Col: "score", Op: ">=", Source: FromParam}}},
		"quoted alias and column":      {`("Odd Alias"."Col""x" < $3)`, []Pred{{Alias: "Odd Alias", Col: `Col"x`, Op: "<", Source: FromParam}}},
		"param on the left is flipped": {`($1 < p.score)`, []Pred{{Alias: "p", Col: "score", Op: ">", Source: FromParam}}},
		"join key":                     {`(t.id = l.tag_id)`, []Pred{{Alias: "t", Col: "id", Op: "=", Source: FromOuter}}},
		"row comparison": {`(ROW(p.created_at, p.id) > ROW($1, $2))`, []Pred{
			{Alias: "p", Col: "created_at", Op: ">", Source: FromParam}, {Alias: "p", Col: "id", Op: ">", Source: FromParam}}},
		"IS NULL":                   {`(p.deleted_at IS NULL)`, []Pred{{Alias: "p", Col: "deleted_at", Op: "IS NULL", Source: FromConst, Const: `"deleted_at" IS NULL`}}},
		"string constant re-quoted": {`(p.status = 'it''s'::text)`, []Pred{{Alias: "p", Col: "status", Op: "=", Source: FromConst, Const: `"status" = 'it''s'::text`}}},
		"backslash constant":        {`(p.status = 'a\b'::text)`, []Pred{{Alias: "p", Col: "status", Op: "=", Source: FromConst, Const: `"status" = E'a\\b'::text`}}},
		"number and multi-word cast": {`((p.score = 5) AND (p.at > '2024-01-01 00:00:00+00'::timestamp with time zone))`, []Pred{
			{Alias: "p", Col: "score", Op: "=", Source: FromConst, Const: `"score" = 5`},
			{Alias: "p", Col: "at", Op: ">", Source: FromConst, Const: `"at" > '2024-01-01 00:00:00+00'::timestamp with time zone`}}},
		"cast that is not a type name is not rendered":   {`(p.status = 'x'::text; DROP TABLE t)`, []Pred{{Alias: "p", Col: "status", Op: "=", Source: FromConst}}},
		"expression is ignored":                          {`((p.name || ''::text) = $1)`, nil},
		"a column cast to another type is an expression": {`((p.ts)::date = $1)`, nil},
		"OR is ignored":                                  {`((p.a < $1) OR (p.a = $2))`, nil},
		"inequality is ignored":                          {`(p.a <> $1)`, nil},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := preds(tt.expr); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("preds(%s)\n got %+v\nwant %+v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestPropose(t *testing.T) {
	eq := func(c string) Pred { return Pred{Alias: "t", Col: c, Op: "=", Source: FromParam} }
	rng := func(c string) Pred { return Pred{Alias: "t", Col: c, Op: ">", Source: FromParam} }
	tests := map[string]struct {
		wanted []Pred
		order  []string
		consts []Pred
		output []string
		want   string
	}{
		"equality then range then order": {wanted: []Pred{rng("b"), eq("a")}, order: []string{"t.c DESC"},
			want: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_a_b_c_idx" ON "t" ("a", "b", "c");`},
		"range leading the order merges": {wanted: []Pred{rng("b")}, order: []string{"t.b DESC", "t.id"},
			want: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_b_id_desc_idx" ON "t" ("b", "id" DESC);`},
		"equality column left out of the order": {wanted: []Pred{eq("a")}, order: []string{"t.a", "t.b DESC NULLS LAST"},
			want: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_a_b_idx" ON "t" ("a", "b" NULLS FIRST);`},
		"only constants": {consts: preds(`(t.flag = true)`),
			want: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_flag_part_` + hash(`"flag" = TRUE`, 6) + `_idx" ON "t" ("flag") WHERE "flag" = TRUE;`},
		"include a small select list": {wanted: []Pred{eq("a")}, output: []string{"a", "x", "y"},
			want: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_a_incl_x_y_idx" ON "t" ("a") INCLUDE ("x", "y");`},
		"no include for a wide one": {wanted: []Pred{eq("a")}, output: []string{"a", "w", "x", "y", "z"},
			want: `CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_a_idx" ON "t" ("a");`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			fc := facts{consts: tt.consts, output: tt.output, table: `"t"`, name: "t"}
			for _, s := range tt.order {
				k, ok := parseSortKey(s)
				if !ok {
					t.Fatalf("sort key %q", s)
				}
				fc.order = append(fc.order, k)
			}
			p, ok := propose(Finding{alias: "t", wanted: tt.wanted}, fc, 10)
			if !ok || p.SQL != tt.want {
				t.Errorf("got  %s\nwant %s", p.SQL, tt.want)
			}
		})
	}
}

func TestIndexName_long(t *testing.T) {
	keys := []key{{col: "a_very_long_column_name_one"}, {col: "a_very_long_column_name_two"}, {col: "three"}}
	n := indexName("some_table", keys, nil, "")
	if len(n) > maxName || n != indexName("some_table", keys, nil, "") {
		t.Fatalf("name %q (%d bytes)", n, len(n))
	}
}
