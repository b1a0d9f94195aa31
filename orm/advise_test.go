package orm_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/paginate"
)

// advSchema holds enough rows that the planner cares: 40,000 posts of 2,000 users, most
// of them soft-deleted, and a many-to-many link table whose primary key leads with the
// wrong column.
const advSchema = `CREATE TABLE adv_users (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE adv_posts (id bigserial PRIMARY KEY, user_id bigint NOT NULL, status text NOT NULL,
	score int NOT NULL, created_at timestamptz NOT NULL, title text NOT NULL, body text NOT NULL,
	deleted_at timestamptz);
CREATE TABLE adv_tags (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE adv_user_tags (tag_id bigint NOT NULL, user_id bigint NOT NULL, PRIMARY KEY (tag_id, user_id));
-- A statistics target of 1000 makes ANALYZE read every row (300 x target >= 40,000):
-- the same statistics, and so the same plans, on every run. A sample of 30,000 of the
-- 40,000 posts once tipped the covering shape's plan from an index-only scan to a bitmap scan.
ALTER TABLE adv_posts ALTER COLUMN user_id SET STATISTICS 1000;
ALTER TABLE adv_user_tags ALTER COLUMN user_id SET STATISTICS 1000;
INSERT INTO adv_users (name) SELECT 'user ' || g FROM generate_series(1, 2000) g;
INSERT INTO adv_posts (user_id, status, score, created_at, title, body, deleted_at)
	SELECT 1 + g % 2000, (ARRAY['draft', 'active', 'archived', 'spam'])[1 + g % 4], g % 1000,
		timestamptz '2024-01-01' + g * interval '1 minute', 'title ' || g, repeat('x', 100),
		CASE WHEN g % 10 <> 0 THEN timestamptz '2024-06-01' END
	FROM generate_series(1, 40000) g;
INSERT INTO adv_tags (name) SELECT 'tag ' || g FROM generate_series(1, 500) g;
INSERT INTO adv_user_tags SELECT 1 + g % 500, 1 + (g / 20) % 2000 FROM generate_series(1, 40000) g ON CONFLICT DO NOTHING`

type AdvUser struct {
	ID    int64
	Name  string
	Posts []AdvPost `orm:"has-many,fk:user_id"`
	Tags  []AdvTag  `orm:"many-to-many,through:adv_user_tags,through_owner:user_id,through_target:tag_id"`
}

func (AdvUser) TableName() string { return "adv_users" }

type AdvPost struct {
	ID        int64
	UserID    int64
	Status    string
	Score     int
	CreatedAt time.Time
	Title     string
	Body      string
	DeletedAt *time.Time
}

func (AdvPost) TableName() string { return "adv_posts" }

// AdvLivePost is AdvPost with soft delete: every statement reads "deleted_at" IS NULL.
type AdvLivePost struct {
	ID        int64
	UserID    int64
	Status    string
	Score     int
	CreatedAt time.Time
	Title     string
	Body      string
	DeletedAt *time.Time `orm:"softdelete"`
}

func (AdvLivePost) TableName() string { return "adv_posts" }

type AdvTag struct {
	ID   int64
	Name string
}

func (AdvTag) TableName() string { return "adv_tags" }

