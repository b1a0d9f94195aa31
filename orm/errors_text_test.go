package orm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/paginate"
)

// Errors read once: one package prefix naming the user's call, no internal package
// names, whatever path the mistake takes.
func TestErrorText_onePrefixNoInternals(t *testing.T) {
	db := newDB(t)
	ctx := testCtx(t)
	users := orm.Query[User](db)
	cases := map[string]func(ctx context.Context) error{
		"Where unknown":     func(ctx context.Context) error { _, err := users.Where(orm.Eq{"nope": 1}).All(ctx); return err },
		"OrderBy unknown":   func(ctx context.Context) error { _, err := users.OrderBy("nope").All(ctx); return err },
		"Preload unknown":   func(ctx context.Context) error { _, err := users.Preload("Nope").All(ctx); return err },
		"Join to-many":      func(ctx context.Context) error { _, err := users.Join("Posts").All(ctx); return err },
		"Columns unknown":   func(ctx context.Context) error { _, err := users.Columns("nope").All(ctx); return err },
		"Where bad expr":    func(ctx context.Context) error { _, err := users.Where("id = ? AND ?", 1).All(ctx); return err },
		"Where nil":         func(ctx context.Context) error { _, err := users.Where(nil).All(ctx); return err },
		"Count unknown":     func(ctx context.Context) error { _, err := users.Where(orm.Eq{"nope": 1}).Count(ctx); return err },
		"UpdateAll nowhere": func(ctx context.Context) error { _, err := users.UpdateAll(ctx, orm.Set{"name": "x"}); return err },
		"UpdateAll unknown": func(ctx context.Context) error {
			_, err := users.Where(orm.AllRows).UpdateAll(ctx, orm.Set{"nope": "x"})
			return err
		},
		"bulk.Eq in orm": func(ctx context.Context) error { _, err := users.Where(orm.Has("Nope")).All(ctx); return err },
		"Paginate sort": func(ctx context.Context) error {
			_, err := paginate.OrderBy[User]("nope")
			return err
		},
		"ParseSort": func(ctx context.Context) error {
			_, err := paginate.ParseSort[User]("-nope", "name")
			return err
		},
		"Paginate cursor": func(ctx context.Context) error {
			_, err := users.Paginate(ctx, paginate.Request{Limit: 2, Codec: testCodec, After: "garbage"})
			return err
		},
		"lock outside tx": func(ctx context.Context) error { _, err := users.ForUpdate().All(ctx); return err },
		"loader unknown":  func(ctx context.Context) error { return loader.Preload(ctx, db, []User{{ID: 1}}, "Nope") },
		"loader option": func(ctx context.Context) error {
			return loader.PreloadWith(ctx, db, []User{{ID: 1}}, loader.Path("Posts", loader.Where(orm.Eq{"nope": 1})))
		},
		"bulk unknown col": func(ctx context.Context) error {
			_, err := bulk.Update(ctx, db, []User{{ID: 1}}, []string{"nope"})
			return err
		},
		"Scan unknown": func(ctx context.Context) error {
			_, err := orm.Scan[struct{ N int64 }](ctx, users, orm.Sum("nope").As("n"))
			return err
		},
		"Insert dup": func(ctx context.Context) error {
			_, err := db.Exec(ctx, "INSERT INTO users (id, name) VALUES (1, 'a'), (1, 'b')")
			return err
		},
	}
	cases["scope missing"] = func(ctx context.Context) error { _, err := orm.Query[TPost](db).All(ctx); return err }
	cases["scope missing, preload"] = func(ctx context.Context) error {
		_, err := orm.Query[plainPost](db).Preload("Author").All(ctx)
		return err
	}
	cases["scope missing, bulk"] = func(ctx context.Context) error { return bulk.Create(ctx, db, []TPost{{ID: 1}}) }
	cases["Ref outside"] = func(ctx context.Context) error {
		_, err := orm.Query[User](db).Preload("Posts.Nope").All(ctx)
		return err
	}
	for name, run := range cases {
		err := run(ctx)
		if err == nil {
			if name != "Insert dup" {
				t.Errorf("%s: no error", name)
			}
			continue
		}
		msg := err.Error()
		prefix, _, _ := strings.Cut(msg, ": ")
		switch {
		case name == "Insert dup": // pgx's own error, through db.Exec
		case prefix != "orm" && prefix != "loader" && prefix != "bulk" && prefix != "paginate":
			t.Errorf("%s: no package prefix: %s", name, msg)
		case strings.Count(msg, prefix+": ") > 1:
			t.Errorf("%s: the prefix is stacked: %s", name, msg)
		}
		for _, internal := range []string{"sqlw", "sqlb", "preload:", "keyset", "internal/", "querylog", "dbx", "advisor"} {
			if strings.Contains(msg, internal) {
				t.Errorf("%s: names the internal %q: %s", name, internal, msg)
			}
		}
	}
}
