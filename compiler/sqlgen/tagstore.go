package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/model"
)

// The tag store: materialized tags live in the engine's _strata schema. The
// state table has one row per tag (and one per entity population) naming the
// table that holds its current version; each version is a table of one row
// per value (a single row for a boolean tag) with the value's roaring bitmap
// in the portable serialization (the engine's BITMAP on StarRocks and
// Doris, see TagTableCreate). A build writes the new table and swaps the
// state row in one transaction.

// TagStateTable is the state table's name.
const TagStateTable = "_strata.tags"

// TagStateDDL creates the state schema and table if needed. On StarRocks
// and Doris it is a keyed table (a primary-key table; a merge-on-write
// unique-key table) whose INSERT replaces the row of its name.
func TagStateDDL(d Dialect) []string {
	if o := d.OLAP(); o != nil {
		return []string{olapStateDatabase(), olapKeyed(o.Engine, TagStateTable, []string{
			"`name` VARCHAR(255) NOT NULL", "`kind` VARCHAR(32)", "`entity` VARCHAR(255)", "`table_name` VARCHAR(255)",
			"`def_hash` VARCHAR(64)", "`as_of` VARCHAR(64)", "`built_at` DATETIME", "`duration_ms` DOUBLE", "`members` BIGINT",
			"`value_count` BIGINT", "`bytes` BIGINT", "`last_error` VARCHAR(65533)", "`last_try` DATETIME"}, "name")}
	}
	if d.Name() == "duckdb" {
		return []string{"CREATE SCHEMA IF NOT EXISTS " + d.QuoteIdent(StateSchema), `CREATE TABLE IF NOT EXISTS _strata.tags (
  name        VARCHAR PRIMARY KEY,
  kind        VARCHAR,
  entity      VARCHAR,
  table_name  VARCHAR,
  def_hash    VARCHAR,
  as_of       VARCHAR,
  built_at    TIMESTAMP,
  duration_ms DOUBLE,
  members     BIGINT,
  value_count BIGINT,
  bytes       BIGINT,
  last_error  VARCHAR,
  last_try    TIMESTAMP
)`}
	}
	return []string{"CREATE DATABASE IF NOT EXISTS " + d.QuoteIdent(StateSchema), "CREATE TABLE IF NOT EXISTS " + Table(d, TagStateTable) + ` (
  name        VARCHAR(255) PRIMARY KEY,
  kind        VARCHAR(32),
  entity      VARCHAR(255),
  table_name  VARCHAR(255),
  def_hash    VARCHAR(64),
  as_of       VARCHAR(64),
  built_at    DATETIME(6),
  duration_ms DOUBLE,
  members     BIGINT,
  value_count BIGINT,
  bytes       BIGINT,
  last_error  TEXT,
  last_try    DATETIME(6)
)`}
}

// TagStateSelect reads every state row, in the column order of TagStateDDL
// without the kind and entity.
func TagStateSelect(d Dialect) string {
	return `SELECT name, COALESCE(table_name, ''), COALESCE(def_hash, ''), COALESCE(as_of, ''), built_at,
  COALESCE(duration_ms, 0), COALESCE(members, 0), COALESCE(value_count, 0), COALESCE(bytes, 0), COALESCE(last_error, '')
FROM ` + Table(d, TagStateTable)
}

// TagFailure records a failed build, keeping the previous version. Its
// arguments are the name, the error and the time; on StarRocks and Doris,
// whose INSERT replaces the whole row, they are TagSwapColumns with the
// previous row's values and the error.
func TagFailure(d Dialect) string {
	if d.OLAP() != nil {
		return insertInto(StarRocks{}, TagStateTable, TagSwapColumns)
	}
	return d.Upsert(TagStateTable, "name", []string{"name", "last_error", "last_try"})
}

// TagSwapColumns are the columns TagSwap takes, in order.
var TagSwapColumns = []string{"name", "kind", "entity", "table_name", "def_hash", "as_of", "built_at", "duration_ms", "members", "value_count", "bytes", "last_error", "last_try"}

