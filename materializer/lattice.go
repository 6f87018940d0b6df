package materializer

import (
	"context"
	"sort"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// Cheaper builds: the lattice and sorted storage.
//
// Algorithm:
//  1. A refresh of several rollups orders them finer first
//     (rollup.BuildOrder): a rollup comes after every rollup it can be
//     built from.
//  2. Each full build looks for a source among the other rollups: one that
//     produces it exactly (rollup.DerivableFrom) and whose stored version is
//     current — built from the model's definition, its sources unchanged
//     since (the same fingerprint the rewrite trusts), its last build not
//     failed. Of those, the one with the fewest rows; none: the raw tables.
//     The build reads the source's version (sqlgen.RollupBuildFrom), a
//     fraction of the fact's rows with no joins.
//  3. The version is stored sorted by its time label and then its fields
//     from the fewest distinct values to the most, measured in the fields'
//     own tables just before the build (sqlgen.FieldCardinalities): a
//     dimension table is small, a fact column one column's scan. Only the
//     leading fields whose runs span row groups are sorted on (sortDims).
//     The sort is part of the build's statement; nothing is written twice.
//  4. The swap records which rollup the version was read from (the lineage
//     row; "" for the raw tables), shown by status and refresh.

// latticeSource picks the rollup a full build of r reads (step 2), or nil
// for the raw tables, with the table of its current version.
func (m *Materializer) latticeSource(ctx context.Context, r *rollup.Rollup) (*rollup.Rollup, string) {
	if m.NoLattice {
		return nil, ""
	}
	rec, err := m.Recorded(ctx)
	if err != nil {
		return nil, ""
	}
	var best *rollup.Rollup
	var table string
	var rows int64
	seen := map[string]string{}
	for _, s := range m.Rollups {
		if rollup.DerivableFrom(r, s, m.Dialect.SetColumns()) != "" {
			continue
		}
		row, ok := rec[s.Name]
		st := row.Status
		if !ok || st.Table == "" || st.Hash != s.Hash || st.LastError != "" || m.SourceProblem(s) != nil {
			continue
		}
		if row.Sources != m.Fingerprint(s, seen) {
			continue
		}
		if best == nil || st.Rows < rows {
			best, table, rows = s, st.Table, st.Rows
		}
	}
	return best, table
}

// buildOrder is step 1 for the rollups of one refresh.
func (m *Materializer) buildOrder(todo []*rollup.Rollup) []*rollup.Rollup {
	return rollup.BuildOrder(todo, m.Dialect.SetColumns())
}

// BuildOrder orders rollup names finer first (step 1), for a caller that
// builds them one at a time; names the project does not define keep their
// place at the end, for the build to report.
func (m *Materializer) BuildOrder(names []string) []string {
	var todo []*rollup.Rollup
	var unknown []string
	for _, n := range names {
		if r := m.rollup(n); r != nil {
			todo = append(todo, r)
		} else {
			unknown = append(unknown, n)
		}
	}
	var out []string
	for _, r := range m.buildOrder(todo) {
		out = append(out, r.Name)
	}
	return append(out, unknown...)
}

// zoneRows is the number of rows whose min/max statistics a scan checks
// before reading them: DuckDB's row group. Other engines keep statistics
// per block of a similar order of rows. (A variable for tests at small scale.)
var zoneRows int64 = 122_880

// sortDims is step 3: the kept fields to sort by after the time label, from
// the fewest distinct values to the most, as measured now in their tables.
// Sorting on is useful while a run of equal leading values spans row groups
// that a filter can then skip: the fields are taken until the product of
// their cardinalities reaches the rollup's rows (at most the fact's) per row
// group — one field past the point where runs are shorter than a row group,
// whose values then still change slowly from one row group to the next. A
// sort on the remaining (most numerous) fields would cost much of the
// build for no group skipped. A time label comes first (range filters skip
// by it); the fields after it are chosen the same way, as if it did not
// split the rows. When the measurement fails the time label alone is the
// order, and computed fields, which are not measured, are not sorted on. The
// order of rows never changes an answer.
func (m *Materializer) sortDims(ctx context.Context, r *rollup.Rollup) []string {
	q, fields := sqlgen.FieldCardinalities(r, m.Dialect)
	if q == "" {
		return nil
	}
	res, err := m.Engine.Query(ctx, q)
	if err != nil || len(res.Rows) != 1 {
		return nil
	}
	rows := toInt64(res.Rows[0][0])
	type field struct {
		name string
		card int64
	}
	fs := make([]field, len(fields))
	for i, f := range fields {
		fs[i] = field{f, max(toInt64(res.Rows[0][1+i]), 1)}
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].card < fs[j].card })
	groups := max(rows/zoneRows, 1)
	var out []string
	prefix := int64(1)
	for _, f := range fs {
		if prefix >= groups {
			break
		}
		out = append(out, f.name)
		prefix *= f.card
	}
	return out
}

// lineage reads which rollup each rollup's current version was built from.
// Without the lineage table there is none (nothing is written to find out).
func (m *Materializer) lineage(ctx context.Context) map[string]string {
	out := map[string]string{}
	if ok, err := m.tableExists(ctx, "lineage"); err != nil || !ok {
		return out
	}
	res, err := m.Engine.Query(ctx, sqlgen.ReadLineage(m.Dialect))
	if err != nil {
		return out
	}
	for _, row := range res.Rows {
		name, _ := row[0].(string)
		from, _ := row[1].(string)
		out[name] = from
	}
	return out
}

func (m *Materializer) lineageStatement(r *rollup.Rollup, from string) engine.Statement {
	return engine.Statement{SQL: sqlgen.RecordLineage(m.Dialect), Args: []any{r.Name, from}}
}
