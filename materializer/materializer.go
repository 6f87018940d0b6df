package materializer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/partition"
	"github.com/strata-metrics/strata/model"
)

// Materializer builds a project's rollups in an engine and keeps their state.
type Materializer struct {
	Project *model.Project
	Catalog *logical.Catalog
	Engine  engine.Engine
	Dialect sqlgen.Dialect
	// Rollups are the project's rollup definitions, in declaration order.
	Rollups []*rollup.Rollup
	// KeepReplaced leaves the table of a replaced version in place and names
	// it in RefreshResult.Replaced, for a caller whose readers may still be
	// scanning it (service.Project drops it when the last one is done).
	KeepReplaced bool
	// NoLattice builds every rollup from the raw tables, never from another
	// rollup: to compare the two, or to rule the lattice out.
	NoLattice bool
	// Holder names this materializer in build lease rows (buildlease.go);
	// default DefaultHolder, host:pid.
	Holder string
	// lease is the build lease refreshes take, made once: its state tables
	// are created by its first use.
	leaseOnce sync.Once
	lease     *EngineLease

	// broken holds the tables whose source could not be exposed, and why.
	broken map[string]*SourceError

	// hasState is set once the state tables are known to exist: they are
	// never dropped, so a reader asks the engine only until it sees them.
	hasState atomic.Bool

	// fileStats caches fact files' time ranges by source and column, so
	// that only new or rewritten files have their statistics read.
	statsMu   sync.Mutex
	fileStats map[string][]partition.File

	// ingestMu serializes appends; appendedCache keeps each table's
	// appended files by their directory's mtime (ingest.go).
	ingestMu      sync.Mutex
	appendedMu    sync.Mutex
	appendedCache map[string]appendedList

	// EngineStatsTTL is how long the fingerprint of a table held by the
	// engine, and a partitioned rollup's per-partition fingerprints of such
	// a fact, are reused (enginestat.go); 0 is DefaultEngineStatsTTL, a
	// negative value reads them at every look.
	EngineStatsTTL time.Duration
	stats          engineStats
}

// SourceError is a table whose source is missing or unreadable. Only what
// reads the table is affected: its queries and the rollups built from it.
type SourceError struct {
	Table   string `json:"table"`
	Source  string `json:"source"`  // as written in the model, relative to the project
	Problem string `json:"problem"` // "missing" or "unreadable"
	// Detail is the engine's reason, paths made relative: for the terminal
	// and the log, never sent over HTTP.
	Detail string `json:"-"`
}

func (e *SourceError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("table %s: source %s is %s (%s)", e.Table, e.Source, e.Problem, e.Detail)
	}
	return fmt.Sprintf("table %s: source %s is %s", e.Table, e.Source, e.Problem)
}

// BrokenSources lists the tables whose source could not be exposed, by name.
func (m *Materializer) BrokenSources() []*SourceError {
	var out []*SourceError
	for _, t := range m.Project.Tables {
		if e := m.broken[t.Name]; e != nil {
			out = append(out, e)
		}
	}
	return out
}

// Broken returns the source problem of a table, or nil.
func (m *Materializer) Broken(table string) *SourceError { return m.broken[table] }

// MissingNow looks at a table's file source on disk now: a source removed
// since the views were made reads as missing (nil when it is there, or is an
// engine table).
func (m *Materializer) MissingNow(table string) *SourceError {
	for _, t := range m.Project.Tables {
		if t.Name == table && m.missingFile(t) {
			return &SourceError{Table: t.Name, Source: t.Source.Value, Problem: "missing"}
		}
	}
	return nil
}

// SourceProblem is the first broken source the rollup's wide table reads.
func (m *Materializer) SourceProblem(r *rollup.Rollup) error {
	for _, in := range r.Fact.Instances {
		if e := m.broken[in.Table.Name]; e != nil {
			return e
		}
	}
	return nil
}

// New pairs a checked project with an open engine and the dialect it speaks.
func New(cat *logical.Catalog, eng engine.Engine, d sqlgen.Dialect) *Materializer {
	return &Materializer{Project: cat.Project, Catalog: cat, Engine: eng, Dialect: d, Rollups: rollup.Definitions(cat)}
}

// exec runs statements one by one, cleaning the first failure for users.
func (m *Materializer) exec(ctx context.Context, stmts ...string) error {
	for _, s := range stmts {
		if err := m.Engine.Exec(ctx, s); err != nil {
			return engine.Clean(err)
		}
	}
	return nil
}

// HasState reports whether the engine holds the state tables, without writing.
func (m *Materializer) HasState(ctx context.Context) (bool, error) {
	if m.hasState.Load() {
		return true, nil
	}
	res, err := m.Engine.Query(ctx, sqlgen.StateExists(m.Dialect))
	if err != nil {
		return false, engine.Clean(err)
	}
	n, _ := res.Rows[0][0].(int64)
	m.hasState.Store(n == 2)
	return n == 2, nil
}

// EnsureState creates the state tables when they are missing.
func (m *Materializer) EnsureState(ctx context.Context) error {
	if err := m.exec(ctx, m.Dialect.StateDDL()...); err != nil {
		return err
	}
	m.hasState.Store(true)
	return nil
}

