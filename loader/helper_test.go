package loader_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// schemaDDL covers every relation shape: self references, two relations to one table,
// nullable foreign keys, a many-to-many link table, uuid and text keys, and composite
// keys (identity, foreign key and link table), and a float8 primary key.
const schemaDDL = `
CREATE TABLE users (
	id         bigserial PRIMARY KEY,
	name       text NOT NULL,
	manager_id bigint REFERENCES users(id),
	created_at timestamptz NOT NULL
);
CREATE TABLE profiles (
	id      bigserial PRIMARY KEY,
	user_id bigint NOT NULL UNIQUE REFERENCES users(id),
	bio     text NOT NULL
);
CREATE TABLE posts (
	id         bigserial PRIMARY KEY,
	author_id  bigint NOT NULL REFERENCES users(id),
	editor_id  bigint REFERENCES users(id),
	title      text NOT NULL,
	score      integer NOT NULL,
	published  boolean NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX ON posts (author_id);
CREATE TABLE comments (
	id        bigserial PRIMARY KEY,
	post_id   bigint NOT NULL REFERENCES posts(id),
	author_id bigint NOT NULL REFERENCES users(id),
	body      text NOT NULL,
	score     integer NOT NULL
);
CREATE INDEX ON comments (post_id);
CREATE TABLE tags (
	id   serial PRIMARY KEY,
	name text NOT NULL UNIQUE
);
CREATE TABLE post_tags (
	post_id bigint NOT NULL REFERENCES posts(id),
	tag_id  integer NOT NULL REFERENCES tags(id),
	PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX ON post_tags (tag_id);
CREATE TABLE orgs (
	id   uuid PRIMARY KEY,
	name text NOT NULL
);
CREATE TABLE teams (
	id     uuid PRIMARY KEY,
	org_id uuid NOT NULL REFERENCES orgs(id),
	name   text NOT NULL
);
CREATE TABLE countries (
	code text PRIMARY KEY,
	name text NOT NULL
);
CREATE TABLE cities (
	id           bigserial PRIMARY KEY,
	country_code text NOT NULL REFERENCES countries(code),
	name         text NOT NULL
);
CREATE TABLE orders (
	region   text NOT NULL,
	number   integer NOT NULL,
	customer text NOT NULL,
	PRIMARY KEY (region, number)
);
CREATE TABLE order_lines (
	id           bigserial PRIMARY KEY,
	region       text NOT NULL,
	order_number integer NOT NULL,
	item         text NOT NULL,
	qty          integer NOT NULL,
	FOREIGN KEY (region, order_number) REFERENCES orders(region, number)
);
CREATE TABLE products (
	id   bigserial PRIMARY KEY,
	name text NOT NULL
);
CREATE TABLE sensors (
	id bigserial PRIMARY KEY
);
CREATE TABLE readings (
	at        float8 PRIMARY KEY,
	sensor_id bigint NOT NULL REFERENCES sensors(id),
	value     float8 NOT NULL
);
CREATE TABLE order_products (
	region       text NOT NULL,
	order_number integer NOT NULL,
	product_id   bigint NOT NULL REFERENCES products(id),
	PRIMARY KEY (region, order_number, product_id),
	FOREIGN KEY (region, order_number) REFERENCES orders(region, number)
);
`

