package loader_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/loader"
	"github.com/batchorm/batchorm/orm"
)

// The hand-written pgx twins of the benchmarks, sharing nothing with the loader: each
// scans into one reused struct through one reused destination list and appends a copy
// (no allocation per row but the strings pgx makes), and groups children through
// maps.

// TestBench_twinStatements checks that the twins send the statements batchorm renders.
func TestBench_twinStatements(t *testing.T) {
	t.Parallel()
	statements := func(m any, specs ...loader.Spec) []string {
		var p *loader.Plan
		var err error
		switch m.(type) {
		case User:
			p, err = loader.NewPlan(mustModel[User](t), specs...)
		case Post:
			p, err = loader.NewPlan(mustModel[Post](t), specs...)
		}
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, st := range p.Statements() {
			out = append(out, st.SQL)
		}
		return out
	}
	sqlOf := func(sql string, _ []any, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		return sql
	}
	for name, c := range map[string]struct{ got, want []string }{
		"users":          {[]string{sqlOf(orm.Query[User](nil).ToSQL())}, []string{benchUsersSQL}},
		"users by id":    {[]string{sqlOf(orm.Query[User](nil).Where(orm.Eq{"id": smallIDs}).ToSQL())}, []string{benchUsersByIDSQL}},
		"page of posts":  {[]string{sqlOf(orm.Query[Post](nil).OrderBy("id").Limit(1000).ToSQL())}, []string{benchPagePosts}},
		"inner join":     {[]string{sqlOf(orm.Query[Post](nil).InnerJoin("Author").ToSQL())}, []string{benchJoinSQL}},
		"left join":      {[]string{sqlOf(orm.Query[Post](nil).Join("Author").ToSQL())}, []string{benchLeftJoinSQL}},
		"nested preload": {statements(User{}, loader.Path("Posts.Comments"), loader.Path("Posts.Tags")), []string{benchPostsSQL, benchCommentsSQL, benchTagsSQL}},
		"to-one preload": {statements(Post{}, loader.Path("Author")), []string{benchAuthorsSQL}},
	} {
		if len(c.got) != len(c.want) {
			t.Fatalf("%s: want %d statements, got %d", name, len(c.want), len(c.got))
		}
		for i := range c.got {
			if c.got[i] != c.want[i] {
				t.Errorf("%s: the twin's statement differs from batchorm's:\n%s\n%s", name, c.want[i], c.got[i])
			}
		}
	}
}

func scanTagPtr(r pgx.CollectableRow) (*Tag, error) {
	t := &Tag{}
	err := r.Scan(&t.ID, &t.Name)
	return t, err
}

func twinUsers(ctx context.Context, p *pgxpool.Pool, sql string, args ...any) ([]User, error) {
	rows, _ := p.Query(ctx, sql, args...)
	defer rows.Close()
	var users []User
	var u User
	dest := []any{&u.ID, &u.Name, &u.ManagerID, &u.CreatedAt}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

func twinPostList(ctx context.Context, p *pgxpool.Pool, sql string, args ...any) ([]Post, error) {
	rows, _ := p.Query(ctx, sql, args...)
	defer rows.Close()
	var posts []Post
	var post Post
	dest := postDest(&post)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		posts = append(posts, post)
	}
	return posts, rows.Err()
}

func postDest(p *Post) []any {
	return []any{&p.ID, &p.AuthorID, &p.EditorID, &p.Title, &p.Score, &p.Published, &p.CreatedAt}
}

// twinPosts loads the users' posts with one ANY statement, appending each post to
// its author's slice through a map from id to user (every user gets an empty,
// non-nil Posts first).
func twinPosts(ctx context.Context, p *pgxpool.Pool, users []User) error {
	ids := make([]int64, len(users))
	idx := make(map[int64]*User, len(users))
	for i := range users {
		ids[i] = users[i].ID
		idx[users[i].ID] = &users[i]
		users[i].Posts = []Post{}
	}
	rows, _ := p.Query(ctx, benchPostsSQL, ids)
	defer rows.Close()
	var post Post
	dest := postDest(&post)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		u := idx[post.AuthorID]
		u.Posts = append(u.Posts, post)
	}
	return rows.Err()
}

