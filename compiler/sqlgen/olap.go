package sqlgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// The statements that keep rollups in StarRocks and Apache Doris, which
// share the starrocks dialect but store and swap tables their own way. A
// rollup is an aggregate-key table: its kept fields and time period are the
// key, every stored measure a value column with the aggregate that merges
// rows of equal key (SUM, MIN, MAX, and BITMAP_UNION for distinct sets), so
// that a partition reloaded with INSERT OVERWRITE holds one row per group.
// Tables are range-partitioned by the rollup's partition grain (its time grain
// when it names none); a refresh rewrites whole partitions; a full rebuild
// writes a new table and swaps it with the serving one.
//
// Distinct sets are BITMAP columns built with to_bitmap, which takes integers
// (0 … 2^64-1) only. A distinct count over a non-integer field would need
// bitmap_hash, a 32-bit hash under which two values sharing a hash count
// once (the count can be low): OLAPRollupTable refuses such a measure rather
// than store a count that is not exact.

// OLAPEngines are the engine types these statements serve.
var OLAPEngines = []string{model.EngineStarRocks, model.EngineDoris}

// olapType is a column's type in a StarRocks or Doris CREATE TABLE.
func olapType(t model.Type) string {
	switch t.Base {
	case "varchar":
		return "VARCHAR(65533)"
	case "tinyint":
		return "TINYINT"
	case "smallint":
		return "SMALLINT"
	case "integer":
		return "INT"
	case "bigint":
		return "BIGINT"
	case "decimal":
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case "double", "float":
		return "DOUBLE"
	case "boolean":
		return "BOOLEAN"
	case "date":
		return "DATE"
	case "timestamp", "timestamptz":
		return "DATETIME"
	}
	return "VARCHAR(65533)"
}

// sumType is the type a SUM of t keeps without overflow.
func sumType(t model.Type) string {
	switch t.Base {
	case "decimal":
		return fmt.Sprintf("DECIMAL(38,%d)", t.Scale)
	case "double", "float":
		return "DOUBLE"
	}
	return "BIGINT"
}

// partitionGrain is the unit a rollup's table is partitioned and refreshed by.
func partitionGrain(r *rollup.Rollup) string {
	if r.Def != nil && r.Def.Partition.Value != "" {
		return r.Def.Partition.Value
	}
	return r.Grain
}

