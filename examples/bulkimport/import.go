package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/batchorm/batchorm/bulk"
	"github.com/batchorm/batchorm/orm"
)

// schema is the table the CSV goes into. The CHECK on price_cents is deliberately not
// repeated in Go: a negative price parses, and only the server refuses it.
const schema = `
CREATE TABLE products (
	id          bigserial PRIMARY KEY,
	sku         text NOT NULL UNIQUE,
	name        text NOT NULL,
	price_cents bigint NOT NULL CHECK (price_cents >= 0),
	stock       integer NOT NULL,
	updated_at  timestamptz NOT NULL
);
`

// Product is one line of the CSV and one row of products. ID is chosen by the
// database and, with bulk.NoReturning, not read back.
type Product struct {
	ID         int64     `db:"id"`
	SKU        string    `db:"sku"`
	Name       string    `db:"name"`
	PriceCents int64     `db:"price_cents"`
	Stock      int32     `db:"stock"`
	UpdatedAt  time.Time `db:"updated_at"`
}

// DefaultChunkSize is the number of rows Import parses and sends per COPY.
const DefaultChunkSize = 50_000

// LineError names the CSV line (1 is the header) of the row that stopped an import:
// a value that does not parse, or a row PostgreSQL refused. errors.As reaches the
// *pgconn.PgError through it when the server refused the row.
type LineError struct {
	Line int
	Err  error
}

// Error implements error.
func (e *LineError) Error() string { return fmt.Sprintf("bulkimport: line %d: %v", e.Line, e.Err) }

// Unwrap returns Err.
func (e *LineError) Unwrap() error { return e.Err }

// Options configures Import.
type Options struct {
	// ChunkSize is the number of rows parsed and sent per COPY. Default: DefaultChunkSize.
	ChunkSize int
	// Progress, if set, is called after each chunk is sent, with the rows sent so far
	// and the bytes of CSV consumed so far.
	Progress func(rows int, bytes int64)
}

// Result is what an import wrote.
type Result struct {
	Rows   int // rows inserted
	Chunks int // bulk.Create calls, one COPY each
}

// chunk is a batch of parsed rows and the CSV line each came from.
type chunk struct {
	rows  []Product
	lines []int
	bytes int64 // CSV bytes consumed once this chunk was read
}

// Import reads the CSV from r (a header line, then one product per line) and inserts
// every row into products, in one transaction: on any error (a bad line, a row the
// server refuses, a cancelled ctx) nothing is written and the error is a *LineError
// when a line is to blame. Memory stays bounded: the CSV is parsed ChunkSize rows at a
// time, each chunk sent with one bulk.Create (a COPY) while the next one is parsed.
func Import(ctx context.Context, db *orm.DB, r io.Reader, opts Options) (Result, error) {
	size := opts.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	cr.ReuseRecord = true
	if err := readHeader(cr); err != nil {
		return Result{}, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Two buffers: the reader fills one while the other is being sent.
	free := make(chan *chunk, 2)
	for range 2 {
		free <- &chunk{rows: make([]Product, 0, size), lines: make([]int, 0, size)}
	}
	full := make(chan *chunk)
	readDone := make(chan error, 1)
	go func() {
		defer close(full)
		readDone <- readChunks(ctx, cr, size, free, full)
	}()

	var res Result
	err := db.Tx(ctx, func(tx *orm.DB) error {
		for c := range full {
			// COPY even for a short last chunk (Auto would send fewer than 2,000 rows
			// as one unnest INSERT): PostgreSQL names the line of a COPY it refuses,
			// whatever the reason, which is what lets blame find the CSV line.
			err := bulk.Create(ctx, tx, c.rows, bulk.NoReturning(), bulk.WithStrategy(bulk.Copy), bulk.ChunkSize(size))
			if err != nil {
				return blame(err, c)
			}
			res.Rows += len(c.rows)
			res.Chunks++
			if opts.Progress != nil {
				opts.Progress(res.Rows, c.bytes)
			}
			free <- c
		}
		return <-readDone
	})
	if err != nil {
		cancel()
		for range full { // let the reader see the cancel and finish
		}
		return Result{}, err
	}
	return res, nil
}

// blame turns a bulk.RowError into a LineError naming the CSV line of the row.
func blame(err error, c *chunk) error {
	var rowErr *bulk.RowError
	if errors.As(err, &rowErr) && rowErr.Index >= 0 && rowErr.Index < len(c.lines) {
		return &LineError{Line: c.lines[rowErr.Index], Err: rowErr.Err}
	}
	return err
}

func readHeader(cr *csv.Reader) error {
	rec, err := cr.Read()
	if err == io.EOF {
		return errors.New("bulkimport: empty CSV: want a header line")
	}
	if err != nil {
		return csvError(err)
	}
	for i, h := range header {
		if rec[i] != h {
			return &LineError{Line: 1, Err: fmt.Errorf("header column %d is %q, want %q", i+1, rec[i], h)}
		}
	}
	return nil
}

// readChunks parses the CSV into chunks taken from free and hands each to full. It
// returns at the end of the input, at the first bad line, or when ctx is done.
func readChunks(ctx context.Context, cr *csv.Reader, size int, free <-chan *chunk, full chan<- *chunk) error {
	for {
		var c *chunk
		select {
		case c = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.rows, c.lines = c.rows[:0], c.lines[:0]
		eof := false
		for len(c.rows) < size {
			rec, err := cr.Read()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return csvError(err)
			}
			line, _ := cr.FieldPos(0)
			p, err := parse(rec)
			if err != nil {
				return &LineError{Line: line, Err: err}
			}
			c.rows = append(c.rows, p)
			c.lines = append(c.lines, line)
		}
		c.bytes = cr.InputOffset()
		if len(c.rows) > 0 {
			select {
			case full <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if eof {
			return nil
		}
	}
}

// csvError gives a malformed line (bad quoting, wrong number of fields) its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &LineError{Line: pe.StartLine, Err: pe.Err}
	}
	return fmt.Errorf("bulkimport: read CSV: %w", err)
}

// parse checks one record in Go and turns it into a Product.
func parse(rec []string) (Product, error) {
	p := Product{SKU: rec[0], Name: rec[1]}
	if p.SKU == "" {
		return p, errors.New("sku is empty")
	}
	var err error
	if p.PriceCents, err = strconv.ParseInt(rec[2], 10, 64); err != nil {
		return p, fmt.Errorf("price_cents %q is not an integer", rec[2])
	}
	stock, err := strconv.ParseInt(rec[3], 10, 32)
	if err != nil {
		return p, fmt.Errorf("stock %q is not a 32-bit integer", rec[3])
	}
	p.Stock = int32(stock)
	if p.UpdatedAt, err = time.Parse(time.RFC3339, rec[4]); err != nil {
		return p, fmt.Errorf("updated_at %q is not an RFC 3339 time", rec[4])
	}
	return p, nil
}
