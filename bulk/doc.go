// Package bulk writes many rows in one statement: inserts that read generated values
// back ([Create]), upserts ([Upsert]), and updates and deletes of a slice of models by
// primary key ([Update], [Delete]). Writing N rows never costs N statements.
//
// bulk is batchorm's one door for writing a slice of rows. Updates and deletes of the
// rows a condition matches are not here: they are orm's Select.UpdateAll and
// Select.DeleteAll (orm.Query[User](db).Where(orm.Eq{"team_id": 7}).UpdateAll(ctx,
// orm.Set{"active": false})), which take orm's conditions. Models are described as in
// orm: `db` and `orm` struct tags, with `orm:"default"` for columns the database fills
// when the Go value is zero and `orm:"readonly"` for columns never written.
//
// # Handles
//
// Every call takes a [Querier]: an *orm.DB, or a bare *pgxpool.Pool, *pgx.Conn or
// pgx.Tx. Pass the orm.DB. bulk reads each table's column types from the catalog once
// and keeps them on that handle, shared by the transactions it makes (orm.DB.Tx,
// orm.DB.WithTx); a bare pool, connection or transaction has nowhere to keep them, so
// every call on it sends one more statement to read them again. For a transaction
// begun with pgx, pass db.WithTx(tx): the calls run on tx and use db's cache.
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
// Statements sent, as orm.WithQueryLog counts them:
//
//	Create, Upsert, Update       1 per chunk
//	Delete                       1 per chunk
//	several chunks               + BEGIN and COMMIT (or SAVEPOINT and RELEASE)
//	catalog                      + 1 the first time per orm.DB and model (never for a
//	                             one-column-key Delete); + 1 every call on a bare
//	                             pool, connection or pgx.Tx
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
//	WITH k AS MATERIALIZED (SELECT array_agg(nextval('users_id_seq'::regclass)) AS d1 FROM generate_series(1, $4::bigint)),
//	ins AS (INSERT INTO users AS t (name, email, age, id) SELECT u.c1, u.c2, u.c3, k.d1[u.ord]
//	        FROM k, unnest($1::text[], $2::text[], $3::integer[]) WITH ORDINALITY AS u(c1, c2, c3, ord))
//	SELECT k.d1 FROM k
//
// The match holds by construction. What comes back is the DEFAULT, so a BEFORE INSERT
// trigger that rewrites such a column is not seen. Two other ways are used where
// arrays do not fit:
//
//   - With [ViaReturning], with read-only (generated) columns, or with DEFAULTs of
//     variable-width types, the rows are numbered (WITH ORDINALITY) in a materialized
//     CTE in which generated primary keys are drawn from their DEFAULT, and the rows
//     RETURNING gives back are joined to it on the primary key. This reads what the
//     table stores, at some cost in time.
//   - A model without a primary key gets its DEFAULTs evaluated in the numbered CTE
//     and read back from it; it cannot read back read-only columns ([NoReturning]).
//
// When nothing must come back (every column is written, or [NoReturning] is given),
// Create sends batches of 2,000 rows or more with COPY, smaller ones with one unnest
// INSERT: COPY pays a fixed cost per call and then wins on large batches
// (BenchmarkCreate_strategies measures all three ways at several sizes). [WithStrategy]
// forces [Copy], [Unnest] or [Values]; VALUES binds one parameter per value, is never
// faster than unnest, and is there for completeness.
//
// # Column types
//
// The statement casts each array parameter to the column's type, so bulk reads the
// table's columns from pg_attribute (types, DEFAULT expressions, identity and
// generated columns) and its unique constraints, in one statement, and keeps the
// result on the orm.DB (see Handles). [Prepare] does the lookup ahead of time: at
// startup, where a model that names a column the table lacks fails fast with
// [ErrSchema], or in a test before counting statements. When the table changes under a
// running program, a call that fails because of it (SQLSTATE class 42, such as a
// column whose type changed) drops the cached entry and the next call reads the
// catalog again; a change that makes no statement fail, such as a new DEFAULT
// expression, is not seen until a new orm.DB is made.
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
// # Update and Delete
//
//	n, err := bulk.Update(ctx, db, users, []string{"name", "age"})
//	n, err = bulk.Delete(ctx, db, users)
//
// Update writes a different value into each row, in one statement:
//
//	UPDATE users AS t SET name = u.c2, age = u.c3
//	FROM unnest($1::bigint[], $2::text[], $3::integer[]) AS u(c1, c2, c3) WHERE t.id = u.c1
//
// (composite keys compare every key column). Delete sends
// DELETE FROM users WHERE id = ANY($1), or DELETE … USING unnest(…) for a composite
// key. To set the same value on every row a condition matches, or to delete by a
// condition, use orm's Select.UpdateAll and Select.DeleteAll.
//
// # Errors
//
// Bad input is refused before anything is sent, with an error matched by errors.Is or
// errors.As: [ErrEmpty] for no rows, a [RowError] wrapping [ErrNilRow],
// [ErrDuplicateKey], [ErrNullKey] or [ErrMissingPK] for a bad row, a *[ColumnError]
// for an unknown name, [ErrInvalidOption] for a bad option, [ErrNothingToUpdate] for
// an Update naming no column. When PostgreSQL refuses a row and says which (the line
// of a COPY, the key of a unique or foreign-key violation), the error is a [RowError]
// whose Index is the row's position in the slice given; errors.As still reaches the
// *pgconn.PgError.
package bulk
