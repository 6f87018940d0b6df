package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// MySQL is the dialect of MySQL and MariaDB. Time zone conversion uses
// CONVERT_TZ, which needs the server's time zone tables loaded.
type MySQL struct{}

var _ Dialect = MySQL{}

// Name implements Dialect.
func (MySQL) Name() string { return "mysql" }

// QuoteIdent implements Dialect.
func (MySQL) QuoteIdent(s string) string { return quoteWith(s, '`') }

// QuoteString implements Dialect; backslashes are escaped because MySQL reads
// them as escapes inside literals, and line breaks, tabs and Ctrl-Z are
// written as their escapes so that the SQL text holds no raw line break
// inside a literal (the writer's indentation then cannot change a value).
func (MySQL) QuoteString(s string) string {
	return quoteWith(mysqlEscaper.Replace(s), '\'')
}

var mysqlEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\x1a", `\Z`)

// LocalTime implements Dialect. MySQL has no instant type: a TIMESTAMP column
// is read in the session's time zone, which Strata's connections must set to
// UTC (time_zone='+00:00') for instants to convert correctly.
func (m MySQL) LocalTime(sql, from, to string) string {
	if from == "" {
		from = "UTC"
	}
	if from == to {
		return sql
	}
	return fmt.Sprintf("CONVERT_TZ(%s, %s, %s)", sql, m.QuoteString(from), m.QuoteString(to))
}

// TimeGrain implements Dialect.
func (MySQL) TimeGrain(sql, grain string) string {
	switch grain {
	case "hour":
		return fmt.Sprintf("CAST(DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:00:00') AS DATETIME)", sql)
	case "day":
		return fmt.Sprintf("DATE(%s)", sql)
	case "week": // Monday
		return fmt.Sprintf("DATE_SUB(DATE(%s), INTERVAL WEEKDAY(%s) DAY)", sql, sql)
	case "month":
		return fmt.Sprintf("CAST(DATE_FORMAT(%s, '%%Y-%%m-01') AS DATE)", sql)
	case "quarter":
		return fmt.Sprintf("MAKEDATE(YEAR(%s), 1) + INTERVAL (QUARTER(%s) - 1) QUARTER", sql, sql)
	default:
		return fmt.Sprintf("MAKEDATE(YEAR(%s), 1)", sql)
	}
}

// Shift implements Dialect.
func (MySQL) Shift(sql string, p model.Period) string {
	if p.N < 0 {
		return fmt.Sprintf("DATE_SUB(%s, INTERVAL %d %s)", sql, -p.N, strings.ToUpper(p.Unit))
	}
	return fmt.Sprintf("DATE_ADD(%s, INTERVAL %d %s)", sql, p.N, strings.ToUpper(p.Unit))
}

// Func implements Dialect.
func (m MySQL) Func(name string, args []string, tz string) (string, bool) {
	switch name {
	case "date_add", "date_sub", "adddate", "subdate":
		if len(args) == 3 {
			return fmt.Sprintf("%s(%s, INTERVAL %s %s)", strings.ToUpper(name), args[0], args[1], args[2]), true
		}
	case "current_date", "curdate":
		return fmt.Sprintf("DATE(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', %s))", m.QuoteString(tz)), true
	case "now", "current_timestamp":
		return fmt.Sprintf("CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', %s)", m.QuoteString(tz)), true
	}
	return "", false
}

// Type implements Dialect.
func (MySQL) Type(t model.Type) string {
	switch t.Base {
	case "decimal":
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case "varchar":
		return "CHAR"
	case "bigint", "integer", "smallint", "tinyint":
		return "SIGNED"
	case "timestamp", "timestamptz":
		return "DATETIME"
	case "double", "float":
		return "DOUBLE"
	}
	return strings.ToUpper(t.Base)
}

// OrderTerm implements Dialect: MySQL sorts NULL first ascending, so NULLs are
// pushed last explicitly.
func (MySQL) OrderTerm(sql string, desc bool) string {
	if desc {
		return fmt.Sprintf("%s IS NULL, %s DESC", sql, sql)
	}
	return fmt.Sprintf("%s IS NULL, %s ASC", sql, sql)
}

// SortDerived implements Dialect: MariaDB misorders rows when an ORDER BY
// expression names a select-list alias (`m IS NULL, m ASC`) over a LEFT JOIN
// of CTEs on null-safe keys (one row of a cumulative query sorted last, its
// value not NULL); ordering by the columns of a derived table sorts right.
func (MySQL) SortDerived() bool { return true }

