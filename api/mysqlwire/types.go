package mysqlwire

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"vitess.io/vitess/go/sqltypes"
	querypb "vitess.io/vitess/go/vt/proto/query"
)

// Character sets the listener declares: utf8mb4 for text, binary for the rest.
const (
	charsetUTF8MB4 = 255 // utf8mb4_0900_ai_ci
	charsetBinary  = 63
)

// field maps a Strata type onto a MySQL column definition: DECIMAL keeps its
// precision and scale, dates are DATE, timestamps DATETIME, booleans TINYINT(1).
func field(name, typ string) *querypb.Field {
	f := &querypb.Field{Name: name, Charset: charsetBinary, Flags: uint32(querypb.MySqlFlag_BINARY_FLAG)}
	t := strings.ToLower(strings.TrimSpace(typ))
	switch {
	case strings.HasPrefix(t, "decimal"):
		p, s := decimalParts(t)
		f.Type, f.ColumnLength, f.Decimals = sqltypes.Decimal, uint32(p+2), uint32(s)
		f.Flags |= uint32(querypb.MySqlFlag_NUM_FLAG)
	case t == "bigint" || t == "hugeint" || t == "ubigint":
		f.Type, f.ColumnLength = sqltypes.Int64, 20
		f.Flags |= uint32(querypb.MySqlFlag_NUM_FLAG)
	case t == "integer" || t == "int" || t == "smallint" || t == "tinyint":
		f.Type, f.ColumnLength = sqltypes.Int32, 11
		f.Flags |= uint32(querypb.MySqlFlag_NUM_FLAG)
	case t == "double" || t == "float" || t == "real":
		f.Type, f.ColumnLength, f.Decimals = sqltypes.Float64, 22, 31
		f.Flags |= uint32(querypb.MySqlFlag_NUM_FLAG)
	case t == "boolean" || t == "bool":
		f.Type, f.ColumnLength = sqltypes.Int8, 1
		f.Flags |= uint32(querypb.MySqlFlag_NUM_FLAG)
	case t == "date":
		f.Type, f.ColumnLength = sqltypes.Date, 10
	case strings.HasPrefix(t, "timestamp") || t == "datetime":
		f.Type, f.ColumnLength = sqltypes.Datetime, 19
	default:
		f.Type, f.ColumnLength, f.Charset, f.Flags = sqltypes.VarChar, 262140, charsetUTF8MB4, 0
	}
	return f
}

// decimalParts reads decimal(p,s); decimal alone is decimal(18,3) as in DuckDB.
func decimalParts(t string) (int, int) {
	p, s := 18, 3
	if i := strings.IndexByte(t, '('); i >= 0 {
		parts := strings.Split(strings.TrimSuffix(t[i+1:], ")"), ",")
		if v, err := strconv.Atoi(strings.TrimSpace(parts[0])); err == nil {
			p = v
		}
		s = 0
		if len(parts) > 1 {
			if v, err := strconv.Atoi(strings.TrimSpace(parts[1])); err == nil {
				s = v
			}
		}
	}
	return p, s
}

// value renders one cell as the text the MySQL protocol carries for its
// column: decimals with exactly the column's scale, dates as 2006-01-02,
// timestamps as 2006-01-02 15:04:05.
func value(v any, f *querypb.Field) (sqltypes.Value, error) {
	if v == nil {
		return sqltypes.NULL, nil
	}
	var s string
	switch x := v.(type) {
	case time.Time:
		if f.Type == sqltypes.Date {
			s = x.Format("2006-01-02")
		} else {
			s = x.Format("2006-01-02 15:04:05")
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return sqltypes.NULL, nil
		}
		if f.Type == sqltypes.Decimal {
			s = strconv.FormatFloat(x, 'f', int(f.Decimals), 64)
		} else {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	case uint64:
		s = strconv.FormatUint(x, 10)
	case bool:
		s = "0"
		if x {
			s = "1"
		}
	case string:
		s = x
	case []byte:
		s = string(x)
	case fmt.Stringer:
		s = x.String()
	default:
		s = fmt.Sprint(x)
	}
	return sqltypes.MakeTrusted(f.Type, []byte(s)), nil
}

// result converts a backend result to the protocol's.
func result(r *Result) (*sqltypes.Result, error) {
	out := &sqltypes.Result{Fields: make([]*querypb.Field, len(r.Columns)), Rows: make([][]sqltypes.Value, len(r.Rows))}
	for i, c := range r.Columns {
		out.Fields[i] = field(c.Name, c.Type)
	}
	for i, row := range r.Rows {
		vals := make([]sqltypes.Value, len(row))
		for j, v := range row {
			val, err := value(v, out.Fields[j])
			if err != nil {
				return nil, err
			}
			vals[j] = val
		}
		out.Rows[i] = vals
	}
	return out, nil
}

// textResult is a result of text columns, for SHOW and session variables.
func textResult(cols []string, rows [][]string) *sqltypes.Result {
	out := &sqltypes.Result{Fields: make([]*querypb.Field, len(cols))}
	for i, c := range cols {
		out.Fields[i] = field(c, "varchar")
	}
	for _, row := range rows {
		vals := make([]sqltypes.Value, len(row))
		for j, s := range row {
			vals[j] = sqltypes.NewVarChar(s)
		}
		out.Rows = append(out.Rows, vals)
	}
	return out
}

// bindValue turns a prepared statement's bound value into a Go value for the
// syntax tree: integers, floats, and everything else as its text.
func bindValue(bv *querypb.BindVariable) (any, error) {
	if bv == nil {
		return nil, nil
	}
	v, err := sqltypes.BindVariableToValue(bv)
	if err != nil {
		return nil, err
	}
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsSigned():
		return v.ToInt64()
	case v.IsUnsigned():
		return v.ToUint64()
	case v.IsFloat():
		return v.ToFloat64()
	}
	return v.ToString(), nil
}
