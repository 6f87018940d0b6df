package materializer

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/partition"
	"github.com/strata-metrics/strata/model"
)

// Appended rows (DESIGN §10, POST /v1/ingest/{table}).
//
// A fact read from parquet files gets its appended rows as parquet files of
// its own, one per append, in appended/<table>/ beside strata.yaml (data,
// not the warehouse's cache: keep it with the sources), written by the engine
// from the checked rows with the source's columns as the engine reads them
// (names, order and types), so that the two read as one: the source
// view reads both, and the files are fingerprinted, placed in partitions and
// read by the lambda tail like the fact's own files. A file is written under
// a temporary name outside that directory and renamed into it, so a reader
// sees all of an append or none of it.
//
// A fact held by the engine (a table) gets its rows by INSERT, in one
// transaction; its fingerprint (count and max time) sees them.

// IngestDirName is the directory, in the project's, that holds appended
// rows.
const IngestDirName = "appended"

// ingestDir is where a table's appended files are.
func (m *Materializer) ingestDir(table string) string {
	return filepath.Join(m.Project.Dir, IngestDirName, table)
}

// ingestPattern is the glob of a table's appended files, relative to the
// project when the project directory is.
func (m *Materializer) ingestPattern(table string) string {
	return filepath.Join(m.ingestDir(table), "*.parquet")
}

// appended lists a table's appended files, sorted by path. Queries ask at
// every compile (through the source fingerprints), so the list is kept per
// directory modification time: appended files are only ever added or
// removed by rename, which changes it; a table with no directory costs one
// stat.
func (m *Materializer) appended(table string) []partition.File {
	dir := m.ingestDir(table)
	st, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	m.appendedMu.Lock()
	c, ok := m.appendedCache[dir]
	m.appendedMu.Unlock()
	if ok && c.mtime.Equal(st.ModTime()) {
		return c.files
	}
	files, err := partition.List("", m.ingestPattern(table))
	if err != nil {
		return nil
	}
	m.appendedMu.Lock()
	if m.appendedCache == nil {
		m.appendedCache = map[string]appendedList{}
	}
	m.appendedCache[dir] = appendedList{mtime: st.ModTime(), files: files}
	m.appendedMu.Unlock()
	return files
}

// forgetAppended drops the kept list of a directory's appended files.
func (m *Materializer) forgetAppended(dir string) {
	m.appendedMu.Lock()
	delete(m.appendedCache, dir)
	m.appendedMu.Unlock()
}

// appendedList is a directory's appended files as of its mtime.
type appendedList struct {
	mtime time.Time
	files []partition.File
}

// TableFiles lists the files a file-sourced table reads now: its source's
// and the rows appended to it.
func (m *Materializer) TableFiles(t *model.Table) ([]partition.File, error) {
	files, err := partition.List(m.Project.Dir, t.Source.Value)
	if err != nil {
		return nil, err
	}
	return append(files, m.appended(t.Name)...), nil
}