// NullSafeEqual implements Operators.
func (MySQL) NullSafeEqual(a, b string) string { return fmt.Sprintf("(%s <=> %s)", a, b) }

// IntDiv implements Operators.
func (MySQL) IntDiv(a, b string) string { return fmt.Sprintf("(%s DIV %s)", a, b) }

// ILike implements Operators: MySQL has no ILIKE; both sides are lowered.
func (MySQL) ILike(s, pattern string, not bool) string {
	return fmt.Sprintf("(LOWER(%s) %sLIKE LOWER(%s))", s, notKw(not), pattern)
}

// DateLiteral implements Operators.
func (MySQL) DateLiteral(quoted string) string { return "DATE " + quoted }

// TimestampLiteral implements Operators.
func (MySQL) TimestampLiteral(quoted string) string { return "TIMESTAMP " + quoted }

// CountDistinct implements Aggregates.
func (MySQL) CountDistinct(arg string) string { return fmt.Sprintf("COUNT(DISTINCT %s)", arg) }

// RowHash implements Aggregates: the CRC32 of the values as text, joined by
// a unit separator, NULL written as a record separator (a value no text
// column holds in practice). SUM of the 32-bit hashes is a DECIMAL.
func (MySQL) RowHash(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "IFNULL(CAST(" + a + " AS CHAR), CHAR(30))"
	}
	return "CRC32(CONCAT_WS(CHAR(31), " + strings.Join(parts, ", ") + "))"
}

// ApproxCountDistinct implements Aggregates: exact, MySQL has no sketch.
func (MySQL) ApproxCountDistinct(arg string) string { return fmt.Sprintf("COUNT(DISTINCT %s)", arg) }

// errNoSets: MySQL has no set type that merges, and a delimited string
// (GROUP_CONCAT, JSON_ARRAYAGG) is cut silently at group_concat_max_len, which
// would make answers wrong without an error; distinct counts are kept as key
// rows in side tables instead (RollupKeys).
var errNoSets = fmt.Errorf("the mysql dialect has no set column type; distinct counts are kept as key rows")

// SetColumns implements Aggregates.
func (MySQL) SetColumns() bool { return false }

// SetBuild implements Aggregates.
func (MySQL) SetBuild(string, rollup.Key) (string, error) { return "", errNoSets }

// SetUnion implements Aggregates.
func (MySQL) SetUnion(string, rollup.Key) (string, error) { return "", errNoSets }

// SetCount implements Aggregates.
func (MySQL) SetCount(string, rollup.Key, bool) (string, error) { return "", errNoSets }

// SetApproxCount implements Aggregates.
func (MySQL) SetApproxCount(string, rollup.Key, bool) (string, error) { return "", errNoSets }

// StateDDL implements Storage: the state schema is a database.
func (m MySQL) StateDDL() []string {
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + m.QuoteIdent(StateSchema),
		"CREATE TABLE IF NOT EXISTS " + Table(m, RollupsTable) + ` (
  name        VARCHAR(255) PRIMARY KEY,
  table_name  VARCHAR(255),
  def_hash    VARCHAR(64),
  row_count   BIGINT,
  watermark   VARCHAR(64),
  built_at    DATETIME(6),
  duration_ms DOUBLE,
  sources     VARCHAR(64),
  last_error  TEXT,
  last_try    DATETIME(6)
)`,
		"CREATE TABLE IF NOT EXISTS " + Table(m, SourcesTable) + ` (
  name       VARCHAR(255) PRIMARY KEY,
  definition TEXT
)`,
	}
}

// Upsert implements Storage.
func (m MySQL) Upsert(table, key string, cols []string) string {
	var set []string
	for _, c := range cols {
		if c != key {
			set = append(set, m.QuoteIdent(c)+" = VALUES("+m.QuoteIdent(c)+")")
		}
	}
	return insertInto(m, table, cols) + "\nON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
}

// FileSource implements Storage: a MySQL server reads tables, not files.
func (MySQL) FileSource(path string) (string, error) {
	return "", fmt.Errorf("source %s: the mysql engine reads tables, not files; load it into a table and name the table as the source", path)
}

// NarrowType implements Storage: MySQL's SUM keeps DECIMAL(65) and BIGINT
// sums as they are stored; nothing to narrow.
func (MySQL) NarrowType(string) string { return "" }

