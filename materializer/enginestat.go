package materializer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/partition"
	"github.com/strata-metrics/strata/model"
)

// Changes to tables held by the engine, seen between refreshes.
//
// A file source is fingerprinted by its size and modification time; a table
// held by the engine has neither, so it is fingerprinted by one aggregate
// query over it (sqlgen.EngineTableStats), its answer standing where a
// file's size and time stand in SourceStat:
//   - a fact (kind: fact, joined by no rollup as a dimension) with a time
//     column: its row count, and per time column (the table's time and the
//     rollups' time fields on it) the newest value and the sum of the
//     values' hashes. An append, a delete or a row moved in time is seen;
//     an update in place of another column is not (as for the refresh's
//     per-partition fingerprints, enginepart.go: lookback re-covers the
//     recent partitions, where such edits land).
//   - any other table (a dimension, a fact without a time column): its row
//     count and the sum of a hash of every model column per row, so that an
//     update in place (a customer moving segment) is seen. Dimension tables
//     are small; this is one scan of them.
//
// Everything that compares fingerprints then sees engine-table changes the
// way it sees file changes: status and /v1/rollups (stale, staleness), the
// scheduler's probe (a build within the SLA), the query path (the rollup is
// stale: the lambda tail for the changed partitions of a partitioned
// rollup's fact, placed by its per-partition fingerprints, else the raw
// tables, and explain says which), the lattice (a finer rollup over a
// changed table is no source) and the result cache's data version. A
// changed dimension is one of the rollup's "other" sources: the refresh
// rebuilds the rollup whole, and the query path reads it raw, since a
// dimension change can touch every partition.
//
// Cost: each table's query runs at most once per EngineStatsTTL (default
// one second): a burst of requests, and the rollups of one status report or
// one scheduler poll, share one answer. The per-partition GROUP BY that
// places a tail runs once per change of the fact's fingerprint, however
// long the fact stays changed (cachedEngineParts). A change is seen at most that long
// after it is committed. The time of a change is not known from the engine:
// staleness counts from when this process first saw the new fingerprint
// (the scheduler: its probe, at most one poll late).

// DefaultEngineStatsTTL is how long an engine table's fingerprint is reused.
const DefaultEngineStatsTTL = time.Second

// engineStats caches the fingerprints of engine tables.
type engineStats struct {
	mu      sync.Mutex
	entries map[string]*statEntry
	// parts are per-partition fingerprints of engine facts, by rollup.
	parts map[string]partsEntry
}

type partsEntry struct {
	files []partition.File
	at    time.Time
	// stat is the fact's fingerprint (EngineTableStat) read just before
	// files: while it stays the same, so do they.
	stat string
}

type statEntry struct {
	stat string
	at   time.Time // when stat was read
	// changedAt is when this process first read stat while having read a
	// different one before: the change's time as far as it can tell.
	changedAt time.Time
}

// statTTL is the cache lifetime; a negative EngineStatsTTL caches nothing.
func (m *Materializer) statTTL() time.Duration {
	if m.EngineStatsTTL == 0 {
		return DefaultEngineStatsTTL
	}
	return m.EngineStatsTTL
}

// ForgetEngineStats drops the cached engine-table fingerprints: the next
// look reads them anew (after a write through this process, say).
func (m *Materializer) ForgetEngineStats() {
	m.stats.mu.Lock()
	for _, e := range m.stats.entries {
		e.at = time.Time{}
	}
	m.stats.parts = nil
	m.stats.mu.Unlock()
}

// forgetStatsOf drops the cached fingerprints of the tables r reads.
func (m *Materializer) forgetStatsOf(r *rollup.Rollup) {
	m.stats.mu.Lock()
	for _, in := range r.Fact.Instances {
		if e := m.stats.entries[in.Table.Name]; e != nil {
			e.at = time.Time{}
		}
	}
	delete(m.stats.parts, r.Name)
	m.stats.mu.Unlock()
}

