package materializer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/partition"
	"github.com/strata-metrics/strata/model"
)

// partSource is how a partitioned rollup's fact files map onto its
// partitions: the fact's parquet source (one file, a glob or a hive
// directory) and the time column whose statistics place each file — or,
// for a fact that is an engine table, the table and its time column.
type partSource struct {
	grain   partition.Grain
	source  string
	column  string
	colType string         // timestamp, timestamptz or date
	wall    *time.Location // the zone a naive timestamp's wall time is in
	local   *time.Location // the project's zone: partitions are local periods
	// engine is set for a fact held by the engine: its partitions are
	// fingerprinted by one GROUP BY (enginepart.go), not by files.
	engine bool
	rollup *rollup.Rollup
	// table is the fact.
	table *model.Table
}

// partSourceOf reports how the rollup's partitions follow its fact files;
// false when they cannot (no partition, a computed or joined time field, a
// fact that is neither parquet files nor an engine table), and then any
// change rebuilds everything.
func (m *Materializer) partSourceOf(r *rollup.Rollup) (*partSource, bool) {
	if r.Def == nil || r.Def.Partition.Value == "" || r.TimeField == "" {
		return nil, false
	}
	f := r.Fact.Field(r.TimeField)
	fact := r.Fact.Fact
	if f == nil || f.Computed != nil || f.Alias != fact.Name {
		return nil, false
	}
	src := fact.Source.Value
	engineSrc := isEngineSource(src)
	if engineSrc && src == "" {
		src = fact.Name
	}
	if !engineSrc && strings.ToLower(filepath.Ext(partition.Glob(src))) != ".parquet" {
		return nil, false
	}
	col := fact.Column(f.Column)
	if col == nil {
		return nil, false
	}
	ps := &partSource{grain: partition.Grain(r.Def.Partition.Value), source: src, column: f.Column, colType: col.Type.Base, wall: time.UTC, local: time.UTC, engine: engineSrc, rollup: r, table: fact}
	if fact.Timezone != "" {
		if loc, err := time.LoadLocation(fact.Timezone); err == nil {
			ps.wall = loc
		}
	}
	if tz := m.Project.Timezone; tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			ps.local = loc
		}
	}
	switch ps.colType {
	case "timestamp", "timestamptz", "date":
		return ps, true
	}
	return nil, false
}

// toLocal reads a statistics value as the project's local wall time (held
// in a UTC time.Time), the way the rollup labels its rows.
func (ps *partSource) toLocal(text string) (time.Time, bool) {
	text = strings.TrimSpace(text)
	if ps.colType == "timestamptz" {
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07", "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00"} {
			if t, err := time.Parse(layout, text); err == nil {
				l := t.In(ps.local)
				return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC), true
			}
		}
		return time.Time{}, false
	}
	var t time.Time
	var err error
	if ps.colType == "date" {
		t, err = time.Parse(time.DateOnly, text)
		return t, err == nil
	}
	if t, err = time.ParseInLocation("2006-01-02 15:04:05.999999999", text, ps.wall); err != nil {
		return time.Time{}, false
	}
	l := t.In(ps.local)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC), true
}

