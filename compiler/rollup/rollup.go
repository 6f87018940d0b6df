package rollup

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// Rollup is a rollup's checked definition: the fact it aggregates, the fields it
// keeps, and the simple measures it stores.
type Rollup struct {
	Name      string
	Def       *model.Rollup
	Fact      *logical.WideTable
	Dims      []string // qualified fields kept as they are
	TimeField string   // "" when the rollup keeps no time
	Grain     string
	Measures  []*logical.Metric // simple metrics, each stored re-aggregatably
	Hash      string
}

// HasDim reports whether the rollup keeps the field.
func (r *Rollup) HasDim(field string) bool {
	for _, d := range r.Dims {
		if d == field {
			return true
		}
	}
	return false
}

// Measure returns the stored measure of that name, or nil.
func (r *Rollup) Measure(name string) *logical.Metric {
	for _, m := range r.Measures {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// TimeColumn names the column holding the time label.
func (r *Rollup) TimeColumn() string { return r.TimeField + "." + r.Grain }

// Source is what a plan part served by this rollup carries: the definition's
// kept fields and time, and where its current version lives.
func (r *Rollup) Source(table string, rows int64) *plan.RollupSource {
	src := &plan.RollupSource{Name: r.Name, Table: table, Grain: r.Grain, TimeField: r.TimeField, Dims: r.Dims, Rows: rows, KeyTables: map[string]string{}}
	for i, m := range r.SetMeasures() {
		src.KeyTables[m.Name] = KeyTable(table, i)
	}
	return src
}

// SetMeasures are the measures stored as distinct sets, in declaration order.
func (r *Rollup) SetMeasures() []*logical.Metric {
	var out []*logical.Metric
	for _, m := range r.Measures {
		if StoresSet(m) {
			out = append(out, m)
		}
	}
	return out
}

// KeyColumn is the column of a key table holding the counted values.
const KeyColumn = "key"

// KeyTable names the side table that holds the i-th set measure's distinct
// keys, one row per group and key, on engines without a set type
// (sqlgen.Dialect.SetColumns false): the rollup's table with _k<i> appended,
// so that a version's side tables are found by its table's name.
func KeyTable(table string, i int) string { return fmt.Sprintf("%s_k%d", table, i) }

// Definitions returns the checked definitions of the project's rollups, in
// declaration order. The catalog must have been built without errors.
func Definitions(cat *logical.Catalog) []*Rollup {
	var out []*Rollup
	for _, r := range cat.Project.Rollups {
		d := &Rollup{Name: r.Name, Def: r}
		seen := map[string]bool{}
		for _, ms := range r.Metrics {
			for _, m := range cat.Measures(ms.Value) {
				if !seen[m.Name] {
					seen[m.Name] = true
					d.Measures = append(d.Measures, m)
					d.Fact = m.Fact
				}
			}
		}
		for _, dim := range r.Dimensions {
			if q, err := cat.Resolve(dim.Value); err == nil {
				d.Dims = append(d.Dims, q)
			}
		}
		if r.Time != nil {
			if q, err := cat.Resolve(r.Time.Field.Value); err == nil {
				d.TimeField, d.Grain = q, r.Time.Grain.Value
			}
		}
		if d.Fact == nil {
			continue
		}
		d.Hash = hashOf(cat, d)
		out = append(out, d)
	}
	return out
}

// hashOf fingerprints everything that decides a rollup's contents: the fact and
// the sources it reads with every column's type and each table's time zone,
// the fields kept and how computed ones are defined, the grain and partition, the project's
// time zone, and every stored measure's definition with the definitions of the
// computed fields it reads. A changed input changes the hash, and a rollup
// built from another hash is never read.
func hashOf(cat *logical.Catalog, d *Rollup) string {
	sum := sha256.Sum256([]byte(Describe(cat, d)))
	return hex.EncodeToString(sum[:])[:16]
}

// Describe is the text the definition hash is taken of, one input per line
// (fact, tz, source, time, partition, field, measure), so that two definitions can be
// compared line by line to say what changed.
func Describe(cat *logical.Catalog, d *Rollup) string {
	var b strings.Builder
	fmt.Fprintf(&b, "v2\nfact %s\ntz %s\n", d.Fact.Name(), cat.Project.Timezone)
	for _, in := range d.Fact.Instances {
		fmt.Fprintf(&b, "source %s %s %s timezone=%s\n", in.Alias, in.Table.Source.Value, in.PathString(), in.Table.Timezone)
		for _, c := range in.Table.Columns {
			fmt.Fprintf(&b, "  column %s %s\n", c.Name, c.Type)
		}
	}
	fields := append([]string{}, d.Dims...)
	if d.TimeField != "" {
		fields = append(fields, d.TimeField)
		fmt.Fprintf(&b, "time %s %s\n", d.TimeField, d.Grain)
	}
	if d.Def != nil && d.Def.Partition.Value != "" {
		// Not an input of the answers, but of the stored form: partition
		// state is kept per partition, and OLAP engines partition the table
		// itself, so a version is never refreshed under another partitioning.
		fmt.Fprintf(&b, "partition %s\n", d.Def.Partition.Value)
	}
	sort.Strings(fields)
	for _, f := range fields {
		fd := d.Fact.Field(f)
		if fd == nil {
			continue
		}
		fmt.Fprintf(&b, "field %s %s", f, fd.Type)
		if fd.Computed != nil {
			fmt.Fprintf(&b, " = %s", plan.ExprString(fd.Computed))
		}
		b.WriteByte('\n')
	}
	for _, m := range d.Measures {
		fmt.Fprintf(&b, "measure %s %s", m.Name, plan.MeasureString(m))
		if na := m.NonAdditive; na != nil {
			fmt.Fprintf(&b, " non_additive %s %s %v", na.Time, na.Take, na.Per)
		}
		if StoresSet(m) && SetKey(m).Bitmap() {
			// Sets of integer keys are stored as roaring bitmaps where the
			// engine keeps a form of its own; a rollup built as lists is rebuilt.
			fmt.Fprintf(&b, " set bitmap64")
		}
		b.WriteByte('\n')
		for _, e := range []ast.ExprNode{m.Expr, m.Filter} {
			if e == nil {
				continue
			}
			for _, col := range expr.Columns(e) {
				name, _ := logical.FieldRef(col.Name)
				if fd := d.Fact.Field(name); fd != nil && fd.Computed != nil {
					fmt.Fprintf(&b, "  reads %s %s = %s\n", name, fd.Type, plan.ExprString(fd.Computed))
				}
			}
		}
	}
	return b.String()
}

// Storage says how a measure is stored in a rollup: one or more columns, each
// built by a storage aggregate and merged by a re-aggregation.
type Storage struct {
	Column string // the rollup column
	Kind   string // sum | count | min | max | set | rows
}

// Storages lists the columns a measure occupies in a rollup.
//
//	sum → sum; count → count (merged by summing); min/max → themselves;
//	avg → sum and count; count_distinct and approx_count_distinct → the set of
//	distinct values per group (merged by union; its size is exact, and an
//	approximate count over the union equals the approximate count over the raw
//	rows because a sketch depends only on the set of values);
//	semi-additive measures add a row count so that periods read only groups
//	where the measure's filter held.
func Storages(m *logical.Metric) []Storage {
	var out []Storage
	switch m.Agg {
	case model.AggAvg:
		out = []Storage{{m.Name + ".sum", "sum"}, {m.Name + ".count", "count"}}
	case model.AggCountDistinct, model.AggApproxCountDistinct:
		out = []Storage{{m.Name + ".set", "set"}}
	default:
		out = []Storage{{m.Name, m.Agg}}
	}
	if m.NonAdditive != nil {
		out = append(out, Storage{m.Name + ".rows", "rows"})
	}
	return out
}

// Key describes the values a distinct measure's set holds, which decides the
// form the set is stored in (sqlgen.Dialect.SetBuild).
type Key struct {
	Type   model.Type // the counted values' type
	Approx bool       // the set serves an approximate count
}

// Bitmap reports whether the set is kept as a roaring bitmap where the engine
// has no bitmap type of its own (DuckDB): exact counts of integer keys. An
// approximate count must equal the raw sketch, which is taken over the values;
// a bitmap would have to be expanded back into values for it, which costs more
// than sketching a list of them.
func (k Key) Bitmap() bool { return !k.Approx && k.Type.IsInteger() }

// SetKey describes the values a distinct measure counts.
func SetKey(m *logical.Metric) Key {
	k := Key{Approx: m.Agg == model.AggApproxCountDistinct}
	if m.Expr == nil {
		return k
	}
	k.Type = logical.InferType(m.Expr, func(col *ast.ColumnName) model.Type {
		name, _ := logical.FieldRef(col)
		if f := m.Fact.Field(name); f != nil {
			return f.Type
		}
		return model.Type{}
	})
	return k
}

// StoresSet reports whether the measure is stored as a set of distinct values.
func StoresSet(m *logical.Metric) bool {
	return m.Agg == model.AggCountDistinct || m.Agg == model.AggApproxCountDistinct
}
