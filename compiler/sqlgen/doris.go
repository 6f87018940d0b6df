package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/rollup"
)

// Doris speaks StarRocks' SQL but for a few spellings: DATE_TRUNC takes the
// value first and the unit second (DATE_TRUNC(<datetime>, <time_unit>),
// https://doris.apache.org/docs/3.x/sql-manual/sql-functions/scalar-functions/date-time-functions/date-trunc
// — the unit-first form the page also lists is refused by the server,
// apache/doris-website#4108), INSERT OVERWRITE TABLE, REPLACE WITH TABLE for
// swaps and merge-on-write unique-key state tables (olap.go).
type Doris struct{ StarRocks }

var _ Dialect = Doris{}

// Name implements Dialect.
func (Doris) Name() string { return "doris" }

// TimeGrain implements Dialect.
func (Doris) TimeGrain(sql, grain string) string {
	if grain == "hour" {
		return fmt.Sprintf("date_trunc(%s, 'hour')", sql)
	}
	return fmt.Sprintf("CAST(date_trunc(%s, '%s') AS DATE)", sql, grain)
}

// StateDDL implements Storage.
func (Doris) StateDDL() []string { return OLAPStateDDL("doris") }

// OLAP implements Storage.
func (Doris) OLAP() *OLAPStore { return &OLAPStore{Engine: "doris"} }

// StateDDL implements Storage: primary-key tables (olap.go).
func (StarRocks) StateDDL() []string { return OLAPStateDDL("starrocks") }

// OLAP implements Storage.
func (StarRocks) OLAP() *OLAPStore { return &OLAPStore{Engine: "starrocks"} }

// Upsert implements Storage. State tables on StarRocks and Doris are keyed
// tables whose INSERT replaces the row of an equal key (primary-key tables;
// merge-on-write unique-key tables), so the upsert is a plain INSERT. The
// row is replaced whole: columns left out become NULL, so callers on these
// engines write every column (the OLAP build records a failure with the
// previous row's values, never through RecordFailure).
func (s StarRocks) Upsert(table, key string, cols []string) string { return insertInto(s, table, cols) }

// SetApproxBuild implements Aggregates: an HLL sketch, merged by
// hll_union_agg (https://docs.starrocks.io/docs/sql-reference/data-types/other-data-types/HLL/).
func (StarRocks) SetApproxBuild(arg string, _ rollup.Key) (string, error) {
	return fmt.Sprintf("hll_union(hll_hash(%s))", arg), nil
}

// SetApproxBuild implements Aggregates: DuckDB's lists hold the values, and
// the estimate is taken over their union (SetApproxCount).
func (d DuckDB) SetApproxBuild(arg string, key rollup.Key) (string, error) {
	return d.SetBuild(arg, key)
}

// SetApproxBuild implements Aggregates.
func (MySQL) SetApproxBuild(string, rollup.Key) (string, error) { return "", errNoSets }

// OLAP implements Storage: DuckDB keeps each version as a table of its own.
func (DuckDB) OLAP() *OLAPStore { return nil }

// OLAP implements Storage: MySQL keeps each version as a table of its own,
// named by the state row (see docs/starrocks.md on why not RENAME TABLE).
func (MySQL) OLAP() *OLAPStore { return nil }

// olapKeyed renders a state table keyed by key (the first columns): a
// primary-key table on StarRocks, a merge-on-write unique-key table on
// Doris, so that an INSERT replaces the row of its key.
func olapKeyed(engineType, table string, cols []string, key ...string) string {
	d := StarRocks{}
	q := make([]string, len(key))
	for i, k := range key {
		q[i] = d.QuoteIdent(k)
	}
	keys := strings.Join(q, ", ")
	tail := "PRIMARY KEY(" + keys + ")\nDISTRIBUTED BY HASH(" + q[0] + ")"
	if engineType == "doris" {
		tail = "UNIQUE KEY(" + keys + ")\nDISTRIBUTED BY HASH(" + q[0] + ") BUCKETS 1\nPROPERTIES (\"enable_unique_key_merge_on_write\" = \"true\")"
	}
	return "CREATE TABLE IF NOT EXISTS " + Table(d, table) + " (\n  " + strings.Join(cols, ",\n  ") + "\n)\n" + tail
}

// olapStateDatabase creates the state database: CREATE DATABASE, since
// neither engine documents CREATE SCHEMA.
func olapStateDatabase() string {
	return "CREATE DATABASE IF NOT EXISTS " + StarRocks{}.QuoteIdent(StateSchema)
}
