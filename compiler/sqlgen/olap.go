package sqlgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// The statements that keep rollups in StarRocks and Apache Doris. A rollup is
// an aggregate-key table: its time label and kept fields are the key, every
// stored measure a value column with the aggregate that merges rows of equal
// key (SUM, MIN, MAX; BITMAP_UNION for exact distinct sets, HLL_UNION for
// approximate ones), so that rows loaded twice for one group still read as
// one. Tables are range-partitioned by the rollup's partition grain (its time
// grain when it names none, days for hourly rollups); an incremental refresh
// rewrites the changed partitions with one INSERT OVERWRITE … PARTITION (…),
// which the engine applies atomically (it loads temporary partitions and
// swaps them in); a full rebuild of a table that serves writes a new table
// and swaps the two (ALTER TABLE … SWAP WITH on StarRocks, REPLACE WITH
// TABLE on Doris). The materializer (materializer/olap.go) orders them.
//
// Exact distinct sets are BITMAP columns built with to_bitmap, which takes
// integers (0 … 2^64-1) only. A distinct count over a non-integer field
// would need bitmap_hash, a 32-bit hash under which two values sharing a
// hash count once (the count can be low): OLAPRollupTable refuses such a
// measure, naming the caveat, rather than store a count that is not exact.
// Approximate distinct counts take any type: hll_hash hashes the value.

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

// partitionGrain is the unit a rollup's table is partitioned and refreshed
// by: its partition, else its grain; never hours, which would make
// thousands of partitions a year.
func partitionGrain(r *rollup.Rollup) string {
	g := r.Grain
	if r.Def != nil && r.Def.Partition.Value != "" {
		g = r.Def.Partition.Value
	}
	if g == "hour" {
		return "day"
	}
	return g
}

