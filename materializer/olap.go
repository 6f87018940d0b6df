package materializer

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/partition"
)

// Refresh of a rollup kept as an aggregate-key table (StarRocks, Doris:
// sqlgen.OLAPStore).
//
// Algorithm:
//  1. Read the raw rows' partitions (OLAPStore.SourcePartitions): for each
//     partition of the rollup's table, the row count and latest time, which
//     together fingerprint it; sources are engine tables, so there are no
//     files to stat. Rows whose time is NULL fail the build with the reason:
//     the table is keyed and partitioned on the time.
//  2. Rebuild in full when there is no current version, its definition
//     hash differs, no partition was recorded for it, the rollup keeps no
//     time, or a table it joins (a dimension) changed since the build — its
//     fingerprint (enginestat.go) recorded beside the build's
//     (_strata.rollup_files) differs — since a dimension change can move
//     rows between groups of every partition. Otherwise rebuild the partitions whose fingerprint differs from
//     the recorded one or that only one side has, and those inside
//     `refresh.lookback` of now; none: the state moves on, nothing is written.
//  3. A full build reads, where one produces the rollup exactly and is
//     current, a finer rollup's table instead of the raw rows (the lattice,
//     lattice.go: its aggregate-key rows re-aggregated by the rollup's
//     fields), and writes a table that nobody reads: the definition's own
//     table (`_strata.r_<rollup>_<hash>`) when the definition is new, else a
//     build table beside the serving one. It is created, given a partition
//     per source partition, loaded with one INSERT, and — when it is a build
//     table — swapped with the serving table in one atomic statement
//     (SWAP WITH / REPLACE WITH TABLE), after which the build table holds the
//     previous rows and is dropped.
//  4. A partial build adds the partitions the source gained and rewrites the
//     changed ones with one INSERT OVERWRITE … PARTITION (…) over only their
//     raw rows: the engine loads temporary partitions and replaces them all
//     at once when the load succeeds.
//  5. The state is written last, the rollups row (which readers follow)
//     after the partition and definition rows, one statement at a time: these
//     engines' transactions do not span DELETE and DDL. A build stopped
//     before the rollups row leaves the previous row serving a table that
//     is either untouched or holds the same definition's newer rows; the
//     partition rows it wrote make the next refresh rebuild or agree.
//  6. On failure the table being built is dropped (a partial build has
//     none: a failed INSERT OVERWRITE changes nothing), and the failure is
//     recorded in a whole copy of the previous state row, since an INSERT
//     into a keyed table replaces every column.

// olapPlan is what one refresh of a rollup on an OLAP engine will do.
type olapPlan struct {
	full   bool
	reason string
	// source holds each source partition's fingerprint by key.
	source map[string]string
	// rebuild are the partition keys a partial build rewrites, in order.
	rebuild []string
	// others fingerprints the tables the rollup joins, as read before the build.
	others string
}