// source is a table's source view: its definition and what is recorded of it
// (the definition and, for a file, its size and time, since a view binds the
// file's columns when it is created), or "" when the table is read from the
// engine under its own name.
func (m *Materializer) source(t *model.Table) (def, record string, err error) {
	src := t.Source.Value
	if partition.IsPattern(src) {
		// A glob is expanded by the engine whenever the view is read: new
		// files need no new view.
		full := partition.Glob(src)
		if !filepath.IsAbs(full) {
			full = filepath.Join(m.Project.Dir, full)
		}
		from, err := m.Dialect.FileSource(full)
		if err != nil {
			return "", "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		if from, err = m.withAppended(t, full, from); err != nil {
			return "", "", err
		}
		def = sqlgen.SourceView(m.Dialect, t.Name, from)
		return def, def, nil
	}
	ext := strings.ToLower(filepath.Ext(src))
	if engineTable.MatchString(src) {
		ext = "" // schema.table: the dot is not an extension
	}
	switch ext {
	case ".parquet", ".csv", ".tsv":
		full := src
		if !filepath.IsAbs(full) {
			full = filepath.Join(m.Project.Dir, src)
		}
		from, err := m.Dialect.FileSource(full)
		if err != nil {
			return "", "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		if from, err = m.withAppended(t, full, from); err != nil {
			return "", "", err
		}
		def = sqlgen.SourceView(m.Dialect, t.Name, from)
		return def, def + "\n" + fileStat(full), nil
	case "":
		if src == "" || src == t.Name {
			return "", "", nil
		}
		def = sqlgen.SourceView(m.Dialect, t.Name, sqlgen.Table(m.Dialect, src))
		return def, def, nil
	default:
		return "", "", fmt.Errorf("table %s: source %s: unsupported file type %s (use .parquet or .csv)", t.Name, src, ext)
	}
}

// engineTable is a source naming a table in the engine: table or schema.table.
var engineTable = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// missingFile reports whether a table's file source does not exist.
func (m *Materializer) missingFile(t *model.Table) bool {
	src := t.Source.Value
	if partition.IsPattern(src) {
		files, err := partition.List(m.Project.Dir, src)
		return err != nil || len(files) == 0
	}
	switch strings.ToLower(filepath.Ext(src)) {
	case ".parquet", ".csv", ".tsv":
		if !filepath.IsAbs(src) {
			src = filepath.Join(m.Project.Dir, src)
		}
		_, err := os.Stat(src)
		return err != nil
	}
	return false
}

// Sources exposes every table's source to the engine as a view named after the
// table, and records each view's definition in the state. A view whose
// recorded definition is current is left alone: opening a project whose
// sources have not moved writes nothing. A source that is missing or that the
// engine cannot read is recorded as broken (BrokenSources) and the others are
// exposed all the same: one bad file affects only what reads it.
func (m *Materializer) Sources(ctx context.Context) error {
	m.broken = map[string]*SourceError{}
	recorded := map[string]string{}
	has, err := m.HasState(ctx)
	if err != nil {
		return err
	}
	if has {
		res, err := m.Engine.Query(ctx, sqlgen.ReadSources(m.Dialect))
		if err != nil {
			return engine.Clean(err)
		}
		for _, r := range res.Rows {
			name, _ := r[0].(string)
			def, _ := r[1].(string)
			recorded[name] = def
		}
	}
	for _, t := range m.Project.Tables {
		if m.missingFile(t) {
			m.broken[t.Name] = &SourceError{Table: t.Name, Source: t.Source.Value, Problem: "missing"}
			continue
		}
		def, record, err := m.source(t)
		if err != nil {
			return err
		}
		if def == "" || recorded[t.Name] == record {
			continue
		}
		if !has {
			if err := m.EnsureState(ctx); err != nil {
				return err
			}
			has = true
		}
		if err := m.exposeSource(ctx, t.Name, def, record); err != nil {
			if ctx.Err() != nil {
				return engine.Clean(err)
			}
			m.broken[t.Name] = &SourceError{Table: t.Name, Source: t.Source.Value, Problem: "unreadable", Detail: withoutPaths(engine.Clean(err).Error(), m.Project.Dir)}
		}
	}
	return nil
}

// withoutPaths removes the project directory from an engine message, which
// names files by their absolute path, so that what is left is relative to the
// project; any other absolute path is cut to its file name. Messages kept in
// the state are served by /v1/rollups: they must not map the server's disk.
// WithoutPaths makes an error message fit to leave the machine: paths under
// the project dir become relative, other absolute paths their base name.
func WithoutPaths(msg, dir string) string { return withoutPaths(msg, dir) }

func withoutPaths(msg, dir string) string {
	msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
	return absPath.ReplaceAllStringFunc(msg, func(m string) string {
		lead := absPath.FindStringSubmatch(m)[1]
		return lead + filepath.Base(m[len(lead):])
	})
}

// absPath is an absolute path with at least one directory, after the start
// of the text, a space, a quote, a parenthesis or '='.
var absPath = regexp.MustCompile(`(^|[\s'"(=])/(?:[\w.@+-]+/)+[\w.@+-]+`)

// exposeSource creates a source view and records its definition: in one
// transaction where the engine runs DDL in one, else one statement at a
// time, the view first (StarRocks and Doris: a stop between them leaves the
// record old, and the next open creates the view again).
func (m *Materializer) exposeSource(ctx context.Context, name, def, record string) error {
	rec := engine.Statement{SQL: sqlgen.RecordSource(m.Dialect), Args: []any{name, record}}
	if m.Dialect.OLAP() == nil {
		return m.Engine.ExecTx(ctx, engine.Statement{SQL: def}, rec)
	}
	var stmts []engine.Statement
	if from, ok := strings.CutPrefix(def, sqlgen.SourceView(m.Dialect, name, "")); ok {
		for _, s := range sqlgen.SourceViewStatements(m.Dialect, name, from) {
			stmts = append(stmts, engine.Statement{SQL: s})
		}
	} else {
		stmts = append(stmts, engine.Statement{SQL: def})
	}
	stmts = append(stmts, rec)
	for _, s := range stmts {
		if err := m.Engine.Exec(ctx, s.SQL, s.Args...); err != nil {
			return err
		}
	}
	return nil
}
