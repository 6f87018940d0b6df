package materializer

import (
	"context"
	"fmt"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/partition"
)

// Partitions of an engine-table fact.
//
// A fact held by the engine has no files to fingerprint. Its partitions are
// fingerprinted by one GROUP BY over the fact (sqlgen.SourcePartitionStats):
// each partition's row count and the newest value of its time column. Each
// partition becomes one entry of the rollup's file list, named
// <table>#<partition>, whose size is the row count and whose mtime is the
// newest time, with the partition as its range. The file machinery then
// applies unchanged: a partition whose count or newest time changed, a new
// one or a vanished one is a changed "file" touching exactly that partition
// (partition.Diff), lookback counts back from the newest time, and the
// ranged rebuild reads the table bounded on the time column. Rows whose
// time is NULL are one entry of their own. A change that keeps both the
// count and the newest time of a partition (an update in place) is not
// seen: lookback re-covers the recent partitions, where such edits land.

// engineParts fingerprints the fact table's partitions.
func (m *Materializer) engineParts(ctx context.Context, ps *partSource) ([]partition.File, error) {
	q, err := sqlgen.SourcePartitionStats(m.Catalog, ps.rollup, m.Dialect, string(ps.grain))
	if err != nil {
		return nil, err
	}
	res, err := m.Engine.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("reading the partitions of %s: %w", ps.source, engine.Clean(err))
	}
	files := make([]partition.File, 0, len(res.Rows))
	for _, row := range res.Rows {
		n := toInt64(row[1])
		if row[0] == nil {
			files = append(files, partition.File{Path: ps.source + "#null", Size: n, Rows: n, Nulls: n, NullsKnown: true})
			continue
		}
		label := labelText(row[0])
		if len(label) < 10 {
			return nil, fmt.Errorf("reading the partitions of %s: partition label %q is not a date", ps.source, label)
		}
		key, err := time.Parse(time.DateOnly, label[:10])
		if err != nil {
			return nil, fmt.Errorf("reading the partitions of %s: partition label %q is not a date", ps.source, label)
		}
		newest, ok := ps.toLocal(timeText(row[2], ps.colType))
		if !ok {
			return nil, fmt.Errorf("reading the partitions of %s: the newest %s of partition %s, %v, is not a time", ps.source, ps.column, label[:10], row[2])
		}
		files = append(files, partition.File{Path: ps.source + "#" + label[:10], Size: n, ModTime: newest, Min: key, Max: newest,
			HasRange: true, Rows: n, NullsKnown: true})
	}
	return files, nil
}

// timeText writes a time value the engine returned as toLocal reads it.
func timeText(v any, colType string) string {
	t, ok := v.(time.Time)
	if !ok {
		return fmt.Sprint(v)
	}
	switch colType {
	case "date":
		return t.Format(time.DateOnly)
	case "timestamptz":
		return t.Format("2006-01-02 15:04:05.999999999Z07:00")
	}
	return t.Format("2006-01-02 15:04:05.999999999")
}

// SourcePartitions reports the fingerprint entries of a partitioned
// rollup's fact as a refresh reads them: for an engine table one per
// partition (Size its row count, Max its newest time), for files one per
// file. It writes nothing.
func (m *Materializer) SourcePartitions(ctx context.Context, name string) ([]partition.File, error) {
	rs, err := m.selectRollups([]string{name})
	if err != nil {
		return nil, err
	}
	ps, ok := m.partSourceOf(rs[0])
	if !ok {
		return nil, fmt.Errorf("rollup %s: its partitions cannot be placed by its fact's source", name)
	}
	return m.factFiles(ctx, ps)
}
