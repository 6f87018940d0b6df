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
//     dimension table is small, a fact column one column's scan. The sort
//     is part of the build's statement; nothing is written twice. It stops
//     at the first field whose runs would be shorter than sortRunRows (the
//     rows of one DuckDB vector, the finest unit the engine keeps min/max
//     statistics for): ordering rows inside such short runs cannot let a
//     filter skip anything, and sorting by every field of a rollup of
//     millions of rows costs more than the aggregation (SSB's q4_brand,
//     4.2M rows: 10.2 s sorted by its 8 fields, 6.3 s by the first 4).
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
		if !m.currentVersion(s, row, ok, seen) {
			continue
		}
		st := row.Status
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

// sortRunRows is the shortest run of equal sort keys worth ordering rows
// by (step 3): DuckDB's vector, 2,048 rows.
const sortRunRows = 2048

// sortDims is step 3: the kept fields from the fewest distinct values to
// the most, as measured now in their tables, as far as sortPrefix keeps
// them; a field that is not measured (computed) comes after those that
// are, and ties keep declaration order. When the measurement fails the
// declaration order stands: the order of rows never changes an answer.
func (m *Materializer) sortDims(ctx context.Context, r *rollup.Rollup) []string {
	dims := append([]string{}, r.Dims...)
	q, fields := sqlgen.FieldCardinalities(r, m.Dialect)
	if q == "" {
		return dims
	}
	res, err := m.Engine.Query(ctx, q)
	if err != nil || len(res.Rows) != 1 || len(res.Rows[0]) != len(fields)+1 {
		return dims
	}
	card := map[string]int64{}
	for i, f := range fields {
		card[f] = toInt64(res.Rows[0][i])
	}
	return sortPrefix(dims, card, toInt64(res.Rows[0][len(fields)]), sortRunRows)
}

// sortPrefix orders dims by their numbers of distinct values (card; a field
// without one last) and keeps the leading fields for as long as rows spread
// over the combinations of the kept ones leave runs of at least minRun
// rows, and always the first: after that, sorting costs time and orders
// nothing a filter can use. rows bounds the rollup's rows (the fact's).
func sortPrefix(dims []string, card map[string]int64, rows int64, minRun int64) []string {
	rank := func(f string) int64 {
		if n, ok := card[f]; ok {
			return max(n, 1)
		}
		return 1 << 62
	}
	sort.SliceStable(dims, func(i, j int) bool { return rank(dims[i]) < rank(dims[j]) })
	run := float64(rows)
	for i, f := range dims {
		run /= float64(rank(f))
		if i > 0 && run < float64(minRun) {
			return dims[:i]
		}
	}
	return dims
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