// withAppended is the FROM item of a file source once rows were appended
// to it: its files and the appended ones, read as one. Without appended
// files it is from unchanged.
func (m *Materializer) withAppended(t *model.Table, full, from string) (string, error) {
	if len(m.appended(t.Name)) == 0 {
		return from, nil
	}
	both, err := sqlgen.FilesSource(m.Dialect, []string{full, m.ingestPattern(t.Name)})
	if err != nil {
		return "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	return both, nil
}

// IngestTarget says how rows are appended to a table: to parquet files
// beside its source, or into the engine table it reads.
type IngestTarget struct {
	// Columns are the columns rows are written with, in order: the source's
	// as the engine reads it (files), or the model's (an engine table).
	Columns []engine.Column
	// Table is the engine table the rows go into; empty for files.
	Table string
}

// IngestTargetOf finds how rows can be appended to a table, or why not.
func (m *Materializer) IngestTargetOf(ctx context.Context, t *model.Table) (*IngestTarget, error) {
	src := t.Source.Value
	if isEngineSource(src) {
		name := src
		if name == "" {
			name = t.Name
		}
		cols := make([]engine.Column, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = engine.Column{Name: c.Name, Type: c.Type.String()}
		}
		return &IngestTarget{Columns: cols, Table: name}, nil
	}
	if partition.Hive(src) {
		// Its partition columns come from the directory names, which a
		// file beside them would not have: land such rows as files of the
		// partition directories.
		return nil, fmt.Errorf("table %s reads a hive-partitioned directory (%s), whose partition columns come from the directory names; land new rows as parquet files under the partition's directory", t.Name, src)
	}
	if strings.ToLower(filepath.Ext(partition.Glob(src))) != ".parquet" {
		return nil, fmt.Errorf("table %s reads %s; rows are appended as parquet files, so its source must be parquet files", t.Name, src)
	}
	if _, err := sqlgen.FilesSource(m.Dialect, []string{src}); err != nil {
		return nil, fmt.Errorf("table %s reads parquet files, which only the embedded engine reads and writes", t.Name)
	}
	if m.Broken(t.Name) != nil {
		return nil, m.Broken(t.Name)
	}
	res, err := m.Engine.Query(ctx, sqlgen.DescribeSource(sqlgen.Table(m.Dialect, t.Name)))
	if err != nil {
		return nil, fmt.Errorf("reading the columns of %s: %w", t.Name, engine.Clean(err))
	}
	cols := make([]engine.Column, 0, len(res.Rows))
	for _, r := range res.Rows {
		name, _ := r[0].(string)
		typ, _ := r[1].(string)
		if !plainType.MatchString(typ) {
			return nil, fmt.Errorf("table %s: its column %s has type %s, which appended rows cannot hold", t.Name, name, typ)
		}
		cols = append(cols, engine.Column{Name: name, Type: typ})
	}
	return &IngestTarget{Columns: cols}, nil
}

// plainType is a scalar engine type name: DECIMAL(18,2), TIMESTAMP WITH TIME
// ZONE, VARCHAR; not a nested one.
var plainType = regexp.MustCompile(`^[A-Z][A-Z0-9_ ]*(\([0-9]+(, ?[0-9]+)?\))?$`)

// ingestBatch is how many rows one INSERT statement carries.
const ingestBatch = 500

// Ingest appends rows to a table: each row holds one value per target
// column, as the engine takes it for that column's type (strings for
// decimals, dates and timestamps). All rows are appended, or none.
func (m *Materializer) Ingest(ctx context.Context, t *model.Table, tg *IngestTarget, rows [][]any) error {
	names := make([]string, len(tg.Columns))
	for i, c := range tg.Columns {
		names[i] = c.Name
	}
	if tg.Table != "" {
		stmts := m.inserts(tg.Table, names, rows)
		if err := m.Engine.ExecTx(ctx, stmts...); err != nil {
			return fmt.Errorf("appending to %s: %w", t.Name, engine.Clean(err))
		}
		m.ForgetEngineStats()
		return nil
	}
	dir := m.ingestDir(t.Name)
	tmpDir := filepath.Join(filepath.Dir(dir), ".writing")
	// One append at a time: the first of a table changes its source view.
	m.ingestMu.Lock()
	defer m.ingestMu.Unlock()
	for _, d := range []string{dir, tmpDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("appending to %s: %w", t.Name, err)
		}
	}
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	name := fmt.Sprintf("%s-%s.parquet", time.Now().UTC().Format("20060102T150405.000000000Z"), hex.EncodeToString(id))
	tmp := filepath.Join(tmpDir, name)
	// The rows go to the engine as JSON lines of the checked values, which
	// it reads with the source's column types and writes as parquet: a
	// vectorized read, where INSERT statements bind every value alone.
	lines := tmp + ".jsonl"
	defer os.Remove(lines)
	if err := writeLines(lines, names, rows); err != nil {
		return fmt.Errorf("appending to %s: %w", t.Name, err)
	}
	types := make([]string, len(tg.Columns))
	for i, c := range tg.Columns {
		types[i] = c.Type
	}
	if err := m.Engine.Exec(ctx, sqlgen.IngestWrite(m.Dialect, lines, names, types, tmp)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("appending to %s: %w", t.Name, engine.Clean(err))
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("appending to %s: %w", t.Name, err)
	}
	// A file system with coarse modification times could leave the
	// directory's as it was: this process forgets its list outright.
	m.forgetAppended(dir)
	// The first append changes what the source view reads; if the view
	// cannot take it, the append is undone.
	err := m.Sources(ctx)
	if err == nil && m.Broken(t.Name) != nil {
		err = m.Broken(t.Name)
	}
	if err != nil {
		_ = os.Remove(filepath.Join(dir, name))
		m.forgetAppended(dir)
		_ = m.Sources(ctx)
		return fmt.Errorf("appending to %s: %w", t.Name, err)
	}
	return nil
}

// writeLines writes rows as JSON lines, one object per row.
func writeLines(path string, names []string, rows [][]any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	obj := make(map[string]any, len(names))
	for _, r := range rows {
		for i, n := range names {
			obj[n] = r[i]
		}
		if err := enc.Encode(obj); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// inserts renders rows as multi-row INSERT statements with arguments.
func (m *Materializer) inserts(table string, cols []string, rows [][]any) []engine.Statement {
	var out []engine.Statement
	for start := 0; start < len(rows); start += ingestBatch {
		end := min(start+ingestBatch, len(rows))
		args := make([]any, 0, (end-start)*len(cols))
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		out = append(out, engine.Statement{SQL: sqlgen.InsertRows(m.Dialect, table, cols, end-start), Args: args})
	}
	return out
}