// twinLimited loads the users, then their limited posts with sql (keys, limit), whose
// rows come grouped by author.
func twinLimited(ctx context.Context, p *pgxpool.Pool, sql string) ([]User, error) {
	users, err := twinUsers(ctx, p, benchUsersSQL)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(users))
	idx := make(map[int64]int, len(users))
	for i, u := range users {
		ids[i] = u.ID
		idx[u.ID] = i
		users[i].Posts = []Post{}
	}
	posts, err := twinPostList(ctx, p, sql, ids, limitN)
	if err != nil {
		return nil, err
	}
	groupByKey(posts, func(p *Post) int64 { return p.AuthorID }, func(k int64, ps []Post) {
		users[idx[k]].Posts = ps
	})
	return users, nil
}

// naivePostsEach sends sql once per user, with the user's id as $1 and args after it,
// and puts the rows in the user's Posts.
func naivePostsEach(ctx context.Context, p *pgxpool.Pool, users []User, sql string, args ...any) error {
	for i := range users {
		rows, _ := p.Query(ctx, sql, append([]any{users[i].ID}, args...)...)
		var err error
		if users[i].Posts, err = pgx.CollectRows(rows, scanPost); err != nil {
			return err
		}
	}
	return nil
}

// groupByKey calls set once per run of equal keys in rows (sorted by key).
func groupByKey[T any](rows []T, key func(*T) int64, set func(int64, []T)) {
	start := 0
	for i := 1; i <= len(rows); i++ {
		if i == len(rows) || key(&rows[i]) != key(&rows[start]) {
			set(key(&rows[start]), rows[start:i:i])
			start = i
		}
	}
}

// twinComments appends each comment to its post's slice through a map.
func twinComments(rows pgx.Rows, posts map[int64]*Post) error {
	defer rows.Close()
	var c Comment
	dest := []any{&c.ID, &c.PostID, &c.AuthorID, &c.Body, &c.Score}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		p := posts[c.PostID]
		p.Comments = append(p.Comments, c)
	}
	return rows.Err()
}

// twinTagRows appends each tag to its post's slice through a map.
func twinTagRows(rows pgx.Rows, posts map[int64]*Post) error {
	defer rows.Close()
	var postID int64
	var t Tag
	dest := []any{&postID, &t.ID, &t.Name}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		p := posts[postID]
		tag := t
		p.Tags = append(p.Tags, &tag)
	}
	return rows.Err()
}

// postIndex returns the ids of the posts of users and a map to each, every post given
// empty, non-nil Comments and Tags.
func postIndex(users []User) ([]int64, map[int64]*Post) {
	var ids []int64
	idx := make(map[int64]*Post)
	for i := range users {
		for j := range users[i].Posts {
			post := &users[i].Posts[j]
			post.Comments, post.Tags = []Comment{}, []*Tag{}
			ids = append(ids, post.ID)
			idx[post.ID] = post
		}
	}
	return ids, idx
}

func twinTags(ctx context.Context, p *pgxpool.Pool, posts []*Post) error {
	ids := make([]int64, len(posts))
	idx := make(map[int64]*Post, len(posts))
	for i, post := range posts {
		ids[i] = post.ID
		idx[post.ID] = post
		post.Tags = []*Tag{}
	}
	rows, _ := p.Query(ctx, benchTagsSQL, ids)
	return twinTagRows(rows, idx)
}

