package mysql

import (
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/strata-metrics/strata/engine"
)

// kind is how a column's values are converted.
type kind int

const (
	kindOther kind = iota
	kindInt
	kindFloat
	kindDecimal
	kindText
	kindTime
	kindBytes
)

// describe names the result's columns in the portable vocabulary
// (bigint, integer, double, decimal(p,s), varchar, date, timestamp…).
func describe(rows *sql.Rows) ([]engine.Column, []kind, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, err
	}
	cols := make([]engine.Column, len(types))
	kinds := make([]kind, len(types))
	for i, t := range types {
		name, k := portable(t)
		cols[i] = engine.Column{Name: t.Name(), Type: name}
		kinds[i] = k
	}
	return cols, kinds, nil
}

func portable(t *sql.ColumnType) (string, kind) {
	db := strings.ToUpper(t.DatabaseTypeName())
	switch strings.TrimPrefix(db, "UNSIGNED ") {
	case "TINYINT":
		return "tinyint", kindInt
	case "SMALLINT", "YEAR":
		return "smallint", kindInt
	case "MEDIUMINT", "INT":
		if strings.HasPrefix(db, "UNSIGNED ") {
			return "bigint", kindInt
		}
		return "integer", kindInt
	case "BIGINT":
		return "bigint", kindInt
	case "BIT":
		return "bigint", kindInt
	case "FLOAT":
		return "float", kindFloat
	case "DOUBLE":
		return "double", kindFloat
	case "DECIMAL":
		if p, s, ok := t.DecimalSize(); ok {
			return fmt.Sprintf("decimal(%d,%d)", p, s), kindDecimal
		}
		return "decimal", kindDecimal
	case "DATE":
		return "date", kindTime
	case "DATETIME", "TIMESTAMP":
		return "timestamp", kindTime
	case "CHAR", "VARCHAR", "TEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT", "JSON", "ENUM", "SET", "TIME":
		return "varchar", kindText
	case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "GEOMETRY":
		return "blob", kindBytes
	}
	return strings.ToLower(db), kindOther
}

// convert maps a scanned value onto the Go types results carry: int64,
// float64, engine.Decimal, string, time.Time (UTC), []byte, or nil.
func convert(v any, k kind) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []byte:
		switch k {
		case kindDecimal:
			return engine.ParseDecimal(string(x))
		case kindInt:
			if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return n, nil
			}
			// An unsigned value past int64 stays exact as a decimal.
			return engine.ParseDecimal(string(x))
		case kindFloat:
			return strconv.ParseFloat(string(x), 64)
		case kindBytes:
			return append([]byte(nil), x...), nil
		}
		return string(x), nil
	case string:
		if k == kindDecimal {
			return engine.ParseDecimal(x)
		}
		return x, nil
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case uint64:
		if x > math.MaxInt64 {
			return engine.ParseDecimal(strconv.FormatUint(x, 10))
		}
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case time.Time:
		return x.UTC(), nil
	case bool:
		return x, nil
	}
	return v, nil
}