// dataSQL fills the schema with random but reproducible data (setseed): users with
// 0-6 posts, optional profiles, managers and editors, 0-5 comments per post, about
// three tags per post, and the uuid, text and composite-key tables.
const dataSQL = `
SELECT setseed(0.42);
INSERT INTO users (id, name, manager_id, created_at)
SELECT g, 'user-' || g,
       CASE WHEN g > 3 AND random() < 0.8 THEN 1 + floor(random() * (g - 1))::bigint END,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(1, 300) g;
SELECT setval('users_id_seq', 300);
INSERT INTO profiles (user_id, bio) SELECT id, 'bio of ' || id FROM users WHERE random() < 0.6;
INSERT INTO posts (author_id, editor_id, title, score, published, created_at)
SELECT u.id, CASE WHEN random() < 0.3 THEN 1 + floor(random() * 300)::bigint END,
       'post ' || u.id || '-' || k, floor(random() * 20)::int, random() < 0.7,
       timestamptz '2024-01-01 00:00:00+00' + floor(random() * 1000) * interval '1 hour'
FROM users u CROSS JOIN generate_series(1, 6) k WHERE random() < 0.5 ORDER BY u.id, k;
INSERT INTO comments (post_id, author_id, body, score)
SELECT p.id, 1 + floor(random() * 300)::bigint, 'comment ' || p.id || '-' || k, floor(random() * 10)::int
FROM posts p CROSS JOIN generate_series(1, 5) k WHERE random() < 0.5 ORDER BY p.id, k;
INSERT INTO tags (name) SELECT 'tag-' || lpad(g::text, 2, '0') FROM generate_series(1, 20) g;
INSERT INTO post_tags (post_id, tag_id)
SELECT p.id, t.id FROM posts p CROSS JOIN tags t WHERE random() < 0.15;
INSERT INTO orgs (id, name) SELECT md5('org' || g)::uuid, 'org-' || g FROM generate_series(1, 30) g;
INSERT INTO teams (id, org_id, name)
SELECT md5('team' || g || '-' || k)::uuid, md5('org' || g)::uuid, 'team-' || g || '-' || k
FROM generate_series(1, 30) g CROSS JOIN generate_series(1, 4) k WHERE random() < 0.5;
INSERT INTO countries (code, name) SELECT 'C' || lpad(g::text, 2, '0'), 'country ' || g FROM generate_series(1, 20) g;
INSERT INTO cities (country_code, name)
SELECT c.code, c.code || '-city-' || k FROM countries c CROSS JOIN generate_series(1, 5) k WHERE random() < 0.5;
INSERT INTO orders (region, number, customer)
SELECT r, g, 'customer ' || r || g FROM unnest(ARRAY['eu', 'us']) r CROSS JOIN generate_series(1, 40) g;
INSERT INTO order_lines (region, order_number, item, qty)
SELECT o.region, o.number, 'item ' || k, 1 + floor(random() * 9)::int
FROM orders o CROSS JOIN generate_series(1, 4) k WHERE random() < 0.5;
INSERT INTO products (name) SELECT 'product ' || g FROM generate_series(1, 15) g;
INSERT INTO order_products (region, order_number, product_id)
SELECT o.region, o.number, p.id FROM orders o CROSS JOIN products p WHERE random() < 0.2;
`

// User exercises self references (Manager, Reports), has-one, and two has-many
// relations to one table (Posts by author_id, Edited by the nullable editor_id).
type User struct {
	ID        int64
	Name      string
	ManagerID *int64
	CreatedAt time.Time

	Manager *User    `orm:"belongs-to,fk:manager_id"`
	Reports []User   `orm:"has-many,fk:manager_id"`
	Profile *Profile `orm:"has-one"`
	Posts   []Post   `orm:"has-many,fk:author_id"`
	Edited  []*Post  `orm:"has-many,fk:editor_id"`
}

type Profile struct {
	ID     int64
	UserID int64
	Bio    string

	User *User `orm:"belongs-to"`
}

type Post struct {
	ID        int64
	AuthorID  int64
	EditorID  *int64
	Title     string
	Score     int32
	Published bool
	CreatedAt time.Time

	Author   *User     `orm:"belongs-to"`
	Editor   *User     `orm:"belongs-to"`
	Comments []Comment `orm:"has-many"`
	Tags     []*Tag    `orm:"many-to-many,through:post_tags"`
}

type Comment struct {
	ID       int64
	PostID   int64
	AuthorID int64
	Body     string
	Score    int32

	Post   *Post `orm:"belongs-to"`
	Author *User `orm:"belongs-to"`
}

// Tag has an int4 key, matched against post_tags.tag_id.
type Tag struct {
	ID   int32
	Name string

	Posts []Post `orm:"many-to-many,through:post_tags"`
}

// Org and Team have uuid keys, as pgtype.UUID on one side and [16]byte on the other.
type Org struct {
	ID   pgtype.UUID
	Name string

	Teams []Team `orm:"has-many"`
}

type Team struct {
	ID    [16]byte
	OrgID [16]byte
	Name  string

	Org *Org `orm:"belongs-to"`
}

