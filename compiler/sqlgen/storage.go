package sqlgen

import (
	"strings"

	"github.com/strata-metrics/strata/model"
)

// The materializer keeps its state in the engine, in the _strata schema, so a
// restart loses nothing: one row per rollup naming the table that holds its
// current version, and one row per source view saying what it reads.
const (
	StateSchema  = "_strata"
	RollupsTable = StateSchema + ".rollups"
	SourcesTable = StateSchema + ".sources"
)

// RollupStateColumns are the columns of the rollups state table, in the order
// RecordBuild takes its arguments.
var RollupStateColumns = []string{"name", "table_name", "def_hash", "row_count", "watermark", "built_at", "duration_ms", "sources", "last_error", "last_try"}

// Table quotes a table name, schema-qualified or not.
func Table(d Dialect, name string) string {
	if schema, t, ok := strings.Cut(name, "."); ok {
		return d.QuoteIdent(schema) + "." + d.QuoteIdent(t)
	}
	return d.QuoteIdent(name)
}

func insertInto(d Dialect, table string, cols []string) string { return InsertRows(d, table, cols, 1) }

// StateExists counts the state tables that exist (both: 2), so that a reader
// can tell an engine never written to from one with state, without writing.
func StateExists(d Dialect) string {
	return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = " + d.QuoteString(StateSchema) +
		" AND table_name IN (" + d.QuoteString("rollups") + ", " + d.QuoteString("sources") + ")"
}

// ReadStates reads every rollup's recorded state: name, table, definition hash,
// rows, watermark, build time, build duration, source fingerprint, last error.
func ReadStates(d Dialect) string {
	q := d.QuoteIdent
	return "SELECT " + q("name") + ", COALESCE(" + q("table_name") + ", ''), COALESCE(" + q("def_hash") + ", ''), COALESCE(" + q("row_count") +
		", 0), COALESCE(" + q("watermark") + ", ''), " + q("built_at") + ", COALESCE(" + q("duration_ms") + ", 0), COALESCE(" + q("sources") +
		", ''), COALESCE(" + q("last_error") + ", '') FROM " + Table(d, RollupsTable)
}

// RecordBuild records a finished build; its arguments follow RollupStateColumns.
func RecordBuild(d Dialect) string { return d.Upsert(RollupsTable, "name", RollupStateColumns) }

// RecordFailure records a failed build (name, error, time) and keeps the
// previous version's row as it was.
func RecordFailure(d Dialect) string {
	return d.Upsert(RollupsTable, "name", []string{"name", "last_error", "last_try"})
}

// ReadSources reads the recorded source views: name and definition.
func ReadSources(d Dialect) string {
	return "SELECT " + d.QuoteIdent("name") + ", " + d.QuoteIdent("definition") + " FROM " + Table(d, SourcesTable)
}

// RecordSource records a source view's definition (name, definition).
func RecordSource(d Dialect) string {
	return d.Upsert(SourcesTable, "name", []string{"name", "definition"})
}

// SourceView exposes a source under a table's name: from is a FileSource or a
// quoted table.
func SourceView(d Dialect, name, from string) string {
	return "CREATE OR REPLACE VIEW " + d.QuoteIdent(name) + " AS SELECT * FROM " + from
}

// CreateTableAs stores a query's rows as a new table.
func CreateTableAs(d Dialect, table, query string) string {
	return "CREATE TABLE " + Table(d, table) + " AS " + query
}

// TablesAfter lists the state schema's tables whose names extend prefix with
// suffix (a version's key tables: prefix "_strata.r_…", suffix "_k"). It
// compares names as ranges instead of LIKE, whose _ is a wildcard.
func TablesAfter(d Dialect, prefix, suffix string) string {
	_, name, _ := strings.Cut(prefix, ".")
	lo := name + suffix
	hi := lo[:len(lo)-1] + string(lo[len(lo)-1]+1)
	return "SELECT " + d.QuoteIdent("table_name") + " FROM information_schema.tables WHERE table_schema = " + d.QuoteString(StateSchema) +
		" AND table_name >= " + d.QuoteString(lo) + " AND table_name < " + d.QuoteString(hi)
}

// DropTable drops a table if it exists.
func DropTable(d Dialect, table string) string { return "DROP TABLE IF EXISTS " + Table(d, table) }

// CountRows counts a table's rows.
func CountRows(d Dialect, table string) string { return "SELECT COUNT(*) FROM " + Table(d, table) }

// MaxText is a column's largest value as text.
func MaxText(d Dialect, table, col string) string {
	return "SELECT CAST(MAX(" + d.QuoteIdent(col) + ") AS " + d.Type(textType) + ") FROM " + Table(d, table)
}

// DescribeTable lists a table's columns: name and type first.
func DescribeTable(d Dialect, table string) string { return "DESCRIBE " + Table(d, table) }

// ColumnsOf returns no rows and the columns, with their types, that the
// select body gives: for a build to choose its stored types before writing.
func ColumnsOf(d Dialect, body string) string {
	return "SELECT * FROM (\n" + body + "\n) AS " + d.QuoteIdent("c") + " LIMIT 0"
}

// Narrowed is the select body with the named columns cast to narrower types
// (narrow: column to type), the others as they are (cols: all the body's
// columns in order). The cast fails, failing the statement, when a value
// does not fit: nothing is ever stored rounded or wrapped.
func Narrowed(d Dialect, body string, cols []string, narrow map[string]string) string {
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = d.QuoteIdent(c)
		if t, ok := narrow[c]; ok {
			sel[i] = "CAST(" + sel[i] + " AS " + t + ") AS " + d.QuoteIdent(c)
		}
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM (\n" + body + "\n) AS " + d.QuoteIdent("w")
}

// FitsAll checks, in one scan, whether each column's values fit its narrower
// type: one boolean per column, in order.
func FitsAll(d Dialect, table string, cols, types []string) string {
	checks := make([]string, len(cols))
	for i, c := range cols {
		checks[i] = d.Fits(d.QuoteIdent(c), types[i])
	}
	return "SELECT " + strings.Join(checks, ", ") + " FROM " + Table(d, table)
}

var textType = model.Type{Base: "varchar"}

// AlterColumn changes a stored column's type.
func AlterColumn(d Dialect, table, col, typ string) string {
	return d.AlterColumnType(Table(d, table), d.QuoteIdent(col), typ)
}

// RollupTablePrefix begins the name of every rollup version's table in the
// state schema (StateSchema.r_<rollup>_<hash>_<time>).
const RollupTablePrefix = "r_"

// ListStateTables lists the tables of the state schema by name.
func ListStateTables(d Dialect) string {
	return "SELECT table_name FROM information_schema.tables WHERE table_schema = " + d.QuoteString(StateSchema)
}

// Ping is the cheapest statement every engine answers.
func Ping() string { return "SELECT 1" }

// DescribeSource lists the columns a FROM item (a FileSource) yields: name
// and type first, without reading its rows.
func DescribeSource(from string) string { return "DESCRIBE SELECT * FROM " + from }