// TagSwap points a tag's state row at a new version; its arguments are
// TagSwapColumns, last_error NULL.
func TagSwap(d Dialect) string {
	return d.Upsert(TagStateTable, "name", TagSwapColumns)
}

// TagTableCreate creates a version table.
//
// On StarRocks and Doris a version is an aggregate-key table of the engine's
// BITMAP: one key per value (the empty string for a boolean tag), its ids in a BITMAP
// BITMAP_UNION column, so that the rows a build loads for one value merge
// into one bitmap in the engine
// (https://docs.starrocks.io/docs/sql-reference/data-types/other-data-types/BITMAP/,
// https://doris.apache.org/docs/table-design/data-model/aggregate).
func TagTableCreate(d Dialect, table string) string {
	if o := d.OLAP(); o != nil {
		sr := StarRocks{}
		s := "CREATE TABLE " + Table(sr, table) + " (\n  `value` VARCHAR(65533) NOT NULL,\n  `bitmap` BITMAP BITMAP_UNION\n)\nAGGREGATE KEY(`value`)\nDISTRIBUTED BY HASH(`value`)"
		if o.Engine == model.EngineDoris {
			s += " BUCKETS AUTO"
		}
		return s
	}
	return fmt.Sprintf("CREATE TABLE %s (value %s, members BIGINT, bitmap %s)", quoteTable(d, table), tagValueType(d), blobType(d))
}

// TagTableInsert inserts one value's bitmap into a version table: the value,
// its member count and the roaring bitmap in the portable serialization.
//
// On StarRocks and Doris it inserts a part of a value's ids instead — the
// value and the ids as decimal numbers separated by commas — which the
// engine turns into a BITMAP (bitmap_from_string) and merges with the
// value's other parts; TagTableInsertEmpty writes a value without ids.
func TagTableInsert(d Dialect, table string) string {
	if d.OLAP() != nil {
		return "INSERT INTO " + Table(StarRocks{}, table) + " (`value`, `bitmap`) VALUES (?, bitmap_from_string(?))"
	}
	return "INSERT INTO " + quoteTable(d, table) + " (value, members, bitmap) VALUES (?, ?, ?)"
}

// TagTableInsertEmpty inserts a value with no ids (bitmap_empty) into a
// StarRocks or Doris version table.
func TagTableInsertEmpty(d Dialect, table string) string {
	return "INSERT INTO " + Table(StarRocks{}, table) + " (`value`, `bitmap`) VALUES (?, bitmap_empty())"
}

// TagTableRead reads a version table: each value and its bitmap — on
// StarRocks and Doris the union of its rows as its ids separated by commas
// (bitmap_to_string), which the reader parses back into a roaring bitmap.
func TagTableRead(d Dialect, table string) string {
	if d.OLAP() != nil {
		return "SELECT `value`, bitmap_to_string(bitmap_union(`bitmap`)) FROM " + Table(StarRocks{}, table) + " GROUP BY `value`"
	}
	return "SELECT value, bitmap FROM " + quoteTable(d, table)
}

func quoteTable(d Dialect, name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = d.QuoteIdent(p)
	}
	return strings.Join(parts, ".")
}

func blobType(d Dialect) string {
	if d.Name() == "duckdb" {
		return "BLOB"
	}
	return "LONGBLOB"
}

// tagValueType is the stored type of a tag's value: MySQL's VARCHAR needs a
// length, and its TEXT has none to exceed.
func tagValueType(d Dialect) string {
	if d.Name() == "duckdb" {
		return "VARCHAR"
	}
	return "TEXT"
}

// AudienceIDsCreate creates the one-column table of ids a query's audience
// semi-join reads.
func AudienceIDsCreate(d Dialect, table string) string {
	return "CREATE TABLE " + Table(d, table) + " (id BIGINT)"
}

// AudienceIDsInsert loads n bound ids into such a table, on an engine that
// cannot append.
func AudienceIDsInsert(d Dialect, table string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + Table(d, table) + " (" + d.QuoteIdent("id") + ") VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?)")
	}
	return b.String()
}
