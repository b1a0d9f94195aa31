// Package sqlw is batchorm's one SQL writer and its one condition language.
//
// Every statement batchorm sends is written through a [Writer]: SELECTs with their
// joins, preload edges, keyset branches and their UNION ALL, COUNT and EXISTS,
// INSERT, UPDATE and DELETE with RETURNING, and bulk's unnest and VALUES statements.
// The Writer alone numbers placeholders ($1, $2, ...) and decides when a condition
// needs parentheses, so a rule that must hold for every statement is written here
// once:
//
//   - values are bound parameters, never text ([Writer.Arg], [Writer.Param]);
//   - identifiers come from model metadata and are quoted ([Writer.Ident]);
//   - several conditions are ANDed, each in parentheses unless it brings its own, so a
//     user's "a OR b" keeps its meaning beside "c" ([Writer.Where]);
//   - LIMIT and OFFSET are parameters too, so pages of any size share one statement
//     text and one prepared statement.
//
// Conditions ([Cond]) are one language for every engine: [Eq], [NotEq], [Lt], [Lte],
// [Gt], [Gte] (maps keyed by field or column names, checked against the model by a
// [Resolver]), [IsNull], [Or], [And], [Not], [Expr] with '?' placeholders, [AllRows],
// and any squirrel Sqlizer rendered as it is ([From] converts). Package orm re-exports
// them under the same names.
package sqlw
