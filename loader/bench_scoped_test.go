package loader_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// The scoped models: every row has a tenant, and posts are soft-deletable.
type ScopedUser struct {
	ID        int64        `db:"id"`
	TenantID  int64        `db:"tenant_id" orm:"scope:tenant"`
	Name      string       `db:"name"`
	DeletedAt *time.Time   `db:"deleted_at" orm:"softdelete"`
	Posts     []ScopedPost `orm:"has-many,fk:author_id"`
}

func (ScopedUser) TableName() string { return "scoped_users" }

type ScopedPost struct {
	ID        int64      `db:"id"`
	TenantID  int64      `db:"tenant_id" orm:"scope:tenant"`
	AuthorID  int64      `db:"author_id"`
	Title     string     `db:"title"`
	DeletedAt *time.Time `db:"deleted_at" orm:"softdelete"`
}

func (ScopedPost) TableName() string { return "scoped_posts" }

// scopedBench: two tenants of 1,000 users each, 10 posts per user, one post in ten
// soft-deleted (the 10th of each user).
const scopedBench = `
CREATE TABLE scoped_users (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, name text NOT NULL, deleted_at timestamptz);
CREATE INDEX ON scoped_users (tenant_id);
CREATE TABLE scoped_posts (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, author_id bigint NOT NULL, title text NOT NULL, deleted_at timestamptz);
CREATE INDEX ON scoped_posts (author_id);
INSERT INTO scoped_users SELECT g, 1 + g % 2, 'user-' || g, NULL FROM generate_series(1, 2000) g;
INSERT INTO scoped_posts SELECT g, 1 + ((g - 1) % 2000 + 1) % 2, (g - 1) % 2000 + 1, 'post ' || g,
	CASE WHEN (g - 1) / 2000 = 9 THEN now() END FROM generate_series(1, 20000) g; -- each user's 10th post is deleted
ANALYZE;`

const (
	scopedUsersSQL = `SELECT "scoped_users"."id", "scoped_users"."tenant_id", "scoped_users"."name", "scoped_users"."deleted_at" FROM "scoped_users" WHERE "scoped_users"."deleted_at" IS NULL AND "scoped_users"."tenant_id" = $1`
	scopedPostsSQL = `SELECT "scoped_posts"."id", "scoped_posts"."tenant_id", "scoped_posts"."author_id", "scoped_posts"."title", "scoped_posts"."deleted_at" FROM "scoped_posts" WHERE "scoped_posts"."author_id" = ANY($1) AND "scoped_posts"."deleted_at" IS NULL AND "scoped_posts"."tenant_id" = $2`
)

// BenchmarkPreload_Scoped: one tenant's 1,000 users and their 9,000 live posts, every
// statement carrying the tenant and the soft-delete condition, next to the pgx twin
// sending the same two statements.
func BenchmarkPreload_Scoped(b *testing.B) {
	db := ormtest.New(b, ormtest.Schema(scopedBench))
	p := db.Pool()
	ok := func(b *testing.B, users []ScopedUser) {
		check(b, "users", len(users), 1000)
		check(b, "live posts of the last user", len(users[len(users)-1].Posts), 9)
	}
	b.Run("batchorm", func(b *testing.B) {
		measure(b, checked(b, ok, func(ctx context.Context) ([]ScopedUser, error) {
			return orm.Query[ScopedUser](db).Preload("Posts").All(orm.WithScope(ctx, "tenant", int64(1)))
		}))
	})
	b.Run("pgx", func(b *testing.B) {
		measure(b, checked(b, ok, func(ctx context.Context) ([]ScopedUser, error) {
			return twinScoped(ctx, p, 1)
		}))
	})
}

// twinScoped is BenchmarkPreload_Scoped's pgx twin: the tenant's live users, then
// their live posts with one ANY statement, grouped through a map.
func twinScoped(ctx context.Context, p *pgxpool.Pool, tenant int64) ([]ScopedUser, error) {
	rows, _ := p.Query(ctx, scopedUsersSQL, tenant)
	var users []ScopedUser
	var u ScopedUser
	for rows.Next() {
		if err := rows.Scan(&u.ID, &u.TenantID, &u.Name, &u.DeletedAt); err != nil {
			rows.Close()
			return nil, err
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(users))
	idx := make(map[int64]*ScopedUser, len(users))
	for i := range users {
		ids[i] = users[i].ID
		idx[users[i].ID] = &users[i]
		users[i].Posts = []ScopedPost{}
	}
	rows, _ = p.Query(ctx, scopedPostsSQL, ids, tenant)
	defer rows.Close()
	var post ScopedPost
	for rows.Next() {
		if err := rows.Scan(&post.ID, &post.TenantID, &post.AuthorID, &post.Title, &post.DeletedAt); err != nil {
			return nil, err
		}
		u := idx[post.AuthorID]
		u.Posts = append(u.Posts, post)
	}
	return users, rows.Err()
}

// The twin sends what batchorm sends.
func TestBench_scopedTwinStatements(t *testing.T) {
	db := ormtest.New(t, ormtest.Schema(scopedBench))
	ctx := orm.WithScope(context.Background(), "tenant", int64(1))
	log := ormtest.Record(ctx, func(ctx context.Context) {
		if _, err := orm.Query[ScopedUser](db).Preload("Posts").All(ctx); err != nil {
			t.Fatal(err)
		}
	})
	sql := log.SQL()
	if len(sql) != 2 || sql[0] != scopedUsersSQL || sql[1] != scopedPostsSQL {
		t.Fatalf("batchorm sent:\n%s\nthe twin sends:\n%s\n%s", log, scopedUsersSQL, scopedPostsSQL)
	}
}