// factFiles lists the rollup's fact files with their time ranges. Only the
// footers of files not seen before (by path, size and mtime) are read.
func (m *Materializer) factFiles(ctx context.Context, ps *partSource) ([]partition.File, error) {
	if ps.engine {
		return m.engineParts(ctx, ps)
	}
	files, err := m.TableFiles(ps.table)
	if err != nil {
		return nil, err
	}
	key := ps.source + "\x00" + ps.column
	m.statsMu.Lock()
	prev := m.fileStats[key]
	m.statsMu.Unlock()
	need := partition.Carry(files, prev)
	if len(need) > 0 {
		paths := make([]string, len(need))
		for i, n := range need {
			paths[i] = files[n].Path
		}
		q, err := sqlgen.ParquetTimeStats(m.Dialect, paths, ps.column)
		if err != nil {
			return nil, err
		}
		res, err := m.Engine.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("reading the statistics of %s: %w", ps.source, engine.Clean(err))
		}
		byPath := map[string][]any{}
		for _, row := range res.Rows {
			p, _ := row[0].(string)
			byPath[p] = row
		}
		for _, n := range need {
			f := &files[n]
			row, ok := byPath[files[n].Path]
			if !ok {
				f.NullsKnown, f.HasRange = true, true // no row groups: no rows
				continue
			}
			ps.setStats(f, row)
		}
		if err := m.rangesFromData(ctx, ps, files, need); err != nil {
			return nil, err
		}
	}
	m.statsMu.Lock()
	if m.fileStats == nil {
		m.fileStats = map[string][]partition.File{}
	}
	m.fileStats[key] = files
	m.statsMu.Unlock()
	return files, nil
}

// rangesFromData reads the time range of the files among need whose
// footers gave none (a writer that keeps no statistics, or not for every
// row group) from their rows: one scan of one column, once per file version,
// instead of counting the file as touching every partition.
func (m *Materializer) rangesFromData(ctx context.Context, ps *partSource, files []partition.File, need []int) error {
	var paths []string
	at := map[string]int{}
	for _, n := range need {
		f := files[n]
		if f.HasRange || f.Undated() {
			continue
		}
		at[f.Path] = n
		paths = append(paths, f.Path)
	}
	if len(paths) == 0 {
		return nil
	}
	q, err := sqlgen.ParquetTimeRange(m.Dialect, paths, ps.column)
	if err != nil {
		return err
	}
	res, err := m.Engine.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("reading the time range of %s: %w", ps.source, engine.Clean(err))
	}
	for _, row := range res.Rows {
		p, _ := row[0].(string)
		n, ok := at[p]
		if !ok {
			continue
		}
		ps.setStats(&files[n], row)
	}
	return nil
}

// setStats fills a file's rows, NULL count and time range from a row of
// (name, min, max, rows, nulls) as ParquetTimeStats and ParquetTimeRange
// select them; a NULL min or max leaves the range unknown.
func (ps *partSource) setStats(f *partition.File, row []any) {
	f.Rows = toInt64(row[3])
	if row[4] != nil {
		f.Nulls, f.NullsKnown = toInt64(row[4]), true
	}
	lo, ok1 := row[1].(string)
	hi, ok2 := row[2].(string)
	if ok1 && ok2 {
		min, okMin := ps.toLocal(lo)
		max, okMax := ps.toLocal(hi)
		f.Min, f.Max, f.HasRange = min, max, okMin && okMax
	}
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	case string:
		var n int64
		fmt.Sscan(x, &n)
		return n
	}
	return 0
}

// OthersFingerprint is othersFingerprint, for a caller that records or
// checks what a build's joined tables were.
func (m *Materializer) OthersFingerprint(r *rollup.Rollup) string { return m.othersFingerprint(r) }