// TestAdviseIndexes_shapes records the statements of each query shape through a
// QueryLog, asks AdviseIndexes, and checks the proposal text exactly, that the plan
// made with the index built uses it, and that it costs less than without. Run with -v
// for the measures.
func TestAdviseIndexes_shapes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := ormtest.New(t, ormtest.Schema(advSchema))
	mustExec(t, db, "VACUUM ANALYZE") // statistics, and a visibility map for index-only scans
	at := time.Date(2024, 1, 20, 0, 0, 0, 0, time.UTC)
	posts := orm.Query[AdvPost](db)
	type titled struct {
		Title string `db:"title"`
	}
	tests := []struct {
		name string
		run  func(ctx context.Context) error
		want []string // the proposals' migration text, in statement order
	}{
		{"fk preload = ANY", func(ctx context.Context) error {
			_, err := orm.Query[AdvUser](db).Where(orm.Eq{"id": 7}).Preload("Posts").All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_user_id_idx" ON "adv_posts" ("user_id");`}},
		{"composite filter + order (three columns)", func(ctx context.Context) error {
			_, err := posts.Where(orm.Eq{"user_id": 7, "status": "draft"}).OrderBy("-created_at").Limit(5).All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_status_user_id_created_at_idx" ON "adv_posts" ("status", "user_id", "created_at");`}},
		{"range + order", func(ctx context.Context) error {
			_, err := posts.Where(orm.Gt{"created_at": at}).OrderBy("created_at", "id").Limit(20).All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_created_at_id_idx" ON "adv_posts" ("created_at", "id");`}},
		{"two equalities and a range (three columns)", func(ctx context.Context) error {
			_, err := posts.Where(orm.Eq{"user_id": 7, "status": "draft"}).Where(orm.Gte{"score": 500}).All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_status_user_id_score_idx" ON "adv_posts" ("status", "user_id", "score");`}},
		{"partial: soft delete", func(ctx context.Context) error {
			_, err := orm.Query[AdvLivePost](db).Where(orm.Eq{"user_id": 7}).All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_user_id_part_c40d8e_idx" ON "adv_posts" ("user_id") WHERE "deleted_at" IS NULL;`}},
		{"partial: constant", func(ctx context.Context) error {
			_, err := posts.Where("status = 'active'").Where(orm.Eq{"score": 5}).All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_score_part_d5d1e0_idx" ON "adv_posts" ("score") WHERE "status" = 'active'::text;`}},
		{"covering: INCLUDE for an index-only scan", func(ctx context.Context) error {
			_, err := orm.Scan[titled](ctx, posts.Where(orm.Eq{"user_id": 7}), orm.Col("title"))
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_user_id_incl_title_idx" ON "adv_posts" ("user_id") INCLUDE ("title");`}},
		{"mixed-direction keyset page 2", func(ctx context.Context) error {
			unrecorded := context.WithoutCancel(context.Background())
			o, err := paginate.OrderBy[AdvPost]("-created_at", "id")
			if err != nil {
				return err
			}
			req := paginate.Request{Order: o, Limit: 20, Codec: testCodec}
			page, err := posts.Paginate(unrecorded, req) // page 1
			if err != nil {
				return err
			}
			req.After = page.Next
			_, err = posts.Paginate(ctx, req)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_created_at_id_desc_idx" ON "adv_posts" ("created_at", "id" DESC);`}},
		{"many-to-many link table edge", func(ctx context.Context) error {
			_, err := orm.Query[AdvUser](db).Where(orm.Eq{"id": 7}).Preload("Tags").All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_user_tags_user_id_idx" ON "adv_user_tags" ("user_id");`}},
		{"DISTINCT ON, mixed directions", func(ctx context.Context) error {
			_, err := posts.Where(orm.Eq{"status": "draft"}).DistinctOn("user_id").OrderBy("user_id", "-created_at").All(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_status_user_id_created_at_desc_idx" ON "adv_posts" ("status", "user_id", "created_at" DESC);`}},
		{"Count with a filter: index-only", func(ctx context.Context) error {
			_, err := posts.Where(orm.Eq{"user_id": 7}).Where(orm.Gte{"score": 500}).Count(ctx)
			return err
		}, []string{`CREATE INDEX CONCURRENTLY IF NOT EXISTS "adv_posts_user_id_score_idx" ON "adv_posts" ("user_id", "score");`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rctx, log := orm.WithQueryLog(ctx)
			if err := tt.run(rctx); err != nil {
				t.Fatal(err)
			}
			var sts []orm.Statement
			for _, e := range log.Entries() {
				sts = append(sts, e.Statement())
			}
			reports, err := orm.AdviseIndexes(ctx, db, sts...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range reports {
				for _, p := range r.Proposals {
					got = append(got, p.SQL)
					t.Logf("%s\n  before: %s\n  after:  %s", p.SQL, p.Before, p.After)
					if !p.Used || p.After.Index != p.Name || p.After.Cost >= p.Before.Cost {
						t.Errorf("proposal not proven: used %v, before %s, after %s\n%s", p.Used, p.Before, p.After, r.SQL)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("proposals:\n got %q\nwant %q\nstatements: %s", got, tt.want, log)
			}
			if tt.name == "covering: INCLUDE for an index-only scan" && (len(reports) != 1 || len(reports[0].Proposals) != 1 ||
				reports[0].Proposals[0].After.Node != "Index Only Scan") {
				t.Errorf("covering index not read by an index-only scan: %+v", reports)
			}
		})
	}

	// A statement an index serves gets no proposal.
	mustExec(t, db, "CREATE INDEX adv_posts_user_id_idx ON adv_posts (user_id)")
	rctx, log := orm.WithQueryLog(ctx)
	if _, err := orm.Query[AdvUser](db).Where(orm.Eq{"id": 7}).Preload("Posts").All(rctx); err != nil {
		t.Fatal(err)
	}
	var sts []orm.Statement
	for _, e := range log.Entries() {
		sts = append(sts, e.Statement())
	}
	reports, err := orm.AdviseIndexes(ctx, db, sts...)
	if err != nil || len(reports) != 2 || !reports[0].Served() || !reports[1].Served() || len(reports[1].Proposals) != 0 {
		t.Fatalf("served statements: %v %+v", err, reports)
	}
}
