package sqlgen

import (
	"fmt"
	"strings"
)

// The tag store: materialized tags live in the engine's _strata schema. The
// state table has one row per tag (and one per entity population) naming the
// table that holds its current version; each version is a table of one row
// per value (a single row for a boolean tag) with the value's roaring bitmap
// in the portable serialization. A build writes the new table and swaps the
// state row in one transaction.

// TagStateTable is the state table's name.
const TagStateTable = "_strata.tags"

// TagStateDDL creates the state schema and table if needed.
func TagStateDDL(d Dialect) []string {
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

// TagFailure records a failed build (name, error, time), keeping the
// previous version.
func TagFailure(d Dialect) string {
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
func TagTableCreate(d Dialect, table string) string {
	return fmt.Sprintf("CREATE TABLE %s (value %s, members BIGINT, bitmap %s)", quoteTable(d, table), tagValueType(d), blobType(d))
}

// TagTableInsert inserts one value's bitmap into a version table.
func TagTableInsert(d Dialect, table string) string {
	return "INSERT INTO " + quoteTable(d, table) + " (value, members, bitmap) VALUES (?, ?, ?)"
}

// TagTableRead reads a version table.
func TagTableRead(d Dialect, table string) string {
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
