package materializer

import (
	"context"
	"fmt"
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
//  3. The rows go to a staging table, which one scan measures (rows, each
//     kept field's distinct values, which sums fit narrower types), and are
//     copied into the version's table sorted by the time label and then the
//     fields from the fewest distinct values to the most (sqlgen.SortedCopy).
//     The staging table is dropped; a build killed before that leaves it
//     under the rollup prefix, and DropOrphans removes it.
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

// storeSorted is step 3: it moves the staging table's rows into table,
// sorted, and returns their count. The staging table is dropped either way.
func (m *Materializer) storeSorted(ctx context.Context, r *rollup.Rollup, staging, table string) (int64, error) {
	d := m.Dialect
	defer func() { _ = m.Engine.Exec(context.WithoutCancel(ctx), sqlgen.DropTable(d, staging)) }()
	desc, err := m.Engine.Query(ctx, sqlgen.DescribeTable(d, staging))
	if err != nil {
		return 0, engine.Clean(err)
	}
	var cols []string
	types := map[string]string{}
	for _, row := range desc.Rows {
		name, _ := row[0].(string)
		typ, _ := row[1].(string)
		cols = append(cols, name)
		types[name] = typ
	}
	var fits, narrow []string
	for _, ms := range r.Measures {
		for _, st := range rollup.Storages(ms) {
			if st.Kind != "sum" {
				continue
			}
			if t := d.NarrowType(types[st.Column]); t != "" {
				fits, narrow = append(fits, st.Column), append(narrow, t)
			}
		}
	}
	stats, err := m.Engine.Query(ctx, sqlgen.BuildStats(d, staging, r.Dims, fits, narrow))
	if err != nil {
		return 0, engine.Clean(err)
	}
	if len(stats.Rows) != 1 {
		return 0, fmt.Errorf("internal: measuring %s returned %d rows", r.Name, len(stats.Rows))
	}
	row := stats.Rows[0]
	count := toInt64(row[0])
	card := map[string]int64{}
	for i, c := range r.Dims {
		card[c] = toInt64(row[1+i])
	}
	casts := map[string]string{}
	for i, c := range fits {
		if ok, _ := row[1+len(r.Dims)+i].(bool); ok {
			casts[c] = narrow[i]
		}
	}
	if err := m.Engine.Exec(ctx, sqlgen.SortedCopy(d, table, staging, cols, casts, sortOrder(r, card))); err != nil {
		return 0, engine.Clean(err)
	}
	return count, nil
}

// sortOrder is the time label, then the kept fields from the fewest
// distinct values to the most (ties in declaration order).
func sortOrder(r *rollup.Rollup, card map[string]int64) []string {
	var order []string
	if r.TimeField != "" {
		order = append(order, r.TimeColumn())
	}
	dims := append([]string{}, r.Dims...)
	sort.SliceStable(dims, func(i, j int) bool { return card[dims[i]] < card[dims[j]] })
	return append(order, dims...)
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
