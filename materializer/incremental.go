package materializer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/partition"
)

// Incremental refresh of a partitioned rollup.
//
// Algorithm:
//  1. List the fact's files with their time ranges (footers read only for
//     files not seen before), or for a fact that is an engine table its
//     partitions' row counts and newest times (enginepart.go), and
//     fingerprint the other tables' sources.
//  2. Rebuild everything when there is no current version, its definition
//     hash differs, another table's source changed, or the fact's changes
//     cannot be placed (a file without statistics, a computed time field).
//  3. Otherwise the periods to rebuild are those the file differences
//     touch (partition.Diff) plus those inside `refresh.lookback` of the
//     source's watermark (its newest time by the files' statistics; the
//     wall clock only when no file says), where late rows may land in files
//     already seen — periods of the rollup's grain, so that a new day
//     rebuilds a day, not its month. Nothing to rebuild:
//     the state is brought up to date and no table is written.
//  4. The new version is one statement: the current version's rows outside
//     those partitions UNION ALL the build over only their raw rows (bounded
//     on the raw time column so the engine skips other files), sorted by
//     time. It is written under a new name; the state row, the partition
//     rows and the file list are replaced and the old version dropped in
//     one transaction. Readers see the old version or the new, never a mix,
//     and a build that fails or is killed midway leaves the old one serving
//     (a half-written table under a new name is never referenced, and is
//     dropped by the next build of the rollup).

// PartitionState is one stored partition of a partitioned rollup.
type PartitionState struct {
	Key         string    `json:"partition"`
	Rows        int64     `json:"rows"`
	Watermark   string    `json:"watermark,omitempty"`
	Fingerprint string    `json:"fingerprint,omitempty"`
	BuiltAt     time.Time `json:"built_at"`
}

// buildPlan is what one refresh of a partitioned rollup will do.
type buildPlan struct {
	full   bool
	reason string
	ranges []plan.Range
	// read are the only fact files holding rows of the ranges.
	read   []string
	files  []partition.File
	others string
}

// planBuild decides between a full and a partial rebuild (steps 1–3).
func (m *Materializer) planBuild(ctx context.Context, r *rollup.Rollup, prev Recorded, built BuiltFiles, hasBuilt bool, now time.Time) (*buildPlan, error) {
	bp := &buildPlan{others: m.othersFingerprint(r)}
	ps, ok := m.partSourceOf(r)
	if ok {
		files, err := m.factFiles(ctx, ps)
		if err != nil {
			return nil, err
		}
		bp.files = files
	}
	switch {
	case prev.Status.Table == "":
		bp.full, bp.reason = true, "no current version"
	case prev.Status.Hash != r.Hash:
		bp.full, bp.reason = true, "definition changed"
	case !ok:
		bp.full, bp.reason = true, "its partitions cannot be placed by file statistics"
	case !hasBuilt:
		bp.full, bp.reason = true, "no recorded file list"
	case built.Others != bp.others:
		bp.full, bp.reason = true, "a dimension table's source changed"
	}
	if bp.full {
		return bp, nil
	}
	// Changes are placed at the rollup's own grain, not the partition's: a
	// new day in a month partition rebuilds that day's rows, and the
	// partition's other days are copied (an hour grain, and an engine
	// table fingerprinted per partition, go by partition).
	g := ps.grain
	if r.Grain != "hour" && !ps.engine {
		g = partition.Grain(r.Grain)
	}
	ch := partition.Diff(g, built.Files, bp.files)
	if ch.All {
		bp.full, bp.reason = true, "a changed file has no statistics for "+ps.column
		return bp, nil
	}
	lb := r.Def.Refresh.Lookback
	mark, ok := partition.Watermark(bp.files)
	if !ok {
		mark = localWall(now, ps.local)
	}
	for _, k := range partition.Lookback(g, mark, lb.N, lb.Unit) {
		ch.Add(partition.Change{Keys: map[string]bool{k: true}})
	}
	bp.ranges = toRanges(g, ch)
	if !ps.engine {
		bp.read = filesIn(g, ch, bp.files)
	}
	return bp, nil
}