// cachedEngineParts is engineParts reused for EngineStatsTTL, and for as
// long as the fact's fingerprint stays the one read with them: the query
// path asks for them at every query while the fact differs from the build,
// and the GROUP BY over the fact costs a scan of it, the fingerprint one
// aggregate. The fingerprint sees whatever the per-partition one sees (a
// partition's row count or newest time cannot change without the table's
// row count or the hash sum of its time values changing).
func (m *Materializer) cachedEngineParts(ctx context.Context, ps *partSource) ([]partition.File, error) {
	now := time.Now()
	ttl := m.statTTL()
	m.stats.mu.Lock()
	e, ok := m.stats.parts[ps.rollup.Name]
	m.stats.mu.Unlock()
	if ok && ttl > 0 && now.Sub(e.at) < ttl {
		return e.files, nil
	}
	stat := ""
	if ttl > 0 {
		var err error
		if stat, err = m.EngineTableStat(ctx, ps.rollup.Fact.Fact); err != nil {
			return nil, err
		}
		if ok && e.stat == stat {
			m.stats.mu.Lock()
			m.stats.parts[ps.rollup.Name] = partsEntry{files: e.files, at: now, stat: stat}
			m.stats.mu.Unlock()
			return e.files, nil
		}
	}
	files, err := m.engineParts(ctx, ps)
	if err != nil {
		return nil, err
	}
	m.stats.mu.Lock()
	if m.stats.parts == nil {
		m.stats.parts = map[string]partsEntry{}
	}
	m.stats.parts[ps.rollup.Name] = partsEntry{files: files, at: now, stat: stat}
	m.stats.mu.Unlock()
	return files, nil
}

// EngineTableStat is the fingerprint of a table held by the engine, read
// at most once per EngineStatsTTL.
func (m *Materializer) EngineTableStat(ctx context.Context, t *model.Table) (string, error) {
	now := time.Now()
	ttl := m.statTTL()
	m.stats.mu.Lock()
	e := m.stats.entries[t.Name]
	if e != nil && ttl > 0 && !e.at.IsZero() && now.Sub(e.at) < ttl {
		stat := e.stat
		m.stats.mu.Unlock()
		return stat, nil
	}
	m.stats.mu.Unlock()
	timeCols, hashCols := m.statColumns(t)
	res, err := m.Engine.Query(ctx, sqlgen.EngineTableStats(m.Dialect, t.Name, timeCols, hashCols))
	if err != nil {
		return "", fmt.Errorf("reading the fingerprint of table %s: %w", t.Name, engine.Clean(err))
	}
	if len(res.Rows) != 1 {
		return "", fmt.Errorf("reading the fingerprint of table %s: %d rows", t.Name, len(res.Rows))
	}
	parts := make([]string, len(res.Rows[0]))
	for i, v := range res.Rows[0] {
		parts[i] = statValue(v)
	}
	h := sha256.Sum256([]byte(strings.Join(parts, "\x1f")))
	stat := "engine:" + hex.EncodeToString(h[:])[:16]
	m.stats.mu.Lock()
	if m.stats.entries == nil {
		m.stats.entries = map[string]*statEntry{}
	}
	prev := m.stats.entries[t.Name]
	next := &statEntry{stat: stat, at: now}
	if prev != nil {
		next.changedAt = prev.changedAt
		if prev.stat != stat {
			next.changedAt = now
		}
	}
	m.stats.entries[t.Name] = next
	m.stats.mu.Unlock()
	return stat, nil
}

// engineChangedAt is when this process first saw the table's current
// fingerprint replace another; zero when it never did.
func (m *Materializer) engineChangedAt(t *model.Table) time.Time {
	m.stats.mu.Lock()
	defer m.stats.mu.Unlock()
	if e := m.stats.entries[t.Name]; e != nil {
		return e.changedAt
	}
	return time.Time{}
}

// statValue writes one value of the fingerprint row the same way whatever
// type the driver returns it as.
func statValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// statColumns decides how a table is fingerprinted (see above): the time
// columns of a fact, or every column of anything else.
func (m *Materializer) statColumns(t *model.Table) (timeCols, hashCols []string) {
	dimension := t.Kind != model.KindFact
	seen := map[string]bool{}
	add := func(col string) {
		c := t.Column(col)
		if c == nil || seen[col] {
			return
		}
		switch c.Type.Base {
		case "date", "timestamp", "timestamptz":
			seen[col] = true
			timeCols = append(timeCols, col)
		}
	}
	add(t.Time.Value)
	for _, r := range m.Rollups {
		for _, in := range r.Fact.Instances {
			if in.Table == t && in.Table != r.Fact.Fact {
				dimension = true
			}
		}
		if r.Fact.Fact == t && r.TimeField != "" {
			if f := r.Fact.Field(r.TimeField); f != nil && f.Computed == nil && f.Alias == t.Name {
				add(f.Column)
			}
		}
	}
	if dimension || len(timeCols) == 0 {
		for _, c := range t.Columns {
			hashCols = append(hashCols, c.Name)
		}
		return nil, hashCols
	}
	return timeCols, nil
}
