// Package bulk writes many rows in one statement: inserts that read generated values
// back ([Create]), upserts ([Upsert]), set-based updates and deletes ([UpdateWhere],
// [DeleteWhere]), and updates and deletes of a slice of models by primary key
// ([Update], [Delete]). Writing N rows never costs N statements.
//
// bulk works on any [Querier]: *orm.DB, *pgxpool.Pool, *pgx.Conn or a pgx.Tx. Package
// orm offers the same calls on its front door (orm.BulkCreate, orm.BulkUpsert,
// orm.BulkUpdate, orm.BulkDelete, and Select.UpdateAll and Select.DeleteAll for a
// query's WHERE). Models are described as in orm: `db` and `orm` struct tags, with
// `orm:"default"` for columns the database fills when the Go value is zero and
// `orm:"readonly"` for columns never written.
//
// # One statement, all or nothing
//
// Every call sends one statement. A batch too big for one statement is cut into
// chunks ([ChunkSize] rows, 100,000 by default; for [Values], as many rows as fit in
// PostgreSQL's 65,535 parameters) sent in one transaction, or in a savepoint when the
// querier already is a transaction. So a failure anywhere (a constraint violation in
// row 7,001 of 10,000, a cancelled context in the middle of a COPY, a connection
// killed by pg_terminate_backend) leaves the table exactly as it was, and values
// already read back into the structs are put back as they were.
//
// Statement counts, as orm.WithQueryLog reports them:
//
//	Create, Upsert, Update       1 per chunk (+1 the first time per pool and model: the catalog)
//	Delete                       1 per chunk (+1 the first time for a composite key)
//	UpdateWhere, DeleteWhere     1
//	several chunks               + BEGIN and COMMIT (or SAVEPOINT and RELEASE)
//
// # Create
//
//	users := []User{{Name: "ada"}, {Name: "bob", Age: 40}}
//	err := bulk.Create(ctx, db, users) // users[0].ID, users[1].ID, CreatedAt now set
//
// A column tagged `orm:"default"` is left to its DEFAULT when it is zero in every row
// and written when it is set in every row. When it is zero in some rows only, zero
// values travel as NULL and the statement writes COALESCE(value, <DEFAULT>), so that
// each row gets what a one-row INSERT would have given it. (A nil pointer in such a
// column therefore gets the DEFAULT, not NULL.)
//
// Values the database chooses come back into the structs without relying on the order
// in which RETURNING emits rows. By default the DEFAULT expression of each column to
// read back is evaluated once per row into an array inside the statement, row i is
// written with element i, and the arrays come back:
//
//	WITH k AS MATERIALIZED (SELECT array_agg(nextval('users_id_seq'::regclass)) AS d1 FROM generate_series(1, $4)),
//	ins AS (INSERT INTO users AS t (name, email, age, id) SELECT u.c1, u.c2, u.c3, k.d1[u.ord]
//	        FROM k, unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS u(c1, c2, c3, ord))
//	SELECT k.d1 FROM k
//
// The match holds by construction, and this is as fast as a hand-written INSERT …
// RETURNING id that trusts the order of RETURNING (see Measurements). What comes back
// is the DEFAULT, so a BEFORE INSERT trigger that rewrites such a column is not seen.
// Two other ways are used where arrays do not fit:
//
//   - With [ViaReturning], with read-only (generated) columns, or with DEFAULTs of
//     variable-width types, the rows are numbered (WITH ORDINALITY) in a materialized
//     CTE in which generated primary keys are drawn from their DEFAULT, and the rows
//     RETURNING gives back are joined to it on the primary key. This reads what the
//     table stores, at about a quarter more time for 10,000 rows.
//   - A model without a primary key gets its DEFAULTs evaluated in the numbered CTE
//     and read back from it; it cannot read back read-only columns ([NoReturning]).
//
// When nothing must come back (every column is written, or [NoReturning] is given),
// Create sends batches of 2,000 rows or more with COPY, smaller ones with one unnest
// INSERT. [WithStrategy] forces [Copy], [Unnest] or [Values].
//
// # Column types
//
// The statement casts each array parameter to the column's type, so the first call per
// pool (or connection) and model reads the table's columns from pg_attribute (types,
// DEFAULT expressions, identity and generated columns) and its unique constraints: one
// extra statement, which orm.WithQueryLog counts. The result is cached per pool (for
// *orm.DB and *pgxpool.Pool) or per connection (for *pgx.Conn and pgx.Tx) until that
// pool or connection is garbage collected; a querier of another type gets no cache and
// pays the lookup on every call. [Prepare] does the lookup ahead of time (at startup,
// where a model that names a column the table lacks fails fast with [ErrSchema], or
// in a test before counting statements). When the table changes under a running
// program, a call that fails because of it (SQLSTATE class 42, such as a column whose
// type changed) drops the cached entry and the next call reads the catalog again; a
// change that makes no statement fail, such as a new DEFAULT expression, is not seen
// until the pool is replaced.
//
// A column travels as a typed array (unnest($1::bigint[])) when pgx can encode the Go
// type as an array of the column's type: integers, text, bool, floats, numeric,
// timestamptz, date, uuid, bytea, jsonb and the like. Otherwise it travels as text,
// each value rendered with pgx's text encoding, and is cast back in the statement
// (CAST(u.c3 AS mood)). This covers what unnest cannot carry (array columns: unnest
// would flatten a text[][]; multi-dimensional arrays), enums and enum arrays, domains,
// and Go types pgx encodes only as text (a string for a uuid or numeric column). NULLs
// travel as NULL elements in both forms. COPY needs pgx's binary encoding of every
// column and is not used for the rest.
//
// # Upsert
//
//	res, err := bulk.Upsert(ctx, db, users, bulk.OnConflict("email").DoUpdate("name"))
//	res, err = bulk.Upsert(ctx, db, users, bulk.OnConstraint("users_email_key").DoNothing())
//
// sends INSERT … ON CONFLICT … DO UPDATE SET name = EXCLUDED.name (or DO NOTHING) and
// reads every column of the inserted and updated rows back, matched on the conflict
// key; rows left alone are listed in [UpsertResult.Skipped]. Two rows with the same key
// in one batch are an error (PostgreSQL refuses them for DO UPDATE), or are merged as
// if sent one after the other with [Conflict.MergeDuplicates].
//
// # UpdateWhere and DeleteWhere
//
//	n, err := bulk.UpdateWhere[User](ctx, db, bulk.Set{"active": false}, bulk.Eq{"id": ids})
//	n, err = bulk.DeleteWhere[User](ctx, db, bulk.Expr("last_seen < ?", cutoff))
//
// send one UPDATE or DELETE and return the number of rows touched ([UpdateWhereReturning]
// and [DeleteWhereReturning] return the rows). The SET names columns explicitly and an
// empty one is [ErrNothingToUpdate]; names are checked against the model. No WHERE is
// [ErrMissingWhere], unless [AllRows] says so.
//
// # Update and Delete
//
//	n, err := bulk.Update(ctx, db, users, []string{"name", "age"})
//	n, err = bulk.Delete(ctx, db, users)
//
// Update writes a different value into each row, in one statement:
// UPDATE t SET name = u.c2, … FROM unnest($1, $2, …) AS u(…) WHERE t.id = u.c1
// (composite keys compare every key column). Delete sends DELETE … WHERE id = ANY($1),
// or DELETE … USING unnest(…) for a composite key.
//
// # Errors
//
// Bad input is refused before anything is sent, with an error matched by errors.Is or
// errors.As: [ErrEmpty] for no rows, a [RowError] wrapping [ErrNilRow],
// [ErrDuplicateKey], [ErrNullKey] or [ErrMissingPK] for a bad row, a *[ColumnError]
// for an unknown name, [ErrInvalidOption] for a bad option. When PostgreSQL refuses a
// row and says which (the line of a COPY, the key of a unique or foreign-key
// violation), the error is a [RowError] whose Index is the row's position in the slice
// given; errors.As still reaches the *pgconn.PgError.
//
// # Measurements
//
// Medians of go test ./bulk -run '^$' -bench . -benchmem -count 6 on a 2-vCPU AMD
// EPYC VM shared with other work, PostgreSQL 15 on the same machine (fsync off), rows
// of (name text, email text, age integer) with a bigserial key. Milliseconds per
// batch; "+ids" reads the generated ids back (DEFAULT arrays), the others read nothing:
//
//	rows      COPY   unnest   unnest+ids   VALUES   VALUES+ids
//	10        0.63     0.49         0.66     0.65         0.80
//	100       1.06     1.29         1.00     1.30         1.99
//	1,000     4.63     3.58         4.06     6.86        10.4
//	10,000    21.3     33.1         35.9     62.9        82.0
//	100,000    206      337          372      614         746   (VALUES: 5 statements)
//
// COPY pays a fixed cost per call (pgx describes the table and streams through a pipe)
// and then wins by 1.6× on large batches; a run at 1,000 / 2,000 / 3,000 / 5,000 rows
// gave COPY 5.5 / 8.0 / 10.4 / 13.7 ms against unnest 4.4 / 8.6 / 10.9 / 18.2 ms,
// hence the 2,000-row threshold of [Auto]. VALUES is never faster than unnest (the
// server parses and plans one parameter per value) and is there for completeness.
// Reading ids back costs unnest 10 % at 10,000 rows.
//
// Against hand-written pgx doing the same work in the same run (the …/pgx twins):
//
//	10,000 rows, ids read back     bulk.Create 40.9 ms   pgx unnest … RETURNING id  39.4 ms   1.04×
//	100,000 rows, nothing back     bulk.Create 258 ms    pgx CopyFrom               243 ms    1.06×
//	UpdateWhere on 10,000 ids      bulk         24.9 ms   pgx UPDATE … = ANY($2)     25.6 ms   0.97×
//	per-row update, 10,000 rows    bulk.Update  33.1 ms   pgx UPDATE … FROM unnest   31.9 ms   1.04×
//
// Each bulk call sent one statement (queries/op 1). Inserting 1,000 rows one
// orm.Insert at a time took 192 ms and 1,000 statements; one bulk.Create of the same
// rows took 5.3 ms. Reading ids back through RETURNING joined on the key
// ([ViaReturning]) took 46.6 ms for 10,000 rows against 37.7 ms with DEFAULT arrays
// (1.24×); the pgx twin above trusts the order of RETURNING, which bulk does not.
package bulk