// localWall is now as a wall time in loc, held in UTC like the labels.
func localWall(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// buildPartitioned refreshes a partitioned rollup (step 4).
func (m *Materializer) buildPartitioned(ctx context.Context, r *rollup.Rollup) RefreshResult {
	start := time.Now()
	res := RefreshResult{Name: r.Name}
	fail := func(err error) RefreshResult {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted before it finished (%w); the previous version keeps serving", ctx.Err())
		}
		res.Err, res.Duration = err, time.Since(start)
		_ = m.Engine.Exec(context.WithoutCancel(ctx), sqlgen.RecordFailure(m.Dialect), r.Name, withoutPaths(err.Error(), m.Project.Dir), time.Now().UTC())
		return res
	}
	if err := m.SourceProblem(r); err != nil {
		return fail(err)
	}
	if err := m.ensurePartitionState(ctx); err != nil {
		return fail(err)
	}
	sources := m.Fingerprint(r, nil)
	states, err := m.Recorded(ctx)
	if err != nil {
		return fail(err)
	}
	prev := states[r.Name]
	allBuilt, err := m.readBuiltFiles(ctx)
	if err != nil {
		return fail(err)
	}
	built, hasBuilt := allBuilt[r.Name]
	bp, err := m.planBuild(ctx, r, prev, built, hasBuilt, start)
	if err != nil {
		return fail(err)
	}
	d := m.Dialect
	var body string
	switch {
	case bp.full:
		if src, srcTable := m.latticeSource(ctx, r); src != nil {
			body, err = sqlgen.RollupBuildFrom(r, src, srcTable, d)
			res.From = src.Name
		} else {
			body, err = sqlgen.RollupBuild(m.Catalog, r, d)
		}
	case len(bp.ranges) == 0:
		return m.recordUnchanged(ctx, r, prev, bp, sources, start)
	default:
		var build string
		var cols []string
		build, cols, err = sqlgen.RollupBuildRanges(m.Catalog, r, d, bp.ranges, bp.read)
		body = sqlgen.UnionAll(sqlgen.RollupKeep(d, r, prev.Status.Table, cols, bp.ranges), build)
	}
	if err != nil {
		return fail(err)
	}
	table := fmt.Sprintf("%s.%s%s_%s_%d", sqlgen.StateSchema, sqlgen.RollupTablePrefix, r.Name, r.Hash[:8], time.Now().UnixNano())
	drop := func() { _ = m.Engine.Exec(context.WithoutCancel(ctx), sqlgen.DropTable(d, table)) }
	if err := m.Engine.Exec(ctx, sqlgen.CreateRollupTable(d, r, table, body, m.sortDims(ctx, r))); err != nil {
		drop()
		return fail(engine.Clean(err))
	}
	if err := m.narrowSums(ctx, r, table); err != nil {
		drop()
		return fail(engine.Clean(err))
	}
	parts, err := m.readPartitionStats(ctx, r, table, bp, prev, start)
	if err != nil {
		drop()
		return fail(err)
	}
	watermark := ""
	for _, p := range parts {
		res.Rows += p.Rows
		if p.Watermark > watermark {
			watermark = p.Watermark
		}
	}
	res.Duration = time.Since(start)
	stmts, err := m.swapPartitioned(r, table, prev.Status.Table, res, watermark, sources, bp, parts)
	if err != nil {
		drop()
		return fail(err)
	}
	if err := m.Engine.ExecTx(ctx, stmts...); err != nil {
		drop()
		return fail(engine.Clean(err))
	}
	if old := prev.Status.Table; old != "" && old != table && m.KeepReplaced {
		res.Replaced = old
	}
	return res
}

// readPartitionStats reads the new version's partitions; a partition that
// was copied keeps its previous build time.
func (m *Materializer) readPartitionStats(ctx context.Context, r *rollup.Rollup, table string, bp *buildPlan, prev Recorded, now time.Time) ([]PartitionState, error) {
	grain := r.Def.Partition.Value
	res, err := m.Engine.Query(ctx, sqlgen.PartitionStats(m.Dialect, r, table, grain))
	if err != nil {
		return nil, engine.Clean(err)
	}
	old := map[string]PartitionState{}
	if !bp.full && prev.Status.Table != "" {
		rows, err := m.Engine.Query(ctx, sqlgen.ReadPartitions(m.Dialect), r.Name)
		if err != nil {
			return nil, engine.Clean(err)
		}
		for _, row := range rows.Rows {
			p := PartitionState{Key: fmt.Sprint(row[0])}
			if ns, ok := row[4].(int64); ok {
				p.BuiltAt = time.Unix(0, ns).UTC()
			}
			old[p.Key] = p
		}
	}
	fps := partitionFingerprints(partition.Grain(grain), bp.files)
	rebuilt := func(key string) bool {
		if bp.full {
			return true
		}
		// A range may cover part of a partition: it was rebuilt when they overlap.
		end := key
		if t, err := time.Parse(time.DateOnly, key); err == nil {
			end = partition.Grain(grain).Next(t).Format(time.DateOnly)
		}
		for _, rg := range bp.ranges {
			if (rg.IsNull() && key == "null") || (!rg.IsNull() && key != "null" && rg.From < end && rg.To > key) {
				return true
			}
		}
		return false
	}
	var out []PartitionState
	for _, row := range res.Rows {
		p := PartitionState{Key: "null", Rows: toInt64(row[1]), Watermark: labelText(row[2])}
		if row[0] != nil {
			p.Key = labelText(row[0])[:10]
		}
		p.Fingerprint = fps[p.Key]
		p.BuiltAt = now.UTC()
		if o, ok := old[p.Key]; ok && !rebuilt(p.Key) && !o.BuiltAt.IsZero() {
			p.BuiltAt = o.BuiltAt
		}
		out = append(out, p)
	}
	return out, nil
}