// buildOLAP refreshes one rollup kept as an aggregate-key table.
func (m *Materializer) buildOLAP(ctx context.Context, r *rollup.Rollup, st *sqlgen.OLAPStore) RefreshResult {
	start := time.Now()
	res := RefreshResult{Name: r.Name}
	states, err := m.Recorded(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	prev := states[r.Name]
	var built string // the table to drop if the build fails
	fail := func(err error) RefreshResult {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted before it finished (%w); the previous version keeps serving", ctx.Err())
		}
		res.Err, res.Duration = err, time.Since(start)
		bg := context.WithoutCancel(ctx)
		if built != "" {
			_ = m.Engine.Exec(bg, sqlgen.DropTable(m.Dialect, built))
		}
		_ = m.Engine.Exec(bg, sqlgen.RecordBuild(m.Dialect), m.failureRow(r.Name, prev.Status, prev.Sources, withoutPaths(err.Error(), m.Project.Dir))...)
		return res
	}
	if err := m.SourceProblem(r); err != nil {
		return fail(err)
	}
	op, err := m.planOLAP(ctx, r, st, prev, start)
	if err != nil {
		return fail(err)
	}
	serving := fmt.Sprintf("%s.%s%s_%s", sqlgen.StateSchema, sqlgen.RollupTablePrefix, r.Name, r.Hash[:8])
	d := m.Dialect
	var replaced string
	switch {
	case op.full:
		target := serving
		if prev.Status.Table == serving {
			target = fmt.Sprintf("%s_b%d", serving, time.Now().UnixNano())
		}
		built = target
		body, cols, err := sqlgen.RollupBuildColumns(m.Catalog, r, d)
		if err != nil {
			return fail(err)
		}
		if src, srcTable := m.latticeSource(ctx, r); src != nil {
			// The same columns in the same order (RollupBuildFrom).
			if body, err = sqlgen.RollupBuildFrom(r, src, srcTable, d); err != nil {
				return fail(err)
			}
			res.From = src.Name
		}
		ddl, err := st.RollupTable(m.Catalog, r, target)
		if err != nil {
			return fail(err)
		}
		stmts := []string{sqlgen.DropTable(d, target), ddl}
		for _, k := range sortedKeys(op.source) {
			day, _ := time.Parse(time.DateOnly, k)
			_, add := st.AddPartition(r, target, day)
			stmts = append(stmts, add)
		}
		stmts = append(stmts, st.Insert(target, cols, body))
		if target != serving {
			stmts = append(stmts, st.Swap(serving, target))
			replaced = target // after the swap it holds the previous rows
		} else if prev.Status.Table != "" {
			replaced = prev.Status.Table
		}
		// Until the swap has run the build table holds the only copy of the
		// new rows and nobody reads it: dropping it on any failure is safe.
		if err := m.exec(ctx, stmts...); err != nil {
			return fail(err)
		}
		built = ""
	case len(op.rebuild) == 0:
		return m.recordOLAPUnchanged(ctx, r, prev, start)
	default:
		var stmts, names []string
		var ranges []plan.Range
		g := partition.Grain(sqlgen.OLAPPartitionGrain(r))
		for _, k := range op.rebuild {
			day, _ := time.Parse(time.DateOnly, k)
			name, add := st.AddPartition(r, serving, day)
			if _, ok := op.source[k]; ok {
				stmts = append(stmts, add)
			}
			names = append(names, name)
			to := g.Next(day).Format(time.DateOnly)
			if n := len(ranges); n > 0 && ranges[n-1].To == k {
				ranges[n-1].To = to
			} else {
				ranges = append(ranges, plan.Range{From: k, To: to})
			}
		}
		body, cols, err := sqlgen.RollupBuildRanges(m.Catalog, r, d, ranges, nil)
		if err != nil {
			return fail(err)
		}
		stmts = append(stmts, st.Overwrite(serving, names, cols, body))
		if err := m.exec(ctx, stmts...); err != nil {
			return fail(err)
		}
	}
	parts, err := m.olapPartitionStats(ctx, r, serving, op, prev, start)
	if err != nil {
		return fail(err)
	}
	watermark := ""
	for _, p := range parts {
		res.Rows += p.Rows
		watermark = max(watermark, p.Watermark)
	}
	if r.TimeField == "" {
		count, err := m.Engine.Query(ctx, sqlgen.CountRows(d, serving))
		if err != nil {
			return fail(engine.Clean(err))
		}
		res.Rows = toInt64(count.Rows[0][0])
	}
	res.Duration = time.Since(start)
	if err := m.recordOLAP(ctx, r, serving, res, watermark, op, parts); err != nil {
		return fail(err)
	}
	if replaced != "" && replaced != serving {
		if m.KeepReplaced {
			res.Replaced = replaced
		} else if err := m.exec(ctx, sqlgen.DropTable(d, replaced)); err != nil {
			// The new version serves; the old rows are an orphan that the
			// next open drops (DropOrphans).
			res.Error = "the previous version could not be dropped: " + err.Error()
		}
	}
	return res
}

// planOLAP decides between a full and a partial rebuild (steps 1–2).
func (m *Materializer) planOLAP(ctx context.Context, r *rollup.Rollup, st *sqlgen.OLAPStore, prev Recorded, now time.Time) (*olapPlan, error) {
	op := &olapPlan{source: map[string]string{}, others: m.othersFingerprint(r)}
	if r.TimeField == "" {
		op.full, op.reason = true, "it keeps no time"
		return op, nil
	}
	q, err := st.SourcePartitions(m.Catalog, r)
	if err != nil {
		return nil, err
	}
	res, err := m.Engine.Query(ctx, q)
	if err != nil {
		return nil, engine.Clean(err)
	}
	for _, row := range res.Rows {
		if row[0] == nil {
			return nil, fmt.Errorf("rollup %s: %d rows have no %s; a %s rollup table is keyed and partitioned on its time, so they cannot be stored — filter them out in the model or give them a time",
				r.Name, toInt64(row[1]), r.TimeField, st.Engine)
		}
		max, _ := row[2].(string)
		op.source[labelText(row[0])] = fmt.Sprintf("%d:%s", toInt64(row[1]), max)
	}
	var recorded []PartitionState
	var built BuiltFiles
	hasBuilt := false
	if prev.Status.Table != "" && prev.Status.Hash == r.Hash {
		if recorded, err = m.Partitions(ctx, r.Name); err != nil {
			return nil, err
		}
		all, err := m.readBuiltFiles(ctx)
		if err != nil {
			return nil, err
		}
		built, hasBuilt = all[r.Name]
	}
	switch {
	case prev.Status.Table == "":
		op.full, op.reason = true, "no current version"
	case prev.Status.Hash != r.Hash:
		op.full, op.reason = true, "definition changed"
	case len(recorded) == 0:
		op.full, op.reason = true, "no recorded partitions"
	case !hasBuilt:
		op.full, op.reason = true, "no recorded fingerprint of the tables it joins"
	case built.Others != op.others:
		op.full, op.reason = true, "a dimension table's source changed"
	}
	if op.full {
		return op, nil
	}
	touched := map[string]bool{}
	had := map[string]bool{}
	for _, p := range recorded {
		had[p.Key] = true
		if op.source[p.Key] != p.Fingerprint {
			touched[p.Key] = true // changed, or no rows left: emptied
		}
	}
	for k := range op.source {
		if !had[k] {
			touched[k] = true
		}
	}
	g := partition.Grain(sqlgen.OLAPPartitionGrain(r))
	if lb := r.Def.Refresh.Lookback; lb.N > 0 {
		for _, k := range partition.Lookback(g, localWall(now, m.Project.Location), lb.N, lb.Unit) {
			if _, ok := op.source[k]; ok || had[k] {
				touched[k] = true
			}
		}
	}
	op.rebuild = sortedKeys(touched)
	return op, nil
}

