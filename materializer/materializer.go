package materializer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
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

	// hasState is set once the state tables are known to exist: they are
	// never dropped, so a reader asks the engine only until it sees them.
	hasState atomic.Bool
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
	switch ext := strings.ToLower(filepath.Ext(src)); ext {
	case ".parquet", ".csv", ".tsv":
		full := src
		if !filepath.IsAbs(full) {
			full = filepath.Join(m.Project.Dir, src)
		}
		from, err := m.Dialect.FileSource(full)
		if err != nil {
			return "", "", fmt.Errorf("table %s: %w", t.Name, err)
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

// missingFiles lists the file sources that do not exist.
func (m *Materializer) missingFiles() []string {
	var missing []string
	for _, t := range m.Project.Tables {
		src := t.Source.Value
		switch strings.ToLower(filepath.Ext(src)) {
		case ".parquet", ".csv", ".tsv":
			if !filepath.IsAbs(src) {
				src = filepath.Join(m.Project.Dir, src)
			}
			if _, err := os.Stat(src); err != nil {
				missing = append(missing, fmt.Sprintf("%s (%s)", t.Source.Value, t.Name))
			}
		}
	}
	return missing
}

// Sources exposes every table's source to the engine as a view named after the
// table, and records each view's definition in the state. A view whose
// recorded definition is current is left alone: opening a project whose
// sources have not moved writes nothing.
func (m *Materializer) Sources(ctx context.Context) error {
	if missing := m.missingFiles(); len(missing) > 0 {
		return fmt.Errorf("source files missing: %s; generate the example data with `make demo` or `go run ./examples/bank/generate`", strings.Join(missing, ", "))
	}
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
		if err := m.Engine.ExecTx(ctx, engine.Statement{SQL: def}, engine.Statement{SQL: sqlgen.RecordSource(m.Dialect), Args: []any{t.Name, record}}); err != nil {
			return fmt.Errorf("table %s: source %s: %w", t.Name, t.Source.Value, engine.Clean(err))
		}
	}
	return nil
}