// Country and City have text keys.
type Country struct {
	Code string `orm:"pk"`
	Name string

	Cities []City `orm:"has-many,fk:country_code"`
}

type City struct {
	ID          int64
	CountryCode string
	Name        string

	Country *Country `orm:"belongs-to,fk:country_code"`
}

// Order has a composite primary key, a composite foreign key pointing at it
// (order_lines) and a link table keyed by it (order_products).
type Order struct {
	Region   string `orm:"pk"`
	Number   int32  `orm:"pk"`
	Customer string

	Lines    []OrderLine `orm:"has-many,fk:region+order_number"`
	Products []Product   `orm:"many-to-many,through:order_products,through_owner:region+order_number"`
}

type OrderLine struct {
	ID          int64
	Region      string
	OrderNumber int32
	Item        string
	Qty         int32

	Order *Order `orm:"belongs-to,fk:region+order_number"`
}

type Product struct {
	ID   int64
	Name string
}

// Sensor's readings have a float8 primary key, which has no order in Go here: their
// statement keeps its ORDER BY.
type Sensor struct {
	ID       int64
	Readings []Reading `orm:"has-many"`
}

type Reading struct {
	At       float64 `orm:"pk"`
	SensorID int64
	Value    float64
}

// newDB returns a database holding the schema and the random data.
func newDB(t testing.TB) *orm.DB {
	t.Helper()
	return ormtest.New(t, ormtest.Schema(schemaDDL), ormtest.Schema(dataSQL))
}

func testCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// The naive loaders (preload_test.go) are the reference: one hand-written query per
// parent (rowtest.MustQuery) and hand-written scanning, sharing nothing with the loader.

const (
	userCols    = "id, name, manager_id, created_at"
	profileCols = "id, user_id, bio"
	postCols    = "id, author_id, editor_id, title, score, published, created_at"
	commentCols = "id, post_id, author_id, body, score"
	tagCols     = "id, name"
)

func scanUser(r pgx.CollectableRow) (User, error) {
	var u User
	err := r.Scan(&u.ID, &u.Name, &u.ManagerID, &u.CreatedAt)
	return u, err
}

func scanProfile(r pgx.CollectableRow) (Profile, error) {
	var p Profile
	err := r.Scan(&p.ID, &p.UserID, &p.Bio)
	return p, err
}

func scanPost(r pgx.CollectableRow) (Post, error) {
	var p Post
	err := r.Scan(&p.ID, &p.AuthorID, &p.EditorID, &p.Title, &p.Score, &p.Published, &p.CreatedAt)
	return p, err
}

func scanComment(r pgx.CollectableRow) (Comment, error) {
	var c Comment
	err := r.Scan(&c.ID, &c.PostID, &c.AuthorID, &c.Body, &c.Score)
	return c, err
}

func scanTag(r pgx.CollectableRow) (Tag, error) {
	var t Tag
	err := r.Scan(&t.ID, &t.Name)
	return t, err
}

func scanOrg(r pgx.CollectableRow) (Org, error) {
	var o Org
	err := r.Scan(&o.ID, &o.Name)
	return o, err
}

func scanTeam(r pgx.CollectableRow) (Team, error) {
	var t Team
	err := r.Scan(&t.ID, &t.OrgID, &t.Name)
	return t, err
}

func scanCountry(r pgx.CollectableRow) (Country, error) {
	var c Country
	err := r.Scan(&c.Code, &c.Name)
	return c, err
}

func scanCity(r pgx.CollectableRow) (City, error) {
	var c City
	err := r.Scan(&c.ID, &c.CountryCode, &c.Name)
	return c, err
}

func scanOrder(r pgx.CollectableRow) (Order, error) {
	var o Order
	err := r.Scan(&o.Region, &o.Number, &o.Customer)
	return o, err
}

func scanOrderLine(r pgx.CollectableRow) (OrderLine, error) {
	var l OrderLine
	err := r.Scan(&l.ID, &l.Region, &l.OrderNumber, &l.Item, &l.Qty)
	return l, err
}

func scanProduct(r pgx.CollectableRow) (Product, error) {
	var p Product
	err := r.Scan(&p.ID, &p.Name)
	return p, err
}

func ptrs[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
