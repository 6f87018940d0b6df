package sqlgen

import (
	"fmt"
	"github.com/strata-metrics/strata/model"
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

// TagStateDDL creates the state table if needed.
func TagStateDDL(d Dialect) string {
	return `CREATE SCHEMA IF NOT EXISTS _strata;
CREATE TABLE IF NOT EXISTS _strata.tags (
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
)`
}

// TagStateSelect reads every state row, in the column order of TagStateDDL
// without the kind and entity.
func TagStateSelect(d Dialect) string {
	return `SELECT name, COALESCE(table_name, ''), COALESCE(def_hash, ''), COALESCE(as_of, ''), built_at,
  COALESCE(duration_ms, 0), COALESCE(members, 0), COALESCE(value_count, 0), COALESCE(bytes, 0), COALESCE(last_error, '')
FROM _strata.tags`
}

// TagFailure records a failed build, keeping the previous version.
func TagFailure(d Dialect) string {
	return `INSERT INTO _strata.tags (name, last_error, last_try) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, last_try = excluded.last_try`
}

// TagSwap points a tag's state row at a new version.
func TagSwap(d Dialect) string {
	return `INSERT INTO _strata.tags (name, kind, entity, table_name, def_hash, as_of, built_at, duration_ms, members, value_count, bytes, last_error, last_try)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, entity = excluded.entity, table_name = excluded.table_name,
  def_hash = excluded.def_hash, as_of = excluded.as_of, built_at = excluded.built_at, duration_ms = excluded.duration_ms,
  members = excluded.members, value_count = excluded.value_count, bytes = excluded.bytes, last_error = NULL, last_try = excluded.last_try`
}

// TagTableCreate creates a version table.
func TagTableCreate(d Dialect, table string) string {
	return fmt.Sprintf("CREATE TABLE %s (value %s, members BIGINT, bitmap %s)", quoteTable(d, table), d.Type(tVarchar), blobType(d))
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

var tVarchar = model.Type{Base: "varchar"}

// AudienceIDsCreate creates the one-column table of ids a query's audience
// semi-join reads.
func AudienceIDsCreate(d Dialect, table string) string {
	return "CREATE TABLE " + Table(d, table) + " (id BIGINT)"
}
