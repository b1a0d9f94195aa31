// Package loader loads related rows in a number of statements that does not grow with
// the number of parents: the N+1 query is not the default, it is impossible to write
// by accident.
//
// # Through orm, or on its own
//
// Most code never imports loader: package orm's query chain is the front door, and
// it runs this engine for its Preload, PreloadWith, Join and InnerJoin:
//
//	users, err := orm.Query[User](db).Preload("Posts.Comments.Author", "Profile").All(ctx)
//
// Import loader for two things only:
//
//   - the options of a path, given to orm's Select.PreloadWith or to [PreloadWith]:
//     [Path], [Where], [OrderBy], [Limit], [Columns];
//   - preloading parents that did not come from orm's query chain: a page, a cache
//     entry, the result of raw SQL or of sqlc, rows read inside a pgx.Tx. [Preload] and
//     [PreloadWith] take any [Querier] (*pgxpool.Pool, *pgx.Conn, pgx.Tx, *orm.DB) and
//     a slice of structs or of pointers to structs.
//
// For example, inside a transaction:
//
//	err := loader.Preload(ctx, tx, users, "Posts", "Profile")
//
// # Two styles
//
//   - Preload (selectin style): after the parents' query, one
//     `WHERE key = ANY($1)` statement per relation edge, for every relation kind.
//   - Join (joined style, orm's Select.Join and InnerJoin only): to-one relations in
//     the parents' own statement, with LEFT JOIN (or INNER JOIN).
//
// # Preload
//
// For every edge of the paths the loader reads the key of each parent, drops NULL and
// zero keys and duplicates, and sends one statement with the keys as a single array
// parameter, so the statement text is the same for 10 parents and for 70,000, and the
// 65,535 bind-parameter limit of an expanded IN list never applies. Edges of the same
// depth go out together in one pgx batch, one round trip; the rows of one depth are the
// parents of the next. A query with a tree of depth d therefore costs 1 + d round
// trips: orm's Preload("Posts", "Profile") is 2, Preload("Posts.Comments.Author") is 4.
// An edge whose parents have no key sends nothing, nor do the edges below it.
//
// Rows are attached through a map from key to the rows of that key, never by nested
// loops. Each relation field is set, so what was loaded can be told from what was not:
//
//   - a has-many or many-to-many field that was loaded is a non-nil slice, empty when
//     there are no children; a field that was not asked for stays nil;
//   - a belongs-to or has-one field is a pointer to the related row, or nil when there
//     is none, never a pointer to a zero struct.
//
// Parents with equal keys share the related rows: ten posts by one author point to one
// author struct. The children of each parent are a sub-slice of one array whose
// capacity is capped, so appending to one parent's slice copies it instead of
// overwriting a neighbour.
//
// # Order of the children
//
// Children come in the order asked for with [OrderBy], with the primary key appended
// as a tie-breaker so the order is total; by default, in primary-key order. A has-one
// relation whose table holds several rows for one parent takes the first in that
// order.
//
// The default order costs no sort on the server: the statement has no ORDER BY, and
// each parent's children are put in primary-key order in memory, where a parent's rows
// are sorted only when they did not arrive in order already. Sorting every child of
// every parent on the server is often the most expensive part of the statement (an
// external merge on disk once the rows outgrow work_mem). This needs a primary key
// whose Go type orders as PostgreSQL does: integers, time.Time, UUIDs ([16]byte types
// and pgtype.UUID) and strings, compared byte by byte, which is the order of the C
// collation (a text key under another collation may order differently: ask for that
// order with OrderBy). For other key types the statement keeps ORDER BY on the key.
// [OrderBy] and [Limit] are always sorted by PostgreSQL, in the statement.
//
// # Conditions on the children
//
// [Path] attaches options to the last edge of a path:
//
//	loader.Path("Posts",
//		loader.Where(orm.Eq{"published": true}), // names checked against Post
//		loader.Where("score > ?", 3),            // bound parameters, ANDed
//		loader.OrderBy("-created_at"),           // checked against the model
//		loader.Limit(3),                         // per parent: the 3 latest posts of each user
//		loader.Columns("id", "title"))           // keys are added automatically
//
// [Where] takes the condition language of orm's Where: SQL with '?' placeholders,
// orm's Eq, NotEq, Lt, Lte, Gt, Gte maps, IsNull, Or, And, Not and Expr (names of the
// related model, checked and qualified with its table), and any squirrel Sqlizer.
// Overlapping paths are merged, so "Posts" and "Posts.Comments" load the posts once;
// two specs giving different options to the same path are an error.
//
// # Per-parent limits and indexes
//
// Limit is per parent and stays one statement, also for many-to-many and composite
// keys: the parents' distinct keys are unnested from the array parameter and each is
// joined LATERAL to a subquery that orders its children and stops after n, so
// PostgreSQL reads about n children per parent when an index starts with the foreign
// key followed by the order columns in their directions. For the 3 newest posts of
// each user, OrderBy("-created_at") (the primary key is the tie-breaker):
//
//	CREATE INDEX ON posts (author_id, created_at DESC, id);
//
// With it, 200 users with 500 posts each read 600 posts, not 100,000
// (BenchmarkPreload_Limit compares the two forms). An index on the foreign key alone,
// or one whose order columns run the other way, reads each parent's children and sorts
// them. Without any index on the foreign key every parent scans the table: index the
// foreign keys you preload with a Limit (ormtest.AssertIndexed fails a test when a
// preload has no index to use). For many-to-many the order columns are the target's,
// so each parent's links are read and joined before the LIMIT, except in the default
// order (the target's key), which a link-table key on (owner, target) yields already
// sorted: n links per parent. The statement matches the key with BETWEEN $k AND $k and
// sorts on the key first so that PostgreSQL cannot walk an index of the order columns
// alone and filter on the key, a plan it picks for tables without statistics that
// reads most of the table per parent.
//
// The key array is unnested with a type cast, so the lateral form needs the key's SQL
// type: integers (int8), UUIDs (uuid) and the composite-key types below. A one-column
// string key could be text, varchar, char(n), citext, uuid or an enum, which compare
// differently with text, so string keys and other types use a row_number() window
// over = ANY($1), which lets PostgreSQL type the array from the column and numbers
// every child of every parent.
//
// # Relation kinds and keys
//
// Relations are declared with `orm` struct tags (see the model conventions in package
// orm): belongs-to (the owner holds the foreign key), has-one, has-many, and
// many-to-many through a link table, which is loaded in one statement joining the link
// table and the target. Self references (a manager, the reports), nullable foreign
// keys and several relations to one table work like any other. Keys may be integers of
// any size (an int32 foreign key may reference an int64 key), strings, UUIDs
// (pgtype.UUID or a [16]byte type) or other comparable types; integer, string and UUID
// keys are read without reflection. Composite keys (`fk:region+order_number`) are
// supported for has-one, has-many, belongs-to and link tables: the statement then
// sends one typed array per key column through unnest, which needs the SQL type of
// each column, so composite keys are limited to integers, strings, UUIDs, bool,
// float64 and time.Time (other types are an [ErrUnsupported] error naming the field).
//
// # Join
//
//	posts, err := orm.Query[Post](db).Join("Author.Profile").InnerJoin("Editor").
//		Where(orm.Eq{"Author.name": "ann"}).OrderBy("-Editor.name").All(ctx)
//
// Every joined relation is aliased by its path ("Author", "Author.Profile"), so one
// table can be joined twice (Author and Editor both on users), and conditions and
// sort keys name joined columns as "Author.name" without writing aliases by hand.
// LEFT JOIN is the default; InnerJoin leaves out the rows without the related row. The
// columns of a LEFT-joined relation are scanned into NULL-tolerant holders and a nested
// struct is built only when the related row is there, so an absent relation is a nil
// pointer. Joining a has-many or many-to-many relation is an error that says to
// preload it. Join and Preload combine in one query: Join("Author").Preload("Comments")
// is 2 statements.
//
// # Loaded or not
//
// A to-many field is nil until loaded and empty (not nil) when loaded without rows. A
// to-one *T field is nil in both cases; a [Ref] field (Author loader.Ref[User]
// `orm:"belongs-to"`) tells them apart: Preload and Join set it, nested paths
// included, and Get returns (nil, false) for not loaded, (nil, true) for loaded and
// absent. A parent with a NULL foreign key is marked loaded, with no row, even when
// no statement was needed. Models keeping *T fields pay nothing for it.
//
// # Preload or Join for a to-one relation
//
// A JOIN is not automatically cheaper than a second ANY statement. A JOIN sends the
// related row once per parent: 10,000 posts by 1,000 authors carry each author 10
// times, and each copy is decoded and allocated. Preload sends each author once and
// shares it, at the cost of one more round trip (BenchmarkToOne measures both, each
// against its hand-written pgx twin). So:
//
//   - Join when the query filters or sorts on the related columns (only a JOIN can),
//     when parents and related rows are about one to one (a has-one profile, a
//     belongs-to whose keys are mostly distinct), or when the round trip is the
//     expensive part (a distant database, a small page of parents); InnerJoin when the
//     foreign key is NOT NULL;
//   - Preload when many parents share few related rows, when the related rows are
//     wide, and always for to-many relations.
//
// # Names in other libraries
//
//	batchorm          GORM          SQLAlchemy     Django             Bob
//	Preload (ANY)     Preload       selectinload   prefetch_related   ThenLoad (Load* mods)
//	Join (JOIN)       Joins         joinedload     select_related     Preload
//
// Bob is the trap: its Preload is the JOIN style, and its ThenLoad is what batchorm
// calls Preload.
//
// # Errors
//
// Every mistake in a path or an option is found before any statement is sent, by
// [Preload] and [PreloadWith] (or by orm when the query is built): an unknown relation
// or an empty segment is a [*RelationError] that lists the relations of the model
// where the lookup failed; a bad option an [*OptionError] (wrapping a [*ColumnError]
// for an unknown name); an unsupported shape a [*FieldError] with [ErrUnsupported].
// Parents whose primary key is zero or NULL (read without their id column) are a
// [*FieldError] with [ErrMissingKey], also reported before any statement is sent. A
// statement that fails returns the *pgconn.PgError wrapped with the path. Messages
// start with "loader: " once; through orm they start with "orm: " instead.
//
// # Where the promises are enforced
//
// The engine lives in internal/preload (and internal/join for orm's Join):
//
//   - One statement per edge, its text independent of the parents: each edge's
//     statement is rendered once per plan through batchorm's one SQL writer, with the
//     keys as declared array parameters ($1, or one array per column through unnest)
//     and the Where args and the Limit as bound parameters (sql.go, render.go). Plans of
//     paths without options are kept per model and reused.
//   - d round trips for depth d: Load (load.go) walks the plan one depth at a time and
//     sends all live edges of a depth in one pgx.Batch; an edge with no keys is skipped.
//   - No nested loops: each distinct key gets a slot in one map; parents and rows carry
//     slot numbers, and attaching is slot arithmetic (exec.go).
//   - Primary-key order without a server sort: order.go groups each parent's rows and
//     sorts only the parents whose rows came out of order.
//   - nil versus empty: every parent's field is set, an empty non-nil slice or a nil
//     pointer when nothing matched (exec.go).
//   - No Rows open while sending: each statement's rows are read by the one row scanner
//     and closed before the next round trip, so a pgx.Tx works.
package loader
