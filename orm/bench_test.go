package orm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/batchorm/batchorm/orm"
)

// BenchmarkQueryAll compares Select.All with a hand-written pgx loop that scans the same
// columns into the same structs: the twin is the physical limit.
func BenchmarkQueryAll(b *testing.B) {
	db := newDB(b)
	ctx := context.Background()
	seedUsers(b, db, 10000)
	mustExec(b, db, "ANALYZE users")
	for _, n := range []int{1, 100, 10000} {
		b.Run(fmt.Sprintf("rows=%d/batchorm", n), func(b *testing.B) {
			q := orm.Query[User](db).Where(orm.Lte{"id": n}).OrderBy("id")
			ctx, log := orm.WithQueryLog(ctx)
			b.ReportAllocs()
			for b.Loop() {
				users, err := q.All(ctx)
				if err != nil || len(users) != n {
					b.Fatalf("got %d rows, %v", len(users), err)
				}
			}
			b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
		})
		b.Run(fmt.Sprintf("rows=%d/pgx", n), func(b *testing.B) {
			p := db.Pool()
			ctx, log := orm.WithQueryLog(ctx)
			const sqlText = `SELECT "users"."id", "users"."name", "users"."email", "users"."age", "users"."created_at" FROM "users" WHERE "users"."id" <= $1 ORDER BY "users"."id"`
			b.ReportAllocs()
			for b.Loop() {
				users, err := pgxAllUsers(ctx, p, sqlText, n)
				if err != nil || len(users) != n {
					b.Fatalf("got %d rows, %v", len(users), err)
				}
			}
			b.ReportMetric(float64(log.Statements())/float64(b.N), "queries/op")
		})
	}
}

// pgxAllUsers is the hand-written twin: the same statement, scanned field by field.
func pgxAllUsers(ctx context.Context, p *pgxpool.Pool, sqlText string, n int) ([]User, error) {
	rows, err := p.Query(ctx, sqlText, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Name, &u.Email, &u.Age, &u.CreatedAt); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// BenchmarkToSQL measures rendering a typical query without a database: resolving
// names against the model and writing the statement. This is the whole per-call cost
// batchorm adds before the round trip.
func BenchmarkToSQL(b *testing.B) {
	q := orm.Query[User](nil).Where(orm.Eq{"name": "ann"}).Where("age > ? OR age IS NULL", 30).OrderBy("-created_at", "id").Limit(20)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := q.ToSQL(); err != nil {
			b.Fatal(err)
		}
	}
}
