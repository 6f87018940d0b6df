package service

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// Export formats.
const (
	ExportCSV     = "csv"
	ExportParquet = "parquet"
)

// exportBatch is how many ids are written at a time: the export streams, its
// memory does not grow with the audience.
const exportBatch = 64 * 1024

// WriteIDsCSV streams the members' ids as CSV, one per line under a header
// naming the key column, in ascending order.
func WriteIDsCSV(w io.Writer, column string, members *roaring.Bitmap) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.WriteString(csvField(column) + "\n"); err != nil {
		return err
	}
	buf := make([]byte, 0, 16)
	it := members.Iterator()
	for it.HasNext() {
		buf = strconv.AppendUint(buf[:0], uint64(it.Next()), 10)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// csvField quotes a field as RFC 4180 does, when it needs quotes.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// WriteIDsParquet streams the members' ids as a Parquet file with one required
// INT64 column, one row group per million ids, so memory stays bounded.
func WriteIDsParquet(w io.Writer, column string, members *roaring.Bitmap) (err error) {
	col := schema.NewInt64Node(column, parquet.Repetitions.Required, -1)
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, schema.FieldList{col}, -1)
	if err != nil {
		return fmt.Errorf("parquet export: %w", err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(false))
	fw, err := file.NewParquetWriterWithError(w, root, file.WithWriterProps(props))
	if err != nil {
		return fmt.Errorf("parquet export: %w", err)
	}
	ids := make([]uint32, exportBatch)
	vals := make([]int64, exportBatch)
	it := members.ManyIterator()
	const groupRows = 16 * exportBatch
	for done := false; !done; {
		rg, err := fw.AppendRowGroupChecked()
		if err != nil {
			return fmt.Errorf("parquet export: %w", err)
		}
		cw, err := rg.NextColumn()
		if err != nil {
			return fmt.Errorf("parquet export: %w", err)
		}
		iw := cw.(*file.Int64ColumnChunkWriter)
		for rows := 0; rows < groupRows; {
			n := it.NextMany(ids)
			if n == 0 {
				done = true
				break
			}
			for i, id := range ids[:n] {
				vals[i] = int64(id)
			}
			if _, err := iw.WriteBatch(vals[:n], nil, nil); err != nil {
				return fmt.Errorf("parquet export: %w", err)
			}
			rows += n
		}
		if err := cw.Close(); err != nil {
			return fmt.Errorf("parquet export: %w", err)
		}
		if err := rg.Close(); err != nil {
			return fmt.Errorf("parquet export: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("parquet export: %w", err)
	}
	return nil
}

// nopCloser keeps the Parquet writer from closing the caller's writer.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