// OLAPRollupTable renders the CREATE TABLE of a rollup's table.
func OLAPRollupTable(cat *logical.Catalog, r *rollup.Rollup, engineType, table string) (string, error) {
	d := StarRocks{}
	var cols, keys []string
	if r.TimeField != "" {
		f := r.Fact.Field(r.TimeField)
		if f == nil {
			return "", fmt.Errorf("rollup %s: no field %s", r.Name, r.TimeField)
		}
		typ := "DATE"
		if r.Grain == "hour" {
			typ = "DATETIME"
		}
		cols = append(cols, d.QuoteIdent(r.TimeColumn())+" "+typ+" NOT NULL")
		keys = append(keys, d.QuoteIdent(r.TimeColumn()))
	}
	for _, dim := range r.Dims {
		f := r.Fact.Field(dim)
		if f == nil {
			return "", fmt.Errorf("rollup %s: no field %s", r.Name, dim)
		}
		cols = append(cols, d.QuoteIdent(dim)+" "+olapType(f.Type)+" NULL")
		keys = append(keys, d.QuoteIdent(dim))
	}
	if len(keys) == 0 {
		return "", fmt.Errorf("rollup %s keeps no field and no time: an aggregate-key table needs a key", r.Name)
	}
	for _, m := range r.Measures {
		for _, st := range rollup.Storages(m) {
			var def string
			switch st.Kind {
			case "sum":
				def = sumType(exprType(r, m)) + " SUM"
			case "count", "rows":
				def = "BIGINT SUM"
			case "min", "max":
				def = olapType(exprType(r, m)) + " " + strings.ToUpper(st.Kind)
			case "set":
				if !integerExpr(r, m) {
					return "", fmt.Errorf("rollup %s: measure %s counts distinct values of a non-integer expression; BITMAP columns hold integers (to_bitmap), and bitmap_hash would count two values sharing a 32-bit hash once — store an integer key instead, or leave the measure out of the rollup", r.Name, m.Name)
				}
				def = "BITMAP BITMAP_UNION"
			default:
				return "", fmt.Errorf("rollup %s: measure %s: storage %s has no aggregate-key form", r.Name, m.Name, st.Kind)
			}
			if st.Kind != "set" {
				def += " NULL"
			}
			cols = append(cols, d.QuoteIdent(st.Column)+" "+def)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n  %s\n)\nAGGREGATE KEY(%s)\n", Table(d, table), strings.Join(cols, ",\n  "), strings.Join(keys, ", "))
	if r.TimeField != "" {
		fmt.Fprintf(&b, "PARTITION BY RANGE(%s) ()\n", d.QuoteIdent(r.TimeColumn()))
	}
	hash := keys[0]
	if len(keys) > 1 {
		hash = keys[1]
	}
	fmt.Fprintf(&b, "DISTRIBUTED BY HASH(%s)", hash)
	if engineType == model.EngineDoris {
		b.WriteString(" BUCKETS AUTO")
	}
	return b.String(), nil
}

// exprType is the type of the expression a measure aggregates when it is a
// field, else the metric's own type.
func exprType(r *rollup.Rollup, m *logical.Metric) model.Type {
	if col, ok := m.Expr.(*ast.ColumnNameExpr); ok {
		if f := r.Fact.Field(col.Name.Table.O + "." + col.Name.Name.O); f != nil {
			return f.Type
		}
	}
	return m.Type
}

// integerExpr reports whether a distinct measure counts an integer field,
// which to_bitmap takes as it is.
func integerExpr(r *rollup.Rollup, m *logical.Metric) bool {
	col, ok := m.Expr.(*ast.ColumnNameExpr)
	if !ok {
		return false
	}
	f := r.Fact.Field(col.Name.Table.O + "." + col.Name.Name.O)
	if f == nil {
		return false
	}
	switch f.Type.Base {
	case "tinyint", "smallint", "integer", "bigint":
		return true
	}
	return false
}

// OLAPPartition names the partition holding the period that starts at start
// and renders the statement that adds it when missing: [start, start + one
// partition grain).
func OLAPPartition(r *rollup.Rollup, table string, start time.Time) (name, add string) {
	end := model.GrainNext(start, partitionGrain(r))
	name = "p" + start.Format("20060102")
	if r.Grain == "hour" {
		name = "p" + start.Format("2006010215")
	}
	layout := time.DateOnly
	if r.Grain == "hour" {
		layout = time.DateTime
	}
	d := StarRocks{}
	add = fmt.Sprintf("ALTER TABLE %s ADD PARTITION IF NOT EXISTS %s VALUES [(%s), (%s))", Table(d, table), d.QuoteIdent(name),
		d.QuoteString(start.Format(layout)), d.QuoteString(end.Format(layout)))
	return name, add
}

// OLAPRefreshPartition renders the statement that rebuilds one partition of
// a rollup's table from the raw rows: INSERT OVERWRITE replaces the
// partition's rows atomically (readers see the old or the new rows, never a
// mix). The build's rows are those of the partition's period. Doris writes
// INSERT OVERWRITE TABLE.
func OLAPRefreshPartition(cat *logical.Catalog, r *rollup.Rollup, engineType, table string, start time.Time) (string, error) {
	if r.TimeField == "" {
		return "", fmt.Errorf("rollup %s keeps no time: it has no partitions to refresh", r.Name)
	}
	d := StarRocks{}
	body, err := RollupBuild(cat, r, d)
	if err != nil {
		return "", err
	}
	name, _ := OLAPPartition(r, table, start)
	end := model.GrainNext(start, partitionGrain(r))
	lit := func(t time.Time) string {
		if r.Grain == "hour" {
			return d.TimestampLiteral(d.QuoteString(t.Format(time.DateTime)))
		}
		return d.DateLiteral(d.QuoteString(t.Format(time.DateOnly)))
	}
	tc := d.QuoteIdent("b") + "." + d.QuoteIdent(r.TimeColumn())
	// The build lists the kept fields, then the time, then the measures; the
	// column list maps them onto the table's order (time first, as its key).
	cols := []string{}
	for _, dim := range r.Dims {
		cols = append(cols, d.QuoteIdent(dim))
	}
	cols = append(cols, d.QuoteIdent(r.TimeColumn()))
	for _, m := range r.Measures {
		for _, st := range rollup.Storages(m) {
			cols = append(cols, d.QuoteIdent(st.Column))
		}
	}
	overwrite := "INSERT OVERWRITE"
	if engineType == model.EngineDoris { // Doris spells it INSERT OVERWRITE TABLE t
		overwrite += " TABLE"
	}
	return fmt.Sprintf(overwrite+" %s PARTITION (%s) (%s)\nSELECT * FROM (\n%s\n) AS %s\nWHERE %s >= %s AND %s < %s",
		Table(d, table), d.QuoteIdent(name), strings.Join(cols, ", "), indent(body), d.QuoteIdent("b"), tc, lit(start), tc, lit(end)), nil
}

// OLAPSwap renders the statement that exchanges two tables' contents
// atomically: StarRocks' ALTER TABLE … SWAP WITH, Doris' REPLACE WITH TABLE
// with swap (the old version stays under the other name until dropped).
func OLAPSwap(engineType, serving, built string) string {
	d := StarRocks{}
	_, b, _ := strings.Cut(built, ".")
	if b == "" {
		b = built
	}
	if engineType == model.EngineDoris {
		return fmt.Sprintf("ALTER TABLE %s REPLACE WITH TABLE %s PROPERTIES('swap' = 'true')", Table(d, serving), d.QuoteIdent(b))
	}
	return fmt.Sprintf("ALTER TABLE %s SWAP WITH %s", Table(d, serving), d.QuoteIdent(b))
}

// OLAPStateDDL creates the state database and its tables: primary-key
// tables on StarRocks, merge-on-write unique-key tables on Doris, so that
// recording a build replaces the row of its name.
func OLAPStateDDL(engineType string) []string {
	d := StarRocks{}
	key := "PRIMARY KEY(`name`)"
	tail := "DISTRIBUTED BY HASH(`name`)"
	if engineType == model.EngineDoris {
		key = "UNIQUE KEY(`name`)"
		tail = "DISTRIBUTED BY HASH(`name`) BUCKETS 1\nPROPERTIES (\"enable_unique_key_merge_on_write\" = \"true\")"
	}
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + d.QuoteIdent(StateSchema),
		"CREATE TABLE IF NOT EXISTS " + Table(d, RollupsTable) + ` (
  name        VARCHAR(255) NOT NULL,
  table_name  VARCHAR(255),
  def_hash    VARCHAR(64),
  row_count   BIGINT,
  watermark   VARCHAR(64),
  built_at    DATETIME,
  duration_ms DOUBLE,
  sources     VARCHAR(64),
  last_error  VARCHAR(65533),
  last_try    DATETIME
)
` + key + "\n" + tail,
		"CREATE TABLE IF NOT EXISTS " + Table(d, SourcesTable) + ` (
  name       VARCHAR(255) NOT NULL,
  definition VARCHAR(65533)
)
` + key + "\n" + tail,
	}
}