// Fits implements Storage.
func (m MySQL) Fits(col, typ string) string {
	return fmt.Sprintf("COALESCE(MAX(ABS(%s)) = CAST(MAX(ABS(%s)) AS %s), true)", col, col, typ)
}

// AlterColumnType implements Storage.
func (MySQL) AlterColumnType(table, col, typ string) string {
	return fmt.Sprintf("ALTER TABLE %s MODIFY COLUMN %s %s", table, col, typ)
}

// StarRocks speaks MySQL's protocol and most of its SQL, with date_trunc,
// NULLS LAST and approximate distinct counts of its own.
type StarRocks struct{ MySQL }

var _ Dialect = StarRocks{}

// Name implements Dialect.
func (StarRocks) Name() string { return "starrocks" }

// TimeGrain implements Dialect.
func (StarRocks) TimeGrain(sql, grain string) string {
	if grain == "hour" {
		return fmt.Sprintf("date_trunc('hour', %s)", sql)
	}
	return fmt.Sprintf("CAST(date_trunc('%s', %s) AS DATE)", grain, sql)
}

// Func implements Dialect.
func (s StarRocks) Func(name string, args []string, tz string) (string, bool) {
	return s.MySQL.Func(name, args, tz)
}

// TimestampLiteral implements Operators: StarRocks' grammar has DATE '…' and
// DATETIME '…', no TIMESTAMP '…'.
func (StarRocks) TimestampLiteral(quoted string) string { return "DATETIME " + quoted }

// RowHash implements Aggregates: murmur_hash3_32 of the values as text
// (StarRocks and Doris take several; one NULL makes it NULL, so NULL is
// written as a marker first).
func (s StarRocks) RowHash(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "IFNULL(CAST(" + a + " AS VARCHAR), " + s.QuoteString("\\N") + ")"
	}
	return call("murmur_hash3_32", parts)
}

// ApproxCountDistinct implements Aggregates.
func (StarRocks) ApproxCountDistinct(arg string) string {
	return call("approx_count_distinct", []string{arg})
}

// SetColumns implements Aggregates: BITMAP columns, exact distinct counts that merge.
func (StarRocks) SetColumns() bool { return true }

// SetBuild implements Aggregates: a BITMAP for an exact count (to_bitmap
// takes integers: OLAPRollupTable refuses other keys), an HLL sketch for an
// approximate one (hll_hash takes any type).
func (StarRocks) SetBuild(arg string, key rollup.Key) (string, error) {
	if key.Approx {
		return fmt.Sprintf("hll_union(hll_hash(%s))", arg), nil
	}
	return fmt.Sprintf("bitmap_union(to_bitmap(%s))", arg), nil
}

// SetUnion implements Aggregates: an approximate count's set is the HLL
// sketch SetApproxBuild stored, merged into a sketch by hll_union.
func (StarRocks) SetUnion(col string, key rollup.Key) (string, error) {
	if key.Approx {
		return fmt.Sprintf("hll_union(%s)", col), nil
	}
	return fmt.Sprintf("bitmap_union(%s)", col), nil
}

// SetCount implements Aggregates.
func (StarRocks) SetCount(col string, _ rollup.Key, single bool) (string, error) {
	return fmt.Sprintf("bitmap_union_count(%s)", col), nil
}

// SetApproxCount implements Aggregates: the HLL sketches SetApproxBuild
// stored, merged; approx_count_distinct over the raw values is the same HLL
// estimate (https://docs.starrocks.io/docs/sql-reference/data-types/other-data-types/HLL/).
func (StarRocks) SetApproxCount(col string, _ rollup.Key, single bool) (string, error) {
	return fmt.Sprintf("hll_union_agg(%s)", col), nil
}

// Type implements Dialect.
func (s StarRocks) Type(t model.Type) string {
	switch t.Base {
	case "varchar":
		return "VARCHAR"
	case "bigint", "integer", "smallint", "tinyint":
		return "BIGINT"
	}
	return s.MySQL.Type(t)
}

// SortDerived implements Dialect: StarRocks orders with NULLS LAST, no
// expression over an alias.
func (StarRocks) SortDerived() bool { return false }

// OrderTerm implements Dialect.
func (StarRocks) OrderTerm(sql string, desc bool) string {
	if desc {
		return sql + " DESC NULLS LAST"
	}
	return sql + " ASC NULLS LAST"
}
