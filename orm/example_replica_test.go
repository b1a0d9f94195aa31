package orm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/batchorm/batchorm/pool"
)

// ExampleOpenCluster builds a DB over a primary and its read replicas, writes in a
// request's session, and carries the session to the next request in a signed token.
// It shows the token round trip, not routing: this example has no standby, so its one
// "replica" names the primary itself, which the router finds not in recovery and
// takes out of rotation (in production, list hot standbys; internal/replicatest tests
// routing, read-your-writes and failover against real streaming replicas).
func ExampleOpenCluster() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	scratch, drop, err := ormtest.Open(ctx, ormtest.Schema(schema))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer drop()
	url := scratch.Pool().Config().ConnString()

	db, err := orm.OpenCluster(ctx, pool.ClusterConfig{
		Primary:  pool.Config{ConnString: url},
		Replicas: []pool.Config{{ConnString: url, LazyConnect: true}}, // a standby's address
	}, orm.WithRouting(orm.Routing{MaxWait: 50 * time.Millisecond, TokenKey: []byte("server secret")}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	// Request 1 writes in its session; the write records the primary's WAL position
	// in its own round trip.
	sctx, sess := db.WithSession(ctx)
	u := User{Name: "ann"}
	if err := orm.Insert(sctx, db, &u); err != nil {
		fmt.Println(err)
		return
	}
	token := sess.Token() // e.g. "s1.3000a48.<signature>", for a cookie or header
	fmt.Println(sess.Wrote(), strings.HasPrefix(token, "s1."))

	// Request 2 resumes the session: its reads see request 1's write.
	rctx, resumed, err := db.ResumeSession(ctx, token)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := orm.Query[User](db).Where(orm.Eq{"id": u.ID}).One(rctx)
	fmt.Println(resumed.Wrote(), got.Name, err)

	// A token the server did not sign is refused.
	_, _, err = db.ResumeSession(ctx, "s1.ffffffff")
	fmt.Println(errors.Is(err, orm.ErrInvalidSessionToken), err)
	// Output:
	// true true
	// true ann <nil>
	// true orm: invalid session token: not signed
}
