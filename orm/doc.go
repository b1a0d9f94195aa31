// Package orm is batchorm's front door: models, the [DB] handle, the immutable
// [Select] builder and single-row writes. The efficient pattern is the default path:
// relations load with one statement per edge ([Select.Preload]) or in the same
// statement ([Select.Join]), never one per row.
//
// # Models
//
// A model is a plain struct. Exported fields are columns, named by their `db` tag or
// the snake_case of the field; `db:"-"` skips a field; embedded structs are
// flattened. Options go in the `orm` tag:
//
//	type Post struct {
//		ID        int64     `db:"id"`                        // ID is the key; an integer ID is chosen by the database
//		AuthorID  int64     `db:"author_id"`
//		Title     string    `db:"title"`
//		CreatedAt time.Time `db:"created_at" orm:"default"`  // zero value: let the database's DEFAULT choose
//		Search    string    `db:"search" orm:"readonly"`     // generated column: read, never written
//		Author    *User     `orm:"belongs-to"`               // posts.author_id -> users.id
//		Comments  []Comment `orm:"has-many"`                 // comments.post_id -> posts.id
//		Tags      []Tag     `orm:"many-to-many,through:post_tags"` // post_tags(post_id, tag_id)
//	}
//
// `orm:"pk"` marks key columns (several make a composite key). Relation keys that do
// not follow the conventions are named: fk: (the foreign-key column), ref: (the column
// it references), through_owner: and through_target: (the join table's columns),
// target_ref:, with + joining the columns of a composite key. The table is the type's
// TableName() method or the snake_case plural of its name. Each type is analysed once
// and cached; a bad tag is a [TagError] naming the type, field and tag.
//
// Loaded or not: a to-many field is nil until loaded and empty (not nil) when loaded
// with no rows, but a nil *T to-one field means both "not loaded" and "loaded, none".
// Where that matters, declare the field as [Ref] (Author orm.Ref[User]
// `orm:"belongs-to"`): Preload and Join mark it loaded, and Get returns (row, loaded).
//
// Column types: anything pgx scans and encodes, including numeric (pgtype.Numeric or a
// decimal type registered with pgx), timestamptz and timestamp, date, uuid, jsonb,
// bytea, arrays, enums and domains; NULL goes into pointers, sql.Null* and pgtype values.
// A field of type any receives whatever pgx decodes for the column's type (int64,
// string, time.Time, map[string]any for json, ...). Fields no column can hold (chan,
// func, complex numbers, and slices, maps or structs holding them) and control
// characters in a `db` tag are refused when the model is first used, naming the field.
//
// # The DB handle
//
// [Open] builds a pool with production defaults (see package pool) and [New] wraps a
// pool you built. A DB is safe for concurrent use; [DB.Tx] runs a function in a
// transaction, committing on nil and rolling back on error or panic.
//
// # Queries
//
// [Query] starts a [Select]. Every chain method returns a new value, so a base query
// can be kept and shared:
//
//	recent := orm.Query[Post](db).Where(orm.Gte{"created_at": since}).OrderBy("-created_at")
//	posts, err := recent.Limit(20).Preload("Author", "Tags").All(ctx)
//
// Names given to Where maps ([Eq], [Gt], ...), OrderBy and Columns are checked against
// the model and quoted by batchorm; values are always bound parameters, LIMIT and
// OFFSET included. The SELECT lists its columns; batchorm never sends SELECT *.
// [Select.ToSQL] renders a query without a database.
//
// # Conditions
//
// One condition language serves every statement: [Eq], [NotEq], [Lt], [Lte], [Gt],
// [Gte], [IsNull], [Or], [And], [Not], [Expr], [AllRows], [Has] (a related row exists,
// through any relation), and any squirrel Sqlizer. loader.Where takes the same
// conditions for preloaded children.
//
// # Writes
//
// [Insert] reads database-chosen values back into the struct. [Update] writes only the
// columns it is told to: a Go zero value never means "leave alone". [Delete] deletes
// by primary key. [Select.UpdateAll] and [Select.DeleteAll] change every row a query
// matches in one statement. Bulk writes of many rows in one statement are in package
// bulk.
//
// # Soft delete
//
// A model whose nullable timestamp field is tagged `orm:"softdelete"` is soft-deleted:
// [Delete] and [Select.DeleteAll] set the column to now(), and every statement on the
// table — queries, Join (in the ON clause, so a parent keeps its place with a nil
// relation), every Preload edge, pages, Count, aggregates, [Has], UpdateAll — leaves
// those rows out. [Select.Unscoped] reads them for one query; [HardDelete] and
// [Select.HardDeleteAll] remove rows.
//
// # Tenants and other scopes from the context
//
// A column tagged `orm:"scope:NAME"` restricts every statement on its table to the
// value the context carries for NAME, set once per request with [WithScope]:
//
//	type Invoice struct {
//		ID       int64 `db:"id"`
//		TenantID int64 `db:"tenant_id" orm:"scope:tenant"`
//	}
//	ctx = orm.WithScope(ctx, "tenant", tenantID)
//
// The value is a bound parameter in the WHERE of queries, counts, pages, aggregates,
// subqueries and where-writes, in the ON clause of every Join, in every Preload edge,
// in [Has], in single-row writes (Insert writes it into a zero column and refuses
// another value) and in bulk writes by rows. A context without the value makes every
// such statement a [*ScopeError] before anything is sent. A many-to-many join table
// declares its own on the relation: `through_softdelete:deleted_at` and
// `through_scope:tenant:tenant_id` leave out link rows deleted or of another tenant.
// [Select.Unscoped] lifts every scope for one query.
//
// # Transactions and row locks
//
// [DB.Tx] commits on nil and rolls back on an error or a panic; [Isolation],
// [ReadOnly], [Deferrable] and [Retry] (of serialization failures and deadlocks)
// configure it, and [ErrCommitUnknown] marks a COMMIT that got no answer. [DB.WithTx]
// runs batchorm on a transaction begun with pgx. [Select.ForUpdate] (and
// ForNoKeyUpdate, ForShare, with SkipLocked or NoWait) locks the rows a query returns,
// inside a transaction only: a job queue claims work with
//
//	jobs, err := orm.Query[Job](tx).Where(orm.Eq{"status": "ready"}).OrderBy("id").Limit(50).
//		ForUpdate().SkipLocked().All(ctx)
//
// # Counting statements and finding N+1 queries
//
// [WithQueryLog] records what a block of code sends, counted at the driver, so a test
// can hold code to its statement count (see package ormtest's AssertStatements).
// [WithGuard] and the [GuardRequests] middleware report a loop that sends one query per
// parent, with the loop's file:line and the Preload that replaces it.
//
// # Indexes: judged, proposed, proven
//
// [Explain] and [Select.ExplainAll] return plans. [AdviseIndexes] goes further for the
// statements a QueryLog recorded ([QueryLogEntry.Statement]); [Select.CheckIndexes]
// for a query and its preloads (what ormtest.AssertIndexed reports). A statement is
// served when every column it compares with a parameter or a join key, for equality
// or a range, is matched by the Index Cond on the leading columns of the index its plan
// uses: an index on (a, fk) does not serve a preload by fk, although no Seq Scan shows.
// For each table not served an index is proposed (equality columns, then ranges, then
// the ORDER BY in its directions; partial on the statement's constant predicates;
// INCLUDE for a small select list) and proven: built inside a transaction that is
// rolled back, the statement measured with EXPLAIN (ANALYZE, BUFFERS) before and after.
// The build locks the table against writes while it runs: tests and development only.
// Each proposal carries its migration text:
//
//	CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_user_id_idx" ON "posts" ("user_id");
//
// # Errors
//
// [ErrNotFound] matches pgx.ErrNoRows and sql.ErrNoRows with errors.Is. A
// *pgconn.PgError stays reachable with errors.As through every wrap; predicates such
// as [IsUniqueViolation] read its SQLSTATE.
//
// # Replicas
//
// [OpenCluster] (or [New] with [WithReplicas]) routes reads to streaming replicas:
//
//	db, err := orm.OpenCluster(ctx, pool.ClusterConfig{
//		Primary:  pool.Config{ConnString: "host=db1,db2 target_session_attrs=read-write"},
//		Replicas: []pool.Config{{ConnString: "host=db3", LazyConnect: true}},
//	}, orm.WithRouting(orm.Routing{MaxWait: 100 * time.Millisecond}))
//
// Reads outside a transaction (queries, counts, pages, batches, [Scan]) go to the
// healthy replica with the fewest acquired connections, ties in turn: least busy
// rather than plain round robin, so a replica slowed by a long query takes fewer new
// reads. A query's preload edges go to the server of its first statement. Writes,
// transactions, [Raw] and the pgx methods of DB go to the primary; [Raw],
// [DB.Query], [DB.QueryRow] and [DB.SendBatch] are routed as reads in a context
// marked [AsRead] (pass orm.AsRead(ctx) to loader.Preload or dataload.NewRequest on
// a DB to read from replicas); [OnPrimary] sends a read there. A replica is in rotation while its poll (one small
// query per replica per [Routing.PollInterval]) succeeds, it is in recovery, and its
// lag is within [Routing.MaxLagBytes] and [Routing.MaxLag]; a read whose first
// statement finds a replica unreachable goes elsewhere at once.
//
// Read-your-writes: in a context from [DB.WithSession] (one per request), each write
// learns the primary's WAL position in its own round trip: a statement outside a
// transaction is pipelined as [statement, COMMIT, position read] under one Sync, a
// transaction's COMMIT as [COMMIT, position read]. Reading the position in the
// statement's own implicit transaction would name a point before its commit record.
// The position is pg_current_wal_insert_lsn(), which is past the commit record even
// with synchronous_commit off. A read in the session goes to a replica known to have
// replayed it, waits up to [Routing.MaxWait] asking the replicas, or goes to the
// primary. [Session.Token] carries the position to a later request
// ([DB.ResumeSession]); a forged token matches [ErrInvalidSessionToken]. COPY and
// statements that refuse pipelines (VACUUM, ... CONCURRENTLY) read the position in a
// round trip of their own.
//
// Failover: a multi-host connection string with target_session_attrs=read-write
// makes each new connection find the server that takes writes; the pool drops broken
// connections and dials again, so a promoted standby is used without a restart.
// Writes in flight get errors that [IsConnLost] or [ErrCommitUnknown] recognise. An
// acknowledged write survives promotion only with synchronous replication.
//
// Where this stops: a distributed PostgreSQL such as Citus needs more than routing.
// To our knowledge batchorm's statements are plain PostgreSQL that Citus accepts on
// distributed tables when they filter on the distribution column (= ANY($1) arrays,
// unnest of typed arrays, UNION ALL of keyset branches, LATERAL and window functions
// for per-parent preload limits, INSERT ... ON CONFLICT). A deployment would need the
// distribution column in every WHERE of a routed query and in every preload key, no
// row locks across shards, and bulk conflict keys that include the distribution
// column; the WAL positions used here are per node. batchorm checks none of this.
package orm