// othersFingerprint hashes the sources of every table the rollup reads
// except its fact: a change there may move rows between any partitions.
func (m *Materializer) othersFingerprint(r *rollup.Rollup) string {
	h := sha256.New()
	for _, in := range r.Fact.Instances {
		if in.Table == r.Fact.Fact {
			continue
		}
		fmt.Fprintf(h, "%s:%s\n", in.Alias, m.SourceStat(in.Table))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// isEngineSource reports whether a table's source is a table in the engine
// rather than files.
func isEngineSource(src string) bool {
	return src == "" || engineTable.MatchString(src) || (filepath.Ext(src) == "" && !partition.IsPattern(src))
}

// SourceStat describes a table's source as found now: each file's size and
// mtime, or for an engine table its fingerprint (EngineTableStat;
// "engine:unreadable" when it cannot be read, which no build records as
// current for long).
func (m *Materializer) SourceStat(t *model.Table) string {
	st, _ := m.SourceStatErr(context.Background(), t)
	return st
}

// SourceStatErr is SourceStat with the reason an engine table's
// fingerprint could not be read.
func (m *Materializer) SourceStatErr(ctx context.Context, t *model.Table) (string, error) {
	if isEngineSource(t.Source.Value) {
		st, err := m.EngineTableStat(ctx, t)
		if err != nil {
			return "engine:unreadable", err
		}
		return st, nil
	}
	return m.fileSourceStat(t), nil
}

// IsEngineSource reports whether a table is read from the engine rather
// than from files.
func IsEngineSource(t *model.Table) bool { return isEngineSource(t.Source.Value) }

func (m *Materializer) fileSourceStat(t *model.Table) string {
	src := t.Source.Value
	appended := m.appended(t.Name)
	if partition.IsPattern(src) || len(appended) > 0 {
		files, err := m.TableFiles(t)
		if err != nil {
			return "missing"
		}
		h := sha256.New()
		for _, f := range files {
			fmt.Fprintf(h, "%s:%d:%d\n", f.Path, f.Size, f.ModTime.UnixNano())
		}
		return hex.EncodeToString(h.Sum(nil))[:16]
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(m.Project.Dir, src)
	}
	st, err := os.Stat(src)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%d:%d", st.Size(), st.ModTime().UnixNano())
}

// SourceNewest is the latest modification time among the files a table's
// source reads; zero for an engine table or a missing source.
func (m *Materializer) SourceNewest(t *model.Table) time.Time {
	src := t.Source.Value
	if isEngineSource(src) {
		return time.Time{}
	}
	files, _ := m.TableFiles(t)
	return partition.Newest(files)
}

// BuiltFiles is what a partitioned rollup's version was built from.
type BuiltFiles struct {
	Files  []partition.File
	Others string
}

func (m *Materializer) ensurePartitionState(ctx context.Context) error {
	for _, s := range sqlgen.PartitionDDL(m.Dialect) {
		if err := m.Engine.Exec(ctx, s); err != nil {
			return engine.Clean(err)
		}
	}
	return nil
}

func (m *Materializer) readBuiltFiles(ctx context.Context) (map[string]BuiltFiles, error) {
	res, err := m.Engine.Query(ctx, sqlgen.ReadFiles(m.Dialect))
	if err != nil {
		return nil, engine.Clean(err)
	}
	out := map[string]BuiltFiles{}
	for _, row := range res.Rows {
		name, _ := row[0].(string)
		text, _ := row[1].(string)
		others, _ := row[2].(string)
		var files []partition.File
		if err := json.Unmarshal([]byte(text), &files); err != nil {
			return nil, fmt.Errorf("rollup %s: unreadable file state in _strata.rollup_files: %v", name, err)
		}
		out[name] = BuiltFiles{Files: files, Others: others}
	}
	return out, nil
}

// StaleRanges lists the partitions of a rollup whose sources changed since
// its build, when the change is confined to fact files that the statistics
// place, with the files holding those partitions' rows; false when the
// rollup must be treated as wholly stale.
func (m *Materializer) StaleRanges(ctx context.Context, r *rollup.Rollup, built BuiltFiles, ok bool) ([]plan.Range, []string, bool) {
	ps, pok := m.partSourceOf(r)
	if !pok || !ok || built.Others != m.othersFingerprint(r) {
		return nil, nil, false
	}
	// An engine table's partitions are fingerprinted by a GROUP BY over the
	// fact: run only once its whole-table fingerprint changed (the caller
	// asks only then), and reused for EngineStatsTTL.
	var files []partition.File
	var err error
	if ps.engine {
		files, err = m.cachedEngineParts(ctx, ps)
	} else {
		files, err = m.factFiles(ctx, ps)
	}
	if err != nil {
		return nil, nil, false
	}
	// The tail replaces the stored rows of the changed periods of the
	// rollup's own grain, not of whole partitions: a new day in a month
	// partition sends one day of raw rows through the tail, not the month.
	// (An hour grain's labels are not dates: it goes by partition.)
	// An engine table's fingerprints are per partition: it goes by them.
	g := ps.grain
	if r.Grain != "hour" && !ps.engine {
		g = partition.Grain(r.Grain)
	}
	ch := partition.Diff(g, built.Files, files)
	// A tail over most of the rollup reads most raw rows and the rollup's
	// rows besides: then the raw path is cheaper, and the rollup is stale.
	if ch.All || 2*len(ch.Keys) > len(partitionFingerprints(g, files)) {
		return nil, nil, false
	}
	rs := toRanges(g, ch)
	if ps.engine {
		return rs, nil, len(rs) > 0 // the tail reads the table, bounded on its time column
	}
	return rs, filesIn(g, ch, files), len(rs) > 0
}

// StaleWhy names the change that keeps a changed rollup from serving
// through a tail, when it is one of the tables it joins: a change there can
// move rows between groups of every partition. "" otherwise.
func (m *Materializer) StaleWhy(r *rollup.Rollup, built BuiltFiles, ok bool) string {
	if !ok || built.Others == m.othersFingerprint(r) {
		return ""
	}
	return "a table it joins changed, which can touch every partition: it is rebuilt whole"
}

// filesIn lists the files that can hold rows of the changed partitions:
// those whose time range reaches one, and, when the NULL partition
// changed, those that may hold NULL times.
func filesIn(g partition.Grain, ch partition.Change, files []partition.File) []string {
	var out []string
	for _, f := range files {
		hit := ch.Null && (f.Nulls > 0 || (!f.NullsKnown && f.Rows > 0))
		if !hit && f.HasRange && f.Rows > 0 {
			for _, k := range g.Span(f.Min, f.Max) {
				if ch.Keys[k] {
					hit = true
					break
				}
			}
		}
		if !hit && !f.HasRange && f.Rows > 0 {
			hit = true
		}
		if hit {
			out = append(out, f.Path)
		}
	}
	return out
}

// toRanges turns touched partition keys into label ranges, merging
// neighbours, with the NULL partition last.
func toRanges(g partition.Grain, ch partition.Change) []plan.Range {
	var out []plan.Range
	for _, k := range ch.Sorted() {
		from, err := time.Parse(time.DateOnly, k)
		if err != nil {
			continue
		}
		to := g.Next(from).Format(time.DateOnly)
		if n := len(out); n > 0 && out[n-1].To == k {
			out[n-1].To = to
			continue
		}
		out = append(out, plan.Range{From: k, To: to})
	}
	if ch.Null {
		out = append(out, plan.Range{})
	}
	return out
}

// partitionFingerprints hashes, per partition key, the files whose range
// reaches it: what each stored partition was built from.
func partitionFingerprints(g partition.Grain, files []partition.File) map[string]string {
	lists := map[string][]string{}
	for _, f := range files {
		if !f.HasRange || f.Rows == 0 {
			continue
		}
		for _, k := range g.Span(f.Min, f.Max) {
			lists[k] = append(lists[k], fmt.Sprintf("%s:%d:%d", f.Path, f.Size, f.ModTime.UnixNano()))
		}
	}
	out := make(map[string]string, len(lists))
	for k, l := range lists {
		sort.Strings(l)
		h := sha256.Sum256([]byte(strings.Join(l, "\n")))
		out[k] = hex.EncodeToString(h[:])[:16]
	}
	return out
}

// LoadBuiltFiles reads the file lists of the partitioned rollups'
// versions; an engine without the table has none (nothing is written).
func (m *Materializer) LoadBuiltFiles(ctx context.Context) (map[string]BuiltFiles, error) {
	res, err := m.Engine.Query(ctx, sqlgen.FilesStateExists(m.Dialect))
	if err != nil {
		return nil, engine.Clean(err)
	}
	if n, _ := res.Rows[0][0].(int64); n == 0 {
		return map[string]BuiltFiles{}, nil
	}
	return m.readBuiltFiles(ctx)
}
