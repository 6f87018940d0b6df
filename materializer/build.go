package materializer

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// RefreshResult reports one rollup build.
type RefreshResult struct {
	Name     string        `json:"name"`
	Rows     int64         `json:"rows"`
	Duration time.Duration `json:"duration_ns"`
	Err      error         `json:"-"`
	Error    string        `json:"error,omitempty"`
	// From is the rollup whose stored rows the build read (the lattice), or
	// "" for the raw tables.
	From string `json:"built_from,omitempty"`
	// Replaced is the table of the version this build replaced, when the
	// materializer was told to keep it (KeepReplaced) for its readers to drop.
	Replaced string `json:"-"`
}

// UnknownRollupError names a rollup the project does not define.
type UnknownRollupError struct {
	Name  string
	Known []string
}

func (e *UnknownRollupError) Error() string {
	return fmt.Sprintf("unknown rollup %q (rollups: %s)", e.Name, strings.Join(e.Known, ", "))
}

// Refresh builds the named rollups (all when names is empty). Each build
// writes a new table and swaps it in atomically with the state row; a failed
// build keeps the previous version serving and records the error. Each
// build runs under the rollup's lease in _strata.leases (buildlease.go).
// progress, when set, is called after each rollup.
func (m *Materializer) Refresh(ctx context.Context, names []string, progress func(RefreshResult)) ([]RefreshResult, error) {
	if err := m.EnsureState(ctx); err != nil {
		return nil, err
	}
	if err := m.ensureDefinitions(ctx); err != nil {
		return nil, err
	}
	if err := m.ensurePartitionState(ctx); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		if err := m.DropRemoved(ctx); err != nil {
			return nil, err
		}
	}
	todo, err := m.selectRollups(names)
	if err != nil {
		return nil, err
	}
	if len(todo) > 1 {
		todo = m.buildOrder(todo)
	}
	var out []RefreshResult
	for _, r := range todo {
		var res RefreshResult
		if release, err := m.holdLease(ctx, r.Name); err != nil {
			res = RefreshResult{Name: r.Name, Err: err}
		} else {
			res = m.build(ctx, r)
			release()
		}
		if res.Err != nil {
			res.Error = withoutPaths(res.Err.Error(), m.Project.Dir)
		}
		out = append(out, res)
		if progress != nil {
			progress(res)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return out, nil
}

func (m *Materializer) selectRollups(names []string) ([]*rollup.Rollup, error) {
	if len(names) == 0 {
		return m.Rollups, nil
	}
	byName := map[string]*rollup.Rollup{}
	var known []string
	for _, r := range m.Rollups {
		byName[r.Name] = r
		known = append(known, r.Name)
	}
	var out []*rollup.Rollup
	for _, n := range names {
		r, ok := byName[n]
		if !ok {
			sort.Strings(known)
			return nil, &UnknownRollupError{Name: n, Known: known}
		}
		out = append(out, r)
	}
	return out, nil
}

func (m *Materializer) build(ctx context.Context, r *rollup.Rollup) RefreshResult {
	// The fingerprint a build records is read just before it, never reused:
	// a change it misses must show as stale afterwards.
	m.forgetStatsOf(r)
	if st := m.Dialect.OLAP(); st != nil {
		return m.buildOLAP(ctx, r, st)
	}
	// Partitioned builds keep distinct sets as columns; an engine without a
	// set type keeps side tables of keys, which only the full build writes.
	if r.Def != nil && r.Def.Partition.Value != "" && m.Dialect.SetColumns() {
		return m.buildPartitioned(ctx, r)
	}
	start := time.Now()
	d := m.Dialect
	res := RefreshResult{Name: r.Name}
	fail := func(err error) RefreshResult {
		if ctx.Err() != nil {
			// Stopped by a signal or the caller, not broken: say so.
			err = fmt.Errorf("interrupted before it finished (%w); the previous version keeps serving", ctx.Err())
		}
		res.Err, res.Duration = err, time.Since(start)
		// The state is read by status and over HTTP: no absolute paths in it.
		_ = m.Engine.Exec(context.WithoutCancel(ctx), sqlgen.RecordFailure(d), r.Name, withoutPaths(err.Error(), m.Project.Dir), time.Now().UTC())
		return res
	}
	if err := m.SourceProblem(r); err != nil {
		return fail(err)
	}
	sources := m.Fingerprint(r, nil)
	src, srcTable := m.latticeSource(ctx, r)
	var body string
	var err error
	if src != nil {
		body, err = sqlgen.RollupBuildFrom(r, src, srcTable, d)
		res.From = src.Name
	} else {
		body, err = sqlgen.RollupBuild(m.Catalog, r, d)
	}
	if err != nil {
		return fail(err)
	}
	table := fmt.Sprintf("%s.%s%s_%s_%d", sqlgen.StateSchema, sqlgen.RollupTablePrefix, r.Name, r.Hash[:8], time.Now().UnixNano())
	drop := func() {
		for _, t := range append(m.keyTables(context.WithoutCancel(ctx), table), table) {
			_ = m.Engine.Exec(context.WithoutCancel(ctx), sqlgen.DropTable(d, t))
		}
	}
	dims := m.sortDims(ctx, r)
	narrowed := false
	if nb := m.narrowedBody(ctx, r, body); nb != "" {
		// A sum that does not fit fails the cast: build it wide instead.
		if err := m.Engine.Exec(ctx, sqlgen.CreateRollupTable(d, r, table, nb, dims)); err == nil {
			narrowed = true
		} else {
			drop()
		}
	}
	if !narrowed {
		if err := m.Engine.Exec(ctx, sqlgen.CreateRollupTable(d, r, table, body, dims)); err != nil {
			drop()
			return fail(engine.Clean(err))
		}
	}
	if !d.SetColumns() {
		for i, ms := range r.SetMeasures() {
			keys, err := sqlgen.RollupKeys(m.Catalog, r, ms, d)
			if err == nil {
				err = m.Engine.Exec(ctx, sqlgen.CreateTableAs(d, rollup.KeyTable(table, i), keys))
			}
			if err != nil {
				drop()
				return fail(engine.Clean(err))
			}
		}
	}
	count, err := m.Engine.Query(ctx, sqlgen.CountRows(d, table))
	if err != nil {
		drop()
		return fail(engine.Clean(err))
	}
	res.Rows = toInt64(count.Rows[0][0])
	if err := m.narrowSums(ctx, r, table); err != nil {
		drop()
		return fail(engine.Clean(err))
	}
	watermark := ""
	if r.TimeField != "" {
		if wm, err := m.Engine.Query(ctx, sqlgen.MaxText(d, table, r.TimeColumn())); err == nil && len(wm.Rows) == 1 && wm.Rows[0][0] != nil {
			watermark = wm.Rows[0][0].(string)
		}
	}
	old := ""
	if rows, err := m.Recorded(ctx); err == nil {
		old = rows[r.Name].Status.Table
	}
	res.Duration = time.Since(start)
	now := time.Now().UTC()
	stmts := []engine.Statement{{SQL: sqlgen.RecordBuild(d), Args: []any{r.Name, table, r.Hash, res.Rows, watermark, now, float64(res.Duration.Microseconds()) / 1000, sources, nil, now}}}
	stmts = append(stmts, m.definitionStatements(r)...)
	stmts = append(stmts, m.lineageStatement(r, res.From))
	if old != "" && old != table && !m.KeepReplaced {
		for _, t := range append(m.keyTables(ctx, old), old) {
			stmts = append(stmts, engine.Statement{SQL: sqlgen.DropTable(d, t)})
		}
	}
	if err := m.Engine.ExecTx(ctx, stmts...); err != nil {
		drop()
		return fail(engine.Clean(err))
	}
	if old != table && m.KeepReplaced {
		res.Replaced = old
	}
	return res
}

// sumColumns lists the rollup's sum storage columns.
func sumColumns(r *rollup.Rollup) []string {
	var sums []string
	for _, ms := range r.Measures {
		for _, st := range rollup.Storages(ms) {
			if st.Kind == "sum" {
				sums = append(sums, st.Column)
			}
		}
	}
	return sums
}

// narrowedBody is the build's body with each sum column cast to the
// narrower type narrowSums would give it (Dialect.NarrowType), or "" when
// there is none: the build then writes the narrow column directly instead
// of writing it wide, scanning it to check it fits and rewriting it (on
// SSB's q4_brand, 4.2M rows, the sort and write of the wide column and the
// rewrite cost 10.2 + 1.1 s against 7.4 s). The caller builds the plain
// body when the cast fails on a sum that does not fit.
func (m *Materializer) narrowedBody(ctx context.Context, r *rollup.Rollup, body string) string {
	d := m.Dialect
	sums := sumColumns(r)
	if len(sums) == 0 {
		return ""
	}
	res, err := m.Engine.Query(ctx, sqlgen.ColumnsOf(d, body))
	if err != nil {
		return ""
	}
	types := map[string]string{}
	var cols []string
	for _, c := range res.Columns {
		cols = append(cols, c.Name)
		types[c.Name] = c.Type
	}
	narrow := map[string]string{}
	for _, c := range sums {
		if t := d.NarrowType(types[c]); t != "" {
			narrow[c] = t
		}
	}
	if len(narrow) == 0 {
		return ""
	}
	return sqlgen.Narrowed(d, body, cols, narrow)
}

// narrowSums stores each sum column whose values all fit a narrower type
// (Dialect.NarrowType: on DuckDB DECIMAL(18,s) or BIGINT instead of the
// DECIMAL(38,s) or HUGEINT that SUM gives) as that type. The values are the
// same and so is every answer (re-aggregating with SUM widens again), but
// narrow numbers scan an order of magnitude faster, and sums dominate rollup
// scans.
func (m *Materializer) narrowSums(ctx context.Context, r *rollup.Rollup, table string) error {
	d := m.Dialect
	sums := sumColumns(r)
	if len(sums) == 0 {
		return nil
	}
	desc, err := m.Engine.Query(ctx, sqlgen.DescribeTable(d, table))
	if err != nil {
		return err
	}
	types := map[string]string{}
	for _, row := range desc.Rows {
		name, _ := row[0].(string)
		typ, _ := row[1].(string)
		types[name] = typ
	}
	var cols, narrow []string
	for _, c := range sums {
		if t := d.NarrowType(types[c]); t != "" {
			cols, narrow = append(cols, c), append(narrow, t)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	fits, err := m.Engine.Query(ctx, sqlgen.FitsAll(d, table, cols, narrow))
	if err != nil {
		return err
	}
	for i, c := range cols {
		if ok, _ := fits.Rows[0][i].(bool); ok {
			if err := m.Engine.Exec(ctx, sqlgen.AlterColumn(d, table, c, narrow[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

// keyTables lists a rollup version's key tables (rollup.KeyTable), which only
// engines without a set type have.
func (m *Materializer) keyTables(ctx context.Context, table string) []string {
	if m.Dialect.SetColumns() {
		return nil
	}
	res, err := m.Engine.Query(ctx, sqlgen.TablesAfter(m.Dialect, table, "_k"))
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range res.Rows {
		if name, ok := r[0].(string); ok {
			out = append(out, sqlgen.StateSchema+"."+name)
		}
	}
	return out
}
