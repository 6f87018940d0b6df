package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/model"
)

// DuckDB is the embedded engine's dialect.
type DuckDB struct{}

var _ Dialect = DuckDB{}

// Name implements Dialect.
func (DuckDB) Name() string { return "duckdb" }

// QuoteIdent implements Dialect.
func (DuckDB) QuoteIdent(s string) string { return quoteWith(s, '"') }

// QuoteString implements Dialect. DuckDB's literals take no backslash escapes,
// so a control character is written as chr(n) concatenated between quoted
// runs: the SQL text then holds no raw line breaks inside a literal, and the
// writer's indentation cannot change a value.
func (DuckDB) QuoteString(s string) string {
	if !hasControl(s) {
		return quoteWith(s, '\'')
	}
	var parts []string
	run := strings.Builder{}
	flush := func() {
		if run.Len() > 0 {
			parts = append(parts, quoteWith(run.String(), '\''))
			run.Reset()
		}
	}
	for _, r := range s {
		if isControl(r) {
			flush()
			parts = append(parts, fmt.Sprintf("chr(%d)", r))
			continue
		}
		run.WriteRune(r)
	}
	flush()
	return "(" + strings.Join(parts, " || ") + ")"
}

// LocalTime implements Dialect: AT TIME ZONE reads a naive timestamp as wall
// time in a zone (giving an instant), then an instant as wall time in another.
// An instant takes only the second step: the first would read it back as
// naive UTC wall time, and the second then shift it the wrong way.
func (d DuckDB) LocalTime(sql, from, to string) string {
	if from == "" {
		return fmt.Sprintf("(%s AT TIME ZONE %s)", sql, d.QuoteString(to))
	}
	if from == to {
		return sql
	}
	return fmt.Sprintf("((%s AT TIME ZONE %s) AT TIME ZONE %s)", sql, d.QuoteString(from), d.QuoteString(to))
}

// TimeGrain implements Dialect; date_trunc('week') starts weeks on Monday (ISO).
func (d DuckDB) TimeGrain(sql, grain string) string {
	if grain == "hour" {
		return fmt.Sprintf("date_trunc('hour', %s)", sql)
	}
	return fmt.Sprintf("CAST(date_trunc('%s', %s) AS DATE)", grain, sql)
}

// Shift implements Dialect; adding months clamps to the month's last day.
func (DuckDB) Shift(sql string, p model.Period) string {
	n, unit := p.N, p.Unit
	if unit == "week" {
		n, unit = 7*n, "day"
	}
	if unit == "quarter" {
		n, unit = 3*n, "month"
	}
	if n < 0 {
		return fmt.Sprintf("(%s - INTERVAL %d %s)", sql, -n, strings.ToUpper(unit))
	}
	return fmt.Sprintf("(%s + INTERVAL %d %s)", sql, n, strings.ToUpper(unit))
}

// Func implements Dialect.
func (d DuckDB) Func(name string, args []string, tz string) (string, bool) {
	switch name {
	case "ifnull":
		return call("coalesce", args), true
	case "if":
		return fmt.Sprintf("(CASE WHEN %s THEN %s ELSE %s END)", args[0], args[1], args[2]), true
	case "ceiling":
		return call("ceil", args), true
	case "pow":
		return call("power", args), true
	case "substr":
		return call("substring", args), true
	case "char_length":
		return call("length", args), true
	case "dayofmonth":
		return call("day", args), true
	case "dayofweek": // MySQL counts Sunday as 1
		return fmt.Sprintf("(dayofweek(%s) + 1)", args[0]), true
	case "date":
		return fmt.Sprintf("CAST(%s AS DATE)", args[0]), true
	case "datediff":
		return fmt.Sprintf("date_diff('day', CAST(%s AS DATE), CAST(%s AS DATE))", args[1], args[0]), true
	case "date_add", "adddate", "date_sub", "subdate":
		op := "+"
		if name == "date_sub" || name == "subdate" {
			op = "-"
		}
		if len(args) == 2 { // adddate(d, n): days
			return fmt.Sprintf("(%s %s INTERVAL 1 DAY * (%s))", args[0], op, args[1]), true
		}
		return fmt.Sprintf("(%s %s INTERVAL 1 %s * (%s))", args[0], op, args[2], args[1]), true
	case "current_date", "curdate":
		return fmt.Sprintf("CAST(now() AT TIME ZONE %s AS DATE)", d.QuoteString(tz)), true
	case "now", "current_timestamp":
		return fmt.Sprintf("CAST(now() AT TIME ZONE %s AS TIMESTAMP)", d.QuoteString(tz)), true
	case "dateliteral":
		return "DATE " + args[0], true
	case "timestampliteral":
		return "TIMESTAMP " + args[0], true
	case "intdiv":
		return fmt.Sprintf("(%s // %s)", args[0], args[1]), true
	case "count_distinct":
		return fmt.Sprintf("COUNT(DISTINCT %s)", args[0]), true
	case "approx_count_distinct":
		return call("approx_count_distinct", args), true
	case "is_not_distinct":
		return fmt.Sprintf("(%s IS NOT DISTINCT FROM %s)", args[0], args[1]), true
	// Exact distinct sets in rollups: the distinct values of each group, merged
	// by union. A sketch depends only on the set of values, so an approximate
	// count over the union equals the one over the raw rows.
	case "set_build":
		return fmt.Sprintf("list(DISTINCT %s) FILTER (WHERE %s IS NOT NULL)", args[0], args[0]), true
	case "set_count":
		return fmt.Sprintf("COALESCE(length(list_distinct(flatten(list(%s)))), 0)", args[0]), true
	case "set_approx_count":
		return fmt.Sprintf("COALESCE(list_aggregate(flatten(list(%s)), 'approx_count_distinct'), 0)", args[0]), true
	}
	return "", false
}

// Type implements Dialect.
func (DuckDB) Type(t model.Type) string {
	switch t.Base {
	case "decimal":
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case "varchar":
		return "VARCHAR"
	case "timestamptz":
		return "TIMESTAMPTZ"
	}
	return strings.ToUpper(t.Base)
}

// OrderTerm implements Dialect.
func (DuckDB) OrderTerm(sql string, desc bool) string {
	if desc {
		return sql + " DESC NULLS LAST"
	}
	return sql + " ASC NULLS LAST"
}