// olapPartitionStats reads the serving table's partitions; a partition the
// build did not rewrite keeps its previous build time.
func (m *Materializer) olapPartitionStats(ctx context.Context, r *rollup.Rollup, table string, op *olapPlan, prev Recorded, now time.Time) ([]PartitionState, error) {
	if r.TimeField == "" {
		return nil, nil
	}
	res, err := m.Engine.Query(ctx, sqlgen.PartitionStats(m.Dialect, r, table, sqlgen.OLAPPartitionGrain(r)))
	if err != nil {
		return nil, engine.Clean(err)
	}
	rewritten := map[string]bool{}
	for _, k := range op.rebuild {
		rewritten[k] = true
	}
	old := map[string]PartitionState{}
	if !op.full {
		ps, err := m.Partitions(ctx, r.Name)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			old[p.Key] = p
		}
	}
	var out []PartitionState
	for _, row := range res.Rows {
		p := PartitionState{Key: labelText(row[0]), Rows: toInt64(row[1]), Watermark: labelText(row[2]), BuiltAt: now.UTC()}
		p.Fingerprint = op.source[p.Key]
		if o, ok := old[p.Key]; ok && !op.full && !rewritten[p.Key] {
			p.BuiltAt = o.BuiltAt
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// recordOLAP writes the state of a finished build (step 5): partitions and
// definition first, the rollups row that readers follow last.
func (m *Materializer) recordOLAP(ctx context.Context, r *rollup.Rollup, table string, res RefreshResult, watermark string, op *olapPlan, parts []PartitionState) error {
	d := m.Dialect
	now := time.Now().UTC()
	stmts := []engine.Statement{{SQL: sqlgen.DeletePartitions(d), Args: []any{r.Name}}}
	stmts = append(stmts, partitionRows(d, r.Name, parts)...)
	stmts = append(stmts, m.definitionStatements(r)...)
	// The files row of an OLAP rollup lists no files (its sources are
	// engine tables, fingerprinted per partition above): it keeps the
	// joined tables' fingerprint. Keyed: the INSERT replaces the row.
	stmts = append(stmts, engine.Statement{SQL: sqlgen.InsertFiles(d), Args: []any{r.Name, "[]", op.others}},
		m.lineageStatement(r, res.From))
	stmts = append(stmts, engine.Statement{SQL: sqlgen.RecordBuild(d), Args: []any{r.Name, table, r.Hash, res.Rows, watermark, now,
		float64(res.Duration.Microseconds()) / 1000, m.Fingerprint(r, nil), nil, now}})
	for _, s := range stmts {
		if err := m.Engine.Exec(ctx, s.SQL, s.Args...); err != nil {
			return engine.Clean(err)
		}
	}
	return nil
}

// recordOLAPUnchanged records that the sources were read and no partition
// changed: the version stays, its build time moves on.
func (m *Materializer) recordOLAPUnchanged(ctx context.Context, r *rollup.Rollup, prev Recorded, start time.Time) RefreshResult {
	res := RefreshResult{Name: r.Name, Rows: prev.Status.Rows, Duration: time.Since(start)}
	now := time.Now().UTC()
	err := m.Engine.Exec(ctx, sqlgen.RecordBuild(m.Dialect), r.Name, prev.Status.Table, r.Hash, prev.Status.Rows, prev.Status.Watermark, now,
		float64(res.Duration.Microseconds())/1000, m.Fingerprint(r, nil), nil, now)
	res.Err = engine.Clean(err)
	return res
}

// failureRow is the previous state row with the failure recorded in it,
// every column given (RecordBuild's order).
func (m *Materializer) failureRow(name string, s RollupStatus, sources, msg string) []any {
	var builtAt any
	if !s.BuiltAt.IsZero() {
		builtAt = s.BuiltAt
	}
	var table, hash, watermark, src any
	if s.Table != "" {
		table, hash, watermark, src = s.Table, s.Hash, s.Watermark, sources
	}
	return []any{name, table, hash, s.Rows, watermark, builtAt, s.DurationMS, src, msg, time.Now().UTC()}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