// twinNested sends users (sql with args), posts, then comments and tags: one after
// another, or the last two in one batch.
func twinNested(ctx context.Context, p *pgxpool.Pool, sql string, args []any, pipelined bool) ([]User, error) {
	users, err := twinUsers(ctx, p, sql, args...)
	if err != nil {
		return nil, err
	}
	if err := twinPosts(ctx, p, users); err != nil {
		return nil, err
	}
	ids, idx := postIndex(users)
	if !pipelined {
		rows, _ := p.Query(ctx, benchCommentsSQL, ids)
		if err := twinComments(rows, idx); err != nil {
			return nil, err
		}
		rows, _ = p.Query(ctx, benchTagsSQL, ids)
		return users, twinTagRows(rows, idx)
	}
	batch := &pgx.Batch{}
	batch.Queue(benchCommentsSQL, ids)
	batch.Queue(benchTagsSQL, ids)
	br := p.SendBatch(ctx, batch)
	defer br.Close()
	rows, _ := br.Query()
	if err := twinComments(rows, idx); err != nil {
		return nil, err
	}
	rows, _ = br.Query()
	if err := twinTagRows(rows, idx); err != nil {
		return nil, err
	}
	return users, br.Close()
}

// twinSmall is the small request: 10 users by id, their posts, the posts' tags.
func twinSmall(ctx context.Context, p *pgxpool.Pool) ([]User, error) {
	users, err := twinUsers(ctx, p, benchUsersByIDSQL, smallIDs)
	if err != nil {
		return nil, err
	}
	if err := twinPosts(ctx, p, users); err != nil {
		return nil, err
	}
	ids, idx := postIndex(users)
	rows, _ := p.Query(ctx, benchTagsSQL, ids)
	return users, twinTagRows(rows, idx)
}

// twinJoin scans the INNER JOIN straight into the post and a new author.
func twinJoin(ctx context.Context, p *pgxpool.Pool) ([]Post, error) {
	rows, _ := p.Query(ctx, benchJoinSQL)
	defer rows.Close()
	var posts []Post
	var post Post
	var a User
	dest := append(postDest(&post), &a.ID, &a.Name, &a.ManagerID, &a.CreatedAt)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		author := a
		post.Author = &author
		posts = append(posts, post)
	}
	return posts, rows.Err()
}

// twinLeftJoin scans the LEFT JOIN into nullable holders and builds the author when
// its key is not NULL.
func twinLeftJoin(ctx context.Context, p *pgxpool.Pool) ([]Post, error) {
	rows, _ := p.Query(ctx, benchLeftJoinSQL)
	defer rows.Close()
	var posts []Post
	var post Post
	var (
		aID        pgtype.Int8
		aName      pgtype.Text
		aManagerID *int64
		aCreatedAt pgtype.Timestamptz
	)
	dest := append(postDest(&post), &aID, &aName, &aManagerID, &aCreatedAt)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		post.Author = nil
		if aID.Valid {
			post.Author = &User{ID: aID.Int64, Name: aName.String, ManagerID: aManagerID, CreatedAt: aCreatedAt.Time}
		}
		posts = append(posts, post)
	}
	return posts, rows.Err()
}

// twinPostsThenAuthors loads the posts, then their distinct authors with one ANY
// statement; posts of one author share the author struct.
func twinPostsThenAuthors(ctx context.Context, p *pgxpool.Pool, sql string) ([]Post, error) {
	posts, err := twinPostList(ctx, p, sql)
	if err != nil {
		return nil, err
	}
	seen := make(map[int64]struct{}, len(posts))
	var ids []int64
	for _, post := range posts {
		if _, ok := seen[post.AuthorID]; !ok {
			seen[post.AuthorID] = struct{}{}
			ids = append(ids, post.AuthorID)
		}
	}
	authors, err := twinUsers(ctx, p, benchAuthorsSQL, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*User, len(authors))
	for i := range authors {
		byID[authors[i].ID] = &authors[i]
	}
	for i := range posts {
		posts[i].Author = byID[posts[i].AuthorID]
	}
	return posts, nil
}
