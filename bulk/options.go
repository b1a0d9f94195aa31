package bulk

import "fmt"

// Strategy is the way [Create] sends rows. The zero value is [Auto].
type Strategy uint8

const (
	// Auto picks by measurement (see the package documentation): COPY for large batches
	// whose rows need nothing back, one unnest statement otherwise.
	Auto Strategy = iota
	// Copy sends rows with COPY FROM STDIN (binary). It cannot return values, so Create
	// refuses it when values must come back and [NoReturning] is not given.
	Copy
	// Unnest sends one array parameter per column: INSERT … SELECT FROM unnest($1, …).
	Unnest
	// Values sends one parameter per value in a multi-row VALUES list, chunked below
	// PostgreSQL's 65,535 parameters per statement.
	Values
)

// String returns the strategy's name.
func (s Strategy) String() string {
	switch s {
	case Auto:
		return "auto"
	case Copy:
		return "copy"
	case Unnest:
		return "unnest"
	case Values:
		return "values"
	default:
		return fmt.Sprintf("Strategy(%d)", uint8(s))
	}
}

// Option configures one bulk call.
type Option func(*config)

type config struct {
	noReturning  bool
	viaReturning bool
	chunk        int
	chunkSet     bool
	strategy     Strategy
}

// NoReturning tells [Create] and [Upsert] not to read values back: generated ids and
// defaults stay zero in the structs. Create may then use COPY; Upsert returns only the
// number of rows written. Default: values the database chooses are written back.
func NoReturning() Option { return func(c *config) { c.noReturning = true } }

// ViaReturning makes [Create] read generated values back from RETURNING, joined to
// the input rows on the primary key, instead of evaluating the columns' DEFAULT
// expressions into arrays inside the statement. Use it when a BEFORE INSERT trigger
// rewrites defaulted columns: RETURNING sees what the table stores. It is slower
// (BenchmarkCreate_readBack compares the two). Default: off; RETURNING is used anyway
// when the model has read-only (generated) columns.
func ViaReturning() Option { return func(c *config) { c.viaReturning = true } }

// ChunkSize caps the number of rows sent per statement. Default: 100,000 rows for
// unnest and COPY statements, and as many rows as fit in 65,535 parameters for
// VALUES statements (a smaller ChunkSize still applies to them). When a call needs
// several statements they run in one transaction (a savepoint inside the caller's).
// n must be positive.
func ChunkSize(n int) Option { return func(c *config) { c.chunk, c.chunkSet = n, true } }

// WithStrategy forces the way [Create] and [Upsert] send rows. Default: [Auto].
// Upsert accepts [Auto], [Unnest] and [Values].
func WithStrategy(s Strategy) Option { return func(c *config) { c.strategy = s } }

// defaultChunk is the number of rows per unnest or COPY statement when no ChunkSize
// is given: large enough that the batches the package is built for go in one
// statement, small enough that one array parameter stays far below PostgreSQL's 1 GB
// limit for rows of ordinary width.
const defaultChunk = 100_000

// maxParams is PostgreSQL's limit on the parameters of one statement.
const maxParams = 65535

func newConfig(call string, opts []Option) (config, error) {
	c := config{chunk: defaultChunk}
	for _, o := range opts {
		if o == nil {
			return c, fmt.Errorf("bulk: %s: nil Option: %w", call, ErrInvalidOption)
		}
		o(&c)
	}
	if c.chunkSet && c.chunk <= 0 {
		return c, fmt.Errorf("bulk: %s: ChunkSize(%d): must be positive: %w", call, c.chunk, ErrInvalidOption)
	}
	if c.strategy > Values {
		return c, fmt.Errorf("bulk: %s: unknown %v: %w", call, c.strategy, ErrInvalidOption)
	}
	return c, nil
}
