package service

import (
	"bytes"
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/strata-metrics/strata/engine"
)

// Content types a result can be rendered in.
const (
	MimeJSON  = "application/json"
	MimeCSV   = "text/csv"
	MimeArrow = "application/vnd.apache.arrow.stream"
)

// arrowType maps a result column type onto Arrow.
func arrowType(t string) arrow.DataType {
	switch {
	case t == "varchar":
		return arrow.BinaryTypes.String
	case t == "bigint" || t == "integer" || t == "smallint" || t == "tinyint":
		return arrow.PrimitiveTypes.Int64
	case t == "boolean":
		return arrow.FixedWidthTypes.Boolean
	case t == "date":
		return arrow.FixedWidthTypes.Date32
	case t == "timestamp":
		return arrow.FixedWidthTypes.Timestamp_us
	}
	if p, s, ok := decimalType(t); ok {
		return &arrow.Decimal128Type{Precision: p, Scale: s}
	}
	return arrow.PrimitiveTypes.Float64
}

// decimalType reads "decimal(p,s)".
func decimalType(t string) (p, s int32, ok bool) {
	if _, err := fmt.Sscanf(t, "decimal(%d,%d)", &p, &s); err != nil || p < 1 || p > 38 || s < 0 || s > p {
		return 0, 0, false
	}
	return p, s, true
}

// Arrow encodes the result as an Arrow IPC stream. The stream carries no
// metadata: the DataAPI sends what JSON puts in `meta` as response headers.
func (res *Result) Arrow() ([]byte, error) {
	fields := make([]arrow.Field, len(res.Columns))
	for i, c := range res.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, row := range res.Rows {
		for i, v := range row {
			if err := appendValue(b.Field(i), v); err != nil {
				return nil, fmt.Errorf("column %s: %w", res.Columns[i].Name, err)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func appendValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.Append(Cell(v, "varchar", ""))
	case *array.Int64Builder:
		switch x := v.(type) {
		case int64:
			bb.Append(x)
		case float64:
			bb.Append(int64(x))
		default:
			return fmt.Errorf("cannot encode %T as int64", v)
		}
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			bb.Append(x)
		case int64:
			bb.Append(float64(x))
		default:
			return fmt.Errorf("cannot encode %T as float64", v)
		}
	case *array.Decimal128Builder:
		x, ok := v.(engine.Decimal)
		if !ok || x.Unscaled == nil {
			return fmt.Errorf("cannot encode %T as decimal", v)
		}
		scale := bb.Type().(*arrow.Decimal128Type).Scale
		u := new(big.Int).Set(x.Unscaled)
		if d := int(scale) - x.Scale; d > 0 {
			u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil))
		} else if d < 0 {
			return fmt.Errorf("cannot encode a decimal of scale %d in a column of scale %d", x.Scale, scale)
		}
		bb.Append(decimal128.FromBigInt(u))
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return fmt.Errorf("cannot encode %T as boolean", v)
		}
		bb.Append(x)
	case *array.Date32Builder:
		x, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("cannot encode %T as date", v)
		}
		bb.Append(arrow.Date32FromTime(x))
	case *array.TimestampBuilder:
		x, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("cannot encode %T as timestamp", v)
		}
		bb.Append(arrow.Timestamp(x.UnixMicro()))
	default:
		return fmt.Errorf("unsupported builder %T", b)
	}
	return nil
}
