// Command bulkimport loads a CSV of products (1,000,000 rows by default, generated
// into a temporary file) into PostgreSQL with bulk.Create, which sends each chunk of
// rows as one COPY, all chunks in one transaction. It shows a progress bar while it
// runs and, at the end, the rows imported, the time, the rows per second and the
// statements sent. A bad line (a value that does not parse, or a row the server
// refuses) stops the import with the line's number, and the table stays empty.
//
//	go run .                      # from examples/bulkimport
//	go run . -rows 100000         # a smaller file
//	go run . -csv products.csv    # your own file (header: sku,name,price_cents,stock,updated_at)
//	go run . -bad-line 700001     # the generated file gets a negative price on that line
//
// With DATABASE_URL set it uses that server (the role needs CREATEDB) for a throwaway
// database; otherwise it starts a PostgreSQL cluster from the local binaries and
// removes it at the end.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/batchorm/batchorm/orm"
	"github.com/batchorm/batchorm/orm/ormtest"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func main() {
	log.SetFlags(0)
	rows := flag.Int("rows", 1_000_000, "rows to generate when -csv is not given")
	path := flag.String("csv", "", "import this CSV instead of a generated one")
	chunk := flag.Int("chunk", DefaultChunkSize, "rows parsed and sent per COPY")
	badLine := flag.Int("bad-line", 0, "give line `N` of the generated CSV a negative price, which the table's CHECK refuses")
	flag.Parse()
	if err := run(context.Background(), config{rows: *rows, path: *path, chunk: *chunk, badLine: *badLine}, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

type config struct {
	rows, chunk, badLine int
	path                 string
}

func run(ctx context.Context, cfg config, stdout, stderr *os.File) (err error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	if cfg.rows < 0 || cfg.chunk <= 0 {
		return fmt.Errorf("bulkimport: -rows must be ≥ 0 and -chunk > 0")
	}
	if cfg.path == "" {
		f, err := os.CreateTemp("", "bulkimport-*.csv")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		start := time.Now()
		if err := generate(f, cfg.rows, cfg.badLine); err != nil {
			f.Close()
			return fmt.Errorf("bulkimport: generate CSV: %w", err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		cfg.path = f.Name()
		fmt.Fprintf(stdout, "generated %s rows into %s in %.2f s\n", thousands(cfg.rows), cfg.path, time.Since(start).Seconds())
	}
	f, err := os.Open(cfg.path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}

	db, done, err := ormtest.Throwaway(ctx, ormtest.Schema(schema))
	if err != nil {
		return err
	}
	defer func() {
		if derr := done(); derr != nil && err == nil {
			err = derr
		}
	}()

	opts := Options{ChunkSize: cfg.chunk}
	var bar *progressbar.ProgressBar
	if term.IsTerminal(int(stderr.Fd())) { // no bar in logs
		bar = progressbar.NewOptions64(info.Size(),
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
		opts.Progress = func(rows int, bytes int64) {
			bar.Describe(fmt.Sprintf("%s rows", thousands(rows)))
			_ = bar.Set64(bytes)
		}
	}

	qctx, qlog := orm.WithQueryLog(ctx)
	start := time.Now()
	res, err := Import(qctx, db, f, opts)
	took := time.Since(start)
	if bar != nil {
		_ = bar.Finish()
	}
	n, cerr := orm.Query[Product](db).Count(ctx)
	if cerr != nil {
		return cerr
	}
	if err != nil {
		fmt.Fprintf(stdout, "import stopped after %.2f s; table products holds %s rows\n", took.Seconds(), thousands(int(n)))
		return err
	}
	fmt.Fprintf(stdout, "imported %s rows in %.2f s: %s rows/s\n", thousands(res.Rows), took.Seconds(), thousands(int(float64(res.Rows)/took.Seconds())))
	fmt.Fprintf(stdout, "statements: %d (one COPY per %s-row chunk), in one transaction (%d transaction-control, %d catalog read)\n",
		qlog.Statements(), thousands(cfg.chunk), qlog.TxStatements(), qlog.CatalogStatements())
	fmt.Fprintf(stdout, "table products holds %s rows\n", thousands(int(n)))
	return nil
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
