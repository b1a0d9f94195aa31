// Package preload is the engine behind package loader's Preload and orm's
// Select.Preload: it turns relation paths into a [Plan] of one statement per relation
// edge, rendered once through the one SQL writer, and runs it on parents in hand.
//
//   - plan.go: paths merged into a tree and validated against the model ([New]); every
//     mistake is an error before any statement is sent.
//   - render.go, sql.go: each edge's statement with the parents' keys as declared array
//     parameters ($1, or one typed array per column through unnest), the Where
//     conditions and the per-parent Limit as bound args (plain = ANY, LATERAL, or a
//     row_number() window).
//   - load.go: one round trip per depth, every edge of a depth in one pgx batch.
//   - exec.go, keys.go: per load, the parents' distinct keys get slots through one map;
//     rows are read by the one row scanner and attached by slot arithmetic.
//   - order.go, rowbuf.go: to-many rows are grouped by parent and put in primary-key
//     order in memory, so the statement sends no ORDER BY unless an order or a Limit
//     was asked for.
//
// Errors carry no package prefix; the front door (loader or orm) adds its own.
package preload