// OLAPPartitionGrain is the grain of the partitions of a rollup's table.
func OLAPPartitionGrain(r *rollup.Rollup) string { return partitionGrain(r) }

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
				if m.Agg == model.AggApproxCountDistinct {
					def = "HLL HLL_UNION"
					break
				}
				if !integerExpr(r, m) {
					return "", fmt.Errorf("rollup %s: measure %s counts distinct values of a non-integer expression; BITMAP columns hold integers (to_bitmap), and bitmap_hash would count two values sharing a 32-bit hash once — store an integer key instead, or leave the measure out of the rollup", r.Name, m.Name)
				}
				def = "BITMAP BITMAP_UNION"
			default:
				return "", fmt.Errorf("rollup %s: measure %s: storage %s has no aggregate-key form", r.Name, m.Name, st.Kind)
			}
			if st.Kind != "set" { // BITMAP and HLL columns take no NULL clause
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
// partition grain), a left-closed range.
func OLAPPartition(r *rollup.Rollup, table string, start time.Time) (name, add string) {
	end := model.GrainNext(start, partitionGrain(r))
	name = "p" + start.Format("20060102")
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
// a rollup's table from the raw rows of its period (OLAPStore.Overwrite).
func OLAPRefreshPartition(cat *logical.Catalog, r *rollup.Rollup, engineType, table string, start time.Time) (string, error) {
	if r.TimeField == "" {
		return "", fmt.Errorf("rollup %s keeps no time: it has no partitions to refresh", r.Name)
	}
	st := &OLAPStore{Engine: engineType}
	rg := plan.Range{From: start.Format(time.DateOnly), To: model.GrainNext(start, partitionGrain(r)).Format(time.DateOnly)}
	body, cols, err := RollupBuildRanges(cat, r, st.dialect(), []plan.Range{rg}, nil)
	if err != nil {
		return "", err
	}
	name, _ := OLAPPartition(r, table, start)
	return st.Overwrite(table, []string{name}, cols, body), nil
}

// OLAPSwap renders the statement that exchanges two tables atomically.
func OLAPSwap(engineType, serving, built string) string {
	return (&OLAPStore{Engine: engineType}).Swap(serving, built)
}

// OLAPStore renders, for StarRocks or Doris (Engine), the statements that
// keep rollups as aggregate-key tables. Dialect.OLAP returns one for the
// engines that have them.
type OLAPStore struct{ Engine string }

func (s *OLAPStore) dialect() Dialect {
	if s.Engine == model.EngineDoris {
		return Doris{}
	}
	return StarRocks{}
}

// RollupTable renders the CREATE TABLE of a rollup's table (OLAPRollupTable).
func (s *OLAPStore) RollupTable(cat *logical.Catalog, r *rollup.Rollup, table string) (string, error) {
	return OLAPRollupTable(cat, r, s.Engine, table)
}

// AddPartition names the partition of the period starting at start and
// renders the statement adding it when missing (OLAPPartition).
func (s *OLAPStore) AddPartition(r *rollup.Rollup, table string, start time.Time) (name, add string) {
	return OLAPPartition(r, table, start)
}

// Insert loads a build's rows (body, whose columns are cols) into a table
// that holds none yet.
func (s *OLAPStore) Insert(table string, cols []string, body string) string {
	return "INSERT INTO " + Table(s.dialect(), table) + " (" + s.columns(cols) + ")\n" + body
}

// Overwrite replaces the rows of the named partitions with a build's rows in
// one statement: the engine writes temporary partitions and swaps them all
// in when the load succeeds, so readers see the old or the new rows, never
// a mix, and a failed load changes nothing. body must hold rows of those
// partitions only (a ranged build). Doris spells it INSERT OVERWRITE TABLE.
func (s *OLAPStore) Overwrite(table string, partitions, cols []string, body string) string {
	d := s.dialect()
	names := make([]string, len(partitions))
	for i, p := range partitions {
		names[i] = d.QuoteIdent(p)
	}
	verb := "INSERT OVERWRITE"
	if s.Engine == model.EngineDoris {
		verb += " TABLE"
	}
	return verb + " " + Table(d, table) + " PARTITION (" + strings.Join(names, ", ") + ") (" + s.columns(cols) + ")\n" + body
}

func (s *OLAPStore) columns(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = s.dialect().QuoteIdent(c)
	}
	return strings.Join(q, ", ")
}

// Swap exchanges two tables' names and contents atomically: StarRocks'
// ALTER TABLE … SWAP WITH, Doris' REPLACE WITH TABLE with swap (the old
// contents stay under the other name until dropped).
func (s *OLAPStore) Swap(serving, built string) string {
	d := s.dialect()
	_, b, _ := strings.Cut(built, ".")
	if b == "" {
		b = built
	}
	if s.Engine == model.EngineDoris {
		return fmt.Sprintf("ALTER TABLE %s REPLACE WITH TABLE %s PROPERTIES('swap' = 'true')", Table(d, serving), d.QuoteIdent(b))
	}
	return fmt.Sprintf("ALTER TABLE %s SWAP WITH %s", Table(d, serving), d.QuoteIdent(b))
}

// SourcePartitions selects, from the raw rows a rollup reads, one row per
// partition of its table: (first day of the partition, rows, latest time as
// text), the NULL-time rows as a NULL partition. What changes in a source
// table shows in its partitions' counts or latest times, so these are the
// partitions' fingerprints for incremental refresh (DESIGN §6).
func (s *OLAPStore) SourcePartitions(cat *logical.Catalog, r *rollup.Rollup) (string, error) {
	if r.TimeField == "" {
		return "", fmt.Errorf("internal: rollup %s keeps no time: it has no partitions", r.Name)
	}
	pr := *r
	pr.Grain, pr.Dims, pr.Measures = partitionGrain(r), nil, nil
	w, pt, sel, err := buildWriter(cat, &pr, s.dialect(), nil)
	if err != nil {
		return "", err
	}
	raw, err := w.field(pt, r.TimeField)
	if err != nil {
		return "", err
	}
	sel = append(sel, "COUNT(*)", "CAST(MAX("+raw+") AS "+w.d.Type(textType)+")")
	return "SELECT " + strings.Join(sel, ", ") + "\n" + w.from(pt) + w.groupBy(), nil
}

// OLAPStateDDL creates the state database and its tables: primary-key
// tables on StarRocks, merge-on-write unique-key tables on Doris, so that
// recording a build replaces the row of its name
// (https://docs.starrocks.io/docs/table_design/table_types/primary_key_table;
// Doris "Unique Key Model", merge-on-write).
func OLAPStateDDL(engineType string) []string {
	return []string{
		olapStateDatabase(),
		olapKeyed(engineType, RollupsTable, []string{
			"`name`        VARCHAR(255) NOT NULL",
			"`table_name`  VARCHAR(255)",
			"`def_hash`    VARCHAR(64)",
			"`row_count`   BIGINT",
			"`watermark`   VARCHAR(64)",
			"`built_at`    DATETIME",
			"`duration_ms` DOUBLE",
			"`sources`     VARCHAR(64)",
			"`last_error`  VARCHAR(65533)",
			"`last_try`    DATETIME",
		}, "name"),
		olapKeyed(engineType, SourcesTable, []string{"`name` VARCHAR(255) NOT NULL", "`definition` VARCHAR(65533)"}, "name"),
	}
}

// olapPartitionDDL and olapDefinitionDDL are PartitionDDL and DefinitionDDL
// as keyed tables.
func olapPartitionDDL(engineType string) []string {
	return []string{
		olapStateDatabase(),
		olapKeyed(engineType, StateSchema+".partitions", []string{"`rollup` VARCHAR(255) NOT NULL", "`part` VARCHAR(32) NOT NULL",
			"`row_count` BIGINT", "`watermark` VARCHAR(64)", "`fingerprint` VARCHAR(64)", "`built_ns` BIGINT"}, "rollup", "part"),
		olapKeyed(engineType, StateSchema+".rollup_files", []string{"`rollup` VARCHAR(255) NOT NULL", "`files` VARCHAR(65533)", "`others` VARCHAR(64)"}, "rollup"),
	}
}

func olapDefinitionDDL(engineType string) []string {
	return []string{
		olapStateDatabase(),
		olapKeyed(engineType, StateSchema+".definitions", []string{"`rollup` VARCHAR(255) NOT NULL", "`definition` VARCHAR(65533)"}, "rollup"),
	}
}

// RollupBuildColumns is RollupBuild with its column names, in order.
func RollupBuildColumns(cat *logical.Catalog, r *rollup.Rollup, d Dialect) (string, []string, error) {
	return rollupBuild(cat, r, d, nil, nil)
}
