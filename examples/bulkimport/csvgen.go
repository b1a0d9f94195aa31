package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"
)

// header is the first line every CSV this program reads must have.
var header = []string{"sku", "name", "price_cents", "stock", "updated_at"}

// generate writes a CSV of n product rows after the header line. When badLine is
// 2 or more and at most n+1, that line (1 is the header) carries a negative price:
// it parses, and only the table's CHECK constraint refuses it.
func generate(w io.Writer, n, badLine int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := fmt.Fprintf(bw, "%s,%s,%s,%s,%s\n", header[0], header[1], header[2], header[3], header[4]); err != nil {
		return err
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var buf []byte
	for i := 1; i <= n; i++ {
		price := int64(99 + (i*7919)%100_000)
		if i+1 == badLine {
			price = -price
		}
		buf = buf[:0]
		buf = append(buf, "SKU-"...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ",Product "...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, price, 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(i%1000), 10)
		buf = append(buf, ',')
		buf = base.Add(time.Duration(i)*time.Second).AppendFormat(buf, time.RFC3339)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