func labelText(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.DateTime)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// swapPartitioned is the transaction that puts the new version in place.
func (m *Materializer) swapPartitioned(r *rollup.Rollup, table, old string, res RefreshResult, watermark, sources string, bp *buildPlan, parts []PartitionState) ([]engine.Statement, error) {
	d := m.Dialect
	files, err := json.Marshal(bp.files)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	stmts := []engine.Statement{
		{SQL: sqlgen.RecordBuild(d), Args: []any{r.Name, table, r.Hash, res.Rows, watermark, now, float64(res.Duration.Microseconds()) / 1000, sources, nil, now}},
		{SQL: sqlgen.DeletePartitions(d), Args: []any{r.Name}},
		{SQL: sqlgen.DeleteFiles(d), Args: []any{r.Name}},
		{SQL: sqlgen.InsertFiles(d), Args: []any{r.Name, string(files), bp.others}},
	}
	stmts = append(stmts, partitionRows(d, r.Name, parts)...)
	stmts = append(stmts, m.definitionStatements(r)...)
	stmts = append(stmts, m.lineageStatement(r, res.From))
	if old != "" && old != table && !m.KeepReplaced {
		stmts = append(stmts, engine.Statement{SQL: sqlgen.DropTable(d, old)})
	}
	return stmts, nil
}

// recordUnchanged records that the sources were looked at and nothing the
// rollup holds changed: the version stays, its fingerprints move on.
func (m *Materializer) recordUnchanged(ctx context.Context, r *rollup.Rollup, prev Recorded, bp *buildPlan, sources string, start time.Time) RefreshResult {
	res := RefreshResult{Name: r.Name, Rows: prev.Status.Rows}
	files, err := json.Marshal(bp.files)
	if err != nil {
		res.Err = err
		return res
	}
	d := m.Dialect
	res.Duration = time.Since(start)
	now := time.Now().UTC()
	err = m.Engine.ExecTx(ctx,
		engine.Statement{SQL: sqlgen.RecordBuild(d), Args: []any{r.Name, prev.Status.Table, r.Hash, prev.Status.Rows, prev.Status.Watermark, now, float64(res.Duration.Microseconds()) / 1000, sources, nil, now}},
		engine.Statement{SQL: sqlgen.DeleteFiles(d), Args: []any{r.Name}},
		engine.Statement{SQL: sqlgen.InsertFiles(d), Args: []any{r.Name, string(files), bp.others}})
	res.Err = engine.Clean(err)
	return res
}

// Partitions reports a partitioned rollup's stored partitions.
// It writes nothing: without the partition table there are none.
func (m *Materializer) Partitions(ctx context.Context, name string) ([]PartitionState, error) {
	if ok, err := m.tableExists(ctx, "partitions"); err != nil || !ok {
		return nil, engine.Clean(err)
	}
	res, err := m.Engine.Query(ctx, sqlgen.ReadPartitions(m.Dialect), name)
	if err != nil {
		return nil, engine.Clean(err)
	}
	var out []PartitionState
	for _, row := range res.Rows {
		p := PartitionState{Key: fmt.Sprint(row[0]), Rows: toInt64(row[1])}
		p.Watermark, _ = row[2].(string)
		p.Fingerprint, _ = row[3].(string)
		if ns, ok := row[4].(int64); ok {
			p.BuiltAt = time.Unix(0, ns).UTC()
		}
		out = append(out, p)
	}
	return out, nil
}

// partitionRows inserts a rollup's partition rows in batches of 500: one
// statement per row would cost a round trip each, for hundreds of daily
// partitions.
func partitionRows(d sqlgen.Dialect, name string, parts []PartitionState) []engine.Statement {
	var stmts []engine.Statement
	for i := 0; i < len(parts); i += 500 {
		batch := parts[i:min(i+500, len(parts))]
		var args []any
		for _, p := range batch {
			args = append(args, name, p.Key, p.Rows, p.Watermark, p.Fingerprint, p.BuiltAt.UnixNano())
		}
		stmts = append(stmts, engine.Statement{SQL: sqlgen.InsertPartitions(d, len(batch)), Args: args})
	}
	return stmts
}
