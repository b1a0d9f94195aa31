package orm

import (
	"errors"
	"fmt"

	sq "github.com/Masterminds/squirrel"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// Subquery is a query used inside another statement's condition ([In], [Exists]).
// Every [Select] is one; its placeholders are numbered within the outer statement.
type Subquery interface {
	writeSubquery(w *sqlw.Writer, oneColumn bool) error
}

func (q Select[T]) writeSubquery(w *sqlw.Writer, oneColumn bool) error {
	if len(q.preloads) > 0 {
		return errors.New("a subquery cannot preload")
	}
	if oneColumn && len(q.cols) != 1 {
		return fmt.Errorf("In needs a subquery of one column: add Columns(name) to the query of %s", q.m.Name)
	}
	st, _, err := q.statement()
	if err != nil {
		return err
	}
	if !oneColumn {
		st.Columns = "1"
	}
	return st.Write(w)
}

// In is the condition "name IN (subquery)": name a field or column of the outer
// query's model, sub a query of any model selecting one column:
//
//	authors := orm.Query[Post](nil).Where(orm.Eq{"published": true}).Columns("user_id")
//	users, err := orm.Query[User](db).Where(orm.In("id", authors)).All(ctx)
//
// One statement; the subquery's values are bound parameters numbered within it.
func In(name string, sub Subquery) sq.Sqlizer {
	return sqlw.Resolved(func(w *sqlw.Writer, r sqlw.Resolver) error {
		if r == nil {
			return sqlw.ErrUnresolved
		}
		col, err := r.Column(name)
		if err != nil {
			return err
		}
		w.SQL(col)
		w.SQL(" IN (")
		if err := sub.writeSubquery(w, true); err != nil {
			return fmt.Errorf("In(%q): %w", name, err)
		}
		w.Byte(')')
		return nil
	})
}

// Exists is the condition "EXISTS (subquery)". To ask whether related rows exist,
// [Has] needs no subquery; Exists serves a condition no relation expresses, with the
// subquery's conditions written against its own model (an [Expr] can reach the outer
// table by its quoted name).
func Exists(sub Subquery) sq.Sqlizer {
	return sqlw.Resolved(func(w *sqlw.Writer, _ sqlw.Resolver) error {
		w.SQL("EXISTS (")
		if err := sub.writeSubquery(w, false); err != nil {
			return fmt.Errorf("Exists: %w", err)
		}
		w.Byte(')')
		return nil
	})
}
