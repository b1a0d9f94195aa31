package bulk

import (
	"unsafe"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/batchorm/batchorm/internal/sqlw"
)

// chunkSQL is the statement of one chunk being written. Its parameters are declared
// before any text, in the order of the arguments: one array per sent column (unnest)
// or one value per sent column and row (VALUES, row by row), then the row count that
// generate_series takes when the statement has one. The text then refers to them
// wherever it needs them, and the Writer alone numbers them.
type chunkSQL struct {
	*sqlw.Writer
	st    Strategy
	n     int          // rows in the chunk
	np    int          // sent columns that travel as parameters
	vals  []sqlw.Param // unnest: column j's array at j; VALUES: row r's value of column j at r*np+j
	count sqlw.Param   // generate_series' row count; 0 when the statement takes none
}

// newChunkSQL starts the statement of a chunk of n rows sent with st and declares
// its parameters.
func (s *insertShape) newChunkSQL(st Strategy, n int) *chunkSQL {
	np := s.params()
	rows := 1
	if st == Values {
		rows = n
	}
	c := &chunkSQL{Writer: sqlw.NewWriter(256 + 64*len(s.sent) + 24*rows*np), st: st, n: n, np: np}
	c.vals = make([]sqlw.Param, rows*np)
	for i := range c.vals {
		c.vals[i] = c.Param()
	}
	if np == 0 || s.mode == modeArrays {
		c.count = c.Param()
	}
	return c
}

// param returns the parameter carrying sent column sc: its array (unnest, r = 0) or
// its value in row r (VALUES).
func (c *chunkSQL) param(sc sentCol, r int) sqlw.Param { return c.vals[r*c.np+sc.param-1] }

// bind stores v as the value of parameter p among args, which holds one value per
// declared parameter in parameter order ([sqlw.Writer.Args]).
func bind(args []any, p sqlw.Param, v any) { args[p-1] = v }

// args fills the parameters of the chunk's statement with the rows in bases (the
// chunk starting at offset in the batch) and returns them.
func (s *insertShape) args(tm *pgtype.Map, c *chunkSQL, bases []unsafe.Pointer, offset int) ([]any, error) {
	args := c.Args()
	if c.st == Values {
		for i, base := range bases {
			for _, sc := range s.sent {
				if sc.preEval {
					continue
				}
				v, err := sc.cp.value(tm, base, offset+i, sc.mixed)
				if err != nil {
					return nil, err
				}
				bind(args, c.param(sc, i), v)
			}
		}
	} else {
		for _, sc := range s.sent {
			if sc.preEval {
				continue
			}
			a, err := sc.cp.array(tm, bases, offset, sc.mixed)
			if err != nil {
				return nil, err
			}
			bind(args, c.param(sc, 0), a)
		}
	}
	if c.count != 0 {
		bind(args, c.count, len(bases))
	}
	return args, nil
}
