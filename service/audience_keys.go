package service

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"

	aud "github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// Exports of text keys. The members are ids; an entity with a text key has
// them mapped back to its keys by its dictionary (sqlgen.KeyDictSync). The
// dictionary is read in id order and merged with the members' ascending ids,
// so the export streams: memory holds one batch, not the audience nor the
// dictionary (on an engine that streams rows). The keys come out in id
// order, which is the order the keys were first built in.

// Export writes the members of an audience as CSV or Parquet, one column
// named after the entity's key: the ids themselves for an integer key, the
// original keys for a text key.
func (s *Audiences) Export(ctx context.Context, w io.Writer, format string, a *aud.Audience, members *roaring.Bitmap) error {
	col := AudienceKeyColumn(a)
	if !a.Scope.Dictionary() {
		if format == ExportParquet {
			return WriteIDsParquet(w, col, members)
		}
		return WriteIDsCSV(w, col, members)
	}
	var sink keySink
	var err error
	if format == ExportParquet {
		sink, err = newParquetKeys(w, col)
	} else {
		sink = newCSVKeys(w, col)
	}
	if err != nil {
		return err
	}
	if err := s.eachKey(ctx, a.Scope, members, sink.add); err != nil {
		return err
	}
	return sink.close()
}

// MemberKeys lists the members' original keys in id order; for an integer
// key, the ids as text.
func (s *Audiences) MemberKeys(ctx context.Context, a *aud.Audience, members *roaring.Bitmap) ([]string, error) {
	out := make([]string, 0, members.GetCardinality())
	if !a.Scope.Dictionary() {
		for _, id := range members.ToArray() {
			out = append(out, fmt.Sprint(id))
		}
		return out, nil
	}
	err := s.eachKey(ctx, a.Scope, members, func(k string) error {
		out = append(out, k)
		return nil
	})
	return out, err
}

// eachKey calls fn with the key of each member, in id order.
func (s *Audiences) eachKey(ctx context.Context, scope *aud.Scope, members *roaring.Bitmap, fn func(key string) error) error {
	q := sqlgen.KeyDictRead(s.w.Dialect, scope)
	it := members.Iterator()
	if !it.HasNext() {
		return nil
	}
	next := it.Next()
	done := false
	row := func(id int64, key string) error {
		if done || id < int64(next) {
			return nil
		}
		if id > int64(next) {
			return fmt.Errorf("entity %s: id %d of the audience is not in the key dictionary (the dictionary was changed outside Strata); rebuild the tags with `strata refresh`", scope.Entity.Name, next)
		}
		if err := fn(key); err != nil {
			return err
		}
		if it.HasNext() {
			next = it.Next()
		} else {
			done = true
		}
		return nil
	}
	if sc, ok := s.w.Engine.(interface {
		Each(ctx context.Context, q string, fn func(scan func(dest ...any) error) error) error
	}); ok {
		var id int64
		var key sql.NullString
		err := sc.Each(ctx, q, func(scan func(dest ...any) error) error {
			if err := scan(&id, &key); err != nil {
				return err
			}
			return row(id, key.String)
		})
		if err != nil {
			return engine.Clean(err)
		}
	} else {
		res, err := s.w.Engine.Query(ctx, q)
		if err != nil {
			return engine.Clean(err)
		}
		for _, r := range res.Rows {
			id, _ := r[0].(int64)
			key, _ := r[1].(string)
			if err := row(id, key); err != nil {
				return err
			}
		}
	}
	if !done {
		return fmt.Errorf("entity %s: id %d of the audience is not in the key dictionary (the dictionary was changed outside Strata); rebuild the tags with `strata refresh`", scope.Entity.Name, next)
	}
	return nil
}

// keySink receives an export's keys in order.
type keySink interface {
	add(key string) error
	close() error
}

type csvKeys struct{ bw *bufio.Writer }

func newCSVKeys(w io.Writer, column string) *csvKeys {
	bw := bufio.NewWriterSize(w, 256<<10)
	_, _ = bw.WriteString(csvField(column) + "\n")
	return &csvKeys{bw: bw}
}

func (c *csvKeys) add(key string) error {
	if _, err := c.bw.WriteString(csvField(key)); err != nil {
		return err
	}
	return c.bw.WriteByte('\n')
}

func (c *csvKeys) close() error { return c.bw.Flush() }

// parquetKeys writes one required UTF-8 column, a row group per million
// keys, a batch at a time.
type parquetKeys struct {
	fw   *file.Writer
	rg   file.SerialRowGroupWriter
	cw   *file.ByteArrayColumnChunkWriter
	rows int
	buf  []parquet.ByteArray
}

func newParquetKeys(w io.Writer, column string) (*parquetKeys, error) {
	col, err := schema.NewPrimitiveNodeLogical(column, parquet.Repetitions.Required, schema.StringLogicalType{}, parquet.Types.ByteArray, -1, -1)
	if err != nil {
		return nil, fmt.Errorf("parquet export: %w", err)
	}
	root, err := schema.NewGroupNode("schema", parquet.Repetitions.Required, schema.FieldList{col}, -1)
	if err != nil {
		return nil, fmt.Errorf("parquet export: %w", err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(false))
	fw, err := file.NewParquetWriterWithError(w, root, file.WithWriterProps(props))
	if err != nil {
		return nil, fmt.Errorf("parquet export: %w", err)
	}
	return &parquetKeys{fw: fw, buf: make([]parquet.ByteArray, 0, exportBatch)}, nil
}

func (p *parquetKeys) add(key string) error {
	p.buf = append(p.buf, parquet.ByteArray(key))
	if len(p.buf) == cap(p.buf) {
		return p.flush()
	}
	return nil
}

func (p *parquetKeys) flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	if p.rg == nil {
		rg, err := p.fw.AppendRowGroupChecked()
		if err != nil {
			return fmt.Errorf("parquet export: %w", err)
		}
		cw, err := rg.NextColumn()
		if err != nil {
			return fmt.Errorf("parquet export: %w", err)
		}
		p.rg, p.cw = rg, cw.(*file.ByteArrayColumnChunkWriter)
	}
	if _, err := p.cw.WriteBatch(p.buf, nil, nil); err != nil {
		return fmt.Errorf("parquet export: %w", err)
	}
	p.rows += len(p.buf)
	p.buf = p.buf[:0]
	if p.rows >= 16*exportBatch {
		return p.endGroup()
	}
	return nil
}

func (p *parquetKeys) endGroup() error {
	if p.rg == nil {
		return nil
	}
	if err := p.cw.Close(); err != nil {
		return fmt.Errorf("parquet export: %w", err)
	}
	if err := p.rg.Close(); err != nil {
		return fmt.Errorf("parquet export: %w", err)
	}
	p.rg, p.cw, p.rows = nil, nil, 0
	return nil
}

func (p *parquetKeys) close() error {
	if err := p.flush(); err != nil {
		return err
	}
	if err := p.endGroup(); err != nil {
		return err
	}
	if err := p.fw.Close(); err != nil {
		return fmt.Errorf("parquet export: %w", err)
	}
	return nil
}
