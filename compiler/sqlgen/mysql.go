package sqlgen

import (
	"fmt"
	"strings"

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
// them as escapes inside literals.
func (MySQL) QuoteString(s string) string {
	return quoteWith(strings.ReplaceAll(s, `\`, `\\`), '\'')
}

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
	case "dateliteral":
		return "DATE " + args[0], true
	case "timestampliteral":
		return "TIMESTAMP " + args[0], true
	case "intdiv":
		return fmt.Sprintf("(%s DIV %s)", args[0], args[1]), true
	case "date_add", "date_sub", "adddate", "subdate":
		if len(args) == 3 {
			return fmt.Sprintf("%s(%s, INTERVAL %s %s)", strings.ToUpper(name), args[0], args[1], args[2]), true
		}
	case "current_date", "curdate":
		return fmt.Sprintf("DATE(CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', %s))", m.QuoteString(tz)), true
	case "now", "current_timestamp":
		return fmt.Sprintf("CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', %s)", m.QuoteString(tz)), true
	case "count_distinct":
		return fmt.Sprintf("COUNT(DISTINCT %s)", args[0]), true
	case "approx_count_distinct": // exact on MySQL: it has no sketch
		return fmt.Sprintf("COUNT(DISTINCT %s)", args[0]), true
	case "is_not_distinct":
		return fmt.Sprintf("(%s <=> %s)", args[0], args[1]), true
	// A period's edge time. MariaDB evaluates MAX(t) OVER (PARTITION BY …)
	// by rescanning the frame for every row — minutes over a few hundred
	// thousand rows — while the first value of the partition ordered by t is
	// one sort. NULLs sort last, as MAX and MIN ignore them.
	case "edge_max", "edge_min":
		over := ""
		if len(args) > 1 {
			over = "PARTITION BY " + strings.Join(args[1:], ", ") + " "
		}
		return fmt.Sprintf("FIRST_VALUE(%s) OVER (%sORDER BY %s)", args[0], over, m.OrderTerm(args[0], name == "edge_max")), true
	// Distinct sets in rollups as comma-joined value lists; exact, and fine for
	// the small deployments MySQL serves.
	case "set_build":
		return fmt.Sprintf("GROUP_CONCAT(DISTINCT %s)", args[0]), true
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
	switch name {
	case "approx_count_distinct":
		return call("approx_count_distinct", args), true
	case "timestampliteral": // its grammar has DATE '…' and DATETIME '…', no TIMESTAMP '…'
		return "DATETIME " + args[0], true
	case "set_build": // BITMAP columns: exact distinct counts that merge
		return fmt.Sprintf("bitmap_union(to_bitmap(%s))", args[0]), true
	case "set_count":
		return fmt.Sprintf("bitmap_union_count(%s)", args[0]), true
	case "set_approx_count":
		return fmt.Sprintf("bitmap_union_count(%s)", args[0]), true
	case "edge_max", "edge_min": // its MAX/MIN windows are fast: the portable form
		return "", false
	}
	return s.MySQL.Func(name, args, tz)
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

// OrderTerm implements Dialect.
func (StarRocks) OrderTerm(sql string, desc bool) string {
	if desc {
		return sql + " DESC NULLS LAST"
	}
	return sql + " ASC NULLS LAST"
}
