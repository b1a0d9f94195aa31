package orm_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batchorm/batchorm/internal/rowtest"
	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
)

// relSchema and relData back the Preload and Join tests: writers (with a mentor, a
// self reference), their optional bios, articles with an author and an optional
// reviewer (two relations to writers), and remarks on articles. The data is random
// but reproducible (setseed).
const relSchema = `
CREATE TABLE writers (
	id        bigserial PRIMARY KEY,
	name      text NOT NULL,
	mentor_id bigint REFERENCES writers(id)
);
CREATE TABLE bios (
	id        bigserial PRIMARY KEY,
	writer_id bigint NOT NULL UNIQUE REFERENCES writers(id),
	text      text NOT NULL,
	born      date NOT NULL,
	website   text
);
CREATE TABLE articles (
	id          bigserial PRIMARY KEY,
	writer_id   bigint NOT NULL REFERENCES writers(id),
	reviewer_id bigint REFERENCES writers(id),
	title       text NOT NULL,
	rating      double precision NOT NULL,
	draft       boolean NOT NULL,
	word_count  integer NOT NULL,
	slug        text
);
CREATE TABLE remarks (
	id         bigserial PRIMARY KEY,
	article_id bigint NOT NULL REFERENCES articles(id),
	writer_id  bigint NOT NULL REFERENCES writers(id),
	body       text NOT NULL
);
`

const relData = `
SELECT setseed(0.17);
INSERT INTO writers (name, mentor_id)
SELECT 'writer-' || g, CASE WHEN g > 1 AND random() < 0.5 THEN 1 + floor(random() * (g - 1))::bigint END
FROM generate_series(1, 60) g;
INSERT INTO bios (writer_id, text, born, website)
SELECT id, 'bio ' || id, date '1980-01-01' + id::int, CASE WHEN random() < 0.5 THEN 'https://w' || id || '.example' END
FROM writers WHERE random() < 0.6;
INSERT INTO articles (writer_id, reviewer_id, title, rating, draft, word_count, slug)
SELECT w.id, CASE WHEN random() < 0.4 THEN 1 + floor(random() * 60)::bigint END, 'article ' || w.id || '-' || k,
       round((random() * 5)::numeric, 2)::float8, random() < 0.3, floor(random() * 3000)::int,
       CASE WHEN random() < 0.5 THEN 'a-' || w.id || '-' || k END
FROM writers w CROSS JOIN generate_series(1, 4) k WHERE random() < 0.6 ORDER BY w.id, k;
INSERT INTO remarks (article_id, writer_id, body)
SELECT a.id, 1 + floor(random() * 60)::bigint, 'remark ' || a.id || '-' || k
FROM articles a CROSS JOIN generate_series(1, 3) k WHERE random() < 0.5 ORDER BY a.id, k;
`

type Writer struct {
	ID       int64
	Name     string
	MentorID *int64

	Mentor   *Writer   `orm:"belongs-to,fk:mentor_id"`
	Bio      *Bio      `orm:"has-one"`
	Articles []Article `orm:"has-many"`
}

// Bio has a time.Time and a nullable column, to exercise every kind of joined column.
type Bio struct {
	ID       int64
	WriterID int64
	Text     string
	Born     time.Time
	Website  sql.NullString
}

type Article struct {
	ID         int64
	WriterID   int64
	ReviewerID *int64
	Title      string
	Rating     float64
	Draft      bool
	WordCount  int32
	Slug       *string

	Writer   *Writer  `orm:"belongs-to"`
	Reviewer *Writer  `orm:"belongs-to"`
	Remarks  []Remark `orm:"has-many"`
}

type Remark struct {
	ID        int64
	ArticleID int64
	WriterID  int64
	Body      string

	Writer *Writer `orm:"belongs-to"`
}

func newRelDB(t testing.TB) *orm.DB {
	t.Helper()
	return ormtest.New(t, ormtest.Schema(relSchema), ormtest.Schema(relData))
}

// Hand-written reference queries: one per parent.

const (
	writerCols  = "id, name, mentor_id"
	bioCols     = "id, writer_id, text, born, website"
	articleCols = "id, writer_id, reviewer_id, title, rating, draft, word_count, slug"
	remarkCols  = "id, article_id, writer_id, body"
)

func scanWriter(r pgx.CollectableRow) (Writer, error) {
	var w Writer
	err := r.Scan(&w.ID, &w.Name, &w.MentorID)
	return w, err
}

func scanBio(r pgx.CollectableRow) (Bio, error) {
	var b Bio
	err := r.Scan(&b.ID, &b.WriterID, &b.Text, &b.Born, &b.Website)
	return b, err
}

func scanArticle(r pgx.CollectableRow) (Article, error) {
	var a Article
	err := r.Scan(&a.ID, &a.WriterID, &a.ReviewerID, &a.Title, &a.Rating, &a.Draft, &a.WordCount, &a.Slug)
	return a, err
}

func scanRemark(r pgx.CollectableRow) (Remark, error) {
	var m Remark
	err := r.Scan(&m.ID, &m.ArticleID, &m.WriterID, &m.Body)
	return m, err
}

func naiveWriter(t testing.TB, ctx context.Context, db *orm.DB, id *int64) *Writer {
	if id == nil {
		return nil
	}
	return rowtest.MustQueryOne(t, ctx, db, scanWriter, "SELECT "+writerCols+" FROM writers WHERE id = $1", *id)
}

func naiveBio(t testing.TB, ctx context.Context, db *orm.DB, writerID int64) *Bio {
	return rowtest.MustQueryOne(t, ctx, db, scanBio, "SELECT "+bioCols+" FROM bios WHERE writer_id = $1", writerID)
}
