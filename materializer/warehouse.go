package materializer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/materializer/partition"
	"github.com/strata-metrics/strata/model"
)

// Warehouse is an open project: its catalog, its engine and the dialect
// that engine speaks.
type Warehouse struct {
	Project *model.Project
	Catalog *logical.Catalog
	Engine  engine.Engine
	Dialect sqlgen.Dialect

	rollups      []*rewrite.Rollup
	mu           sync.RWMutex
	states       map[string]rewrite.State
	builtSources map[string]string
	// builtFiles are the fact files each partitioned rollup's version was
	// built from; fileStats caches files' time ranges by source.
	builtFiles map[string]builtFiles
	statsMu    sync.Mutex
	fileStats  map[string][]partition.File
}

// Options tune Open.
type Options struct {
	// Memory opens an in-memory DuckDB instead of the project's warehouse file.
	Memory bool
	// Threads overrides the engine's thread count (0: the project's, else all cores).
	Threads int
}

// Open opens the project's engine and exposes every table's source to it.
func Open(ctx context.Context, p *model.Project, cat *logical.Catalog, opts Options) (*Warehouse, error) {
	if p.Engine.Type != "duckdb" {
		return nil, fmt.Errorf("engine %q: only the embedded duckdb engine can be opened by this build's CLI; set engine.type: duckdb", p.Engine.Type)
	}
	path := ""
	if !opts.Memory {
		path = p.Engine.Path
		if !filepath.IsAbs(path) {
			path = filepath.Join(p.Dir, path)
		}
	}
	threads := p.Engine.Threads
	if opts.Threads > 0 {
		threads = opts.Threads
	}
	db, err := duckdb.Open(path, threads)
	if err != nil {
		if strings.Contains(err.Error(), "lock") {
			return nil, fmt.Errorf("the warehouse %s is in use by another strata process (for example `strata serve`); query through its API, or stop it", path)
		}
		return nil, err
	}
	w := &Warehouse{Project: p, Catalog: cat, Engine: db, Dialect: sqlgen.DuckDB{}, rollups: rewrite.Definitions(cat)}
	if err := w.registerSources(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := w.ensureState(ctx); err != nil {
		db.Close()
		return nil, cleanEngineError(err)
	}
	if err := w.loadStates(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return w, nil
}

// Close closes the engine.
func (w *Warehouse) Close() error { return w.Engine.Close() }

func (w *Warehouse) registerSources(ctx context.Context, db *duckdb.DB) error {
	var missing []string
	for _, t := range w.Project.Tables {
		src := t.Source.Value
		if partition.IsPattern(src) {
			files, err := partition.List(w.Project.Dir, src)
			if err != nil || len(files) == 0 {
				missing = append(missing, fmt.Sprintf("%s (%s: no files match)", src, t.Name))
				continue
			}
			glob := partition.Glob(src)
			if !filepath.IsAbs(glob) {
				glob = filepath.Join(w.Project.Dir, glob)
			}
			if err := db.RegisterSource(ctx, t.Name, glob); err != nil {
				return fmt.Errorf("table %s: %w", t.Name, cleanEngineError(err))
			}
			continue
		}
		switch ext := strings.ToLower(filepath.Ext(src)); ext {
		case ".parquet", ".csv", ".tsv":
			full := src
			if !filepath.IsAbs(full) {
				full = filepath.Join(w.Project.Dir, src)
			}
			if _, err := os.Stat(full); err != nil {
				missing = append(missing, fmt.Sprintf("%s (%s)", src, t.Name))
				continue
			}
			if err := db.RegisterSource(ctx, t.Name, full); err != nil {
				return fmt.Errorf("table %s: %w", t.Name, cleanEngineError(err))
			}
		case "":
			if src != "" && src != t.Name {
				q := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM %s", duckdb.QuoteIdent(t.Name), duckdb.QuoteIdent(src))
				if err := db.Exec(ctx, q); err != nil {
					return fmt.Errorf("table %s: source %s: %w", t.Name, src, cleanEngineError(err))
				}
			}
		default:
			return fmt.Errorf("table %s: source %s: unsupported file type %s (use .parquet or .csv)", t.Name, src, ext)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("source files missing: %s; generate the example data with `make demo` or `go run ./examples/bank/generate`", strings.Join(missing, ", "))
	}
	return nil
}

// Column describes a result column for clients.
type Column struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Label  string `json:"label,omitempty"`
	Format string `json:"format,omitempty"`
}

// Meta says how a result was produced.
type Meta struct {
	ServedBy string  `json:"served_by"`
	SQL      string  `json:"sql"`
	TookMS   float64 `json:"took_ms"`
	// Freshness is the time up to which the answer reflects the source: the
	// serving rollups' oldest watermark; empty when served raw (always current).
	Freshness string `json:"freshness,omitempty"`
}

// Result is a metric query's answer.
type Result struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Meta    Meta     `json:"meta"`
}

// Compiled is a compiled query with the rewrite's decisions.
type Compiled struct {
	Plan      *plan.Plan
	SQL       string
	Decisions []rewrite.Decision
}

// Compile plans the query, lets the rewrite pick rollups, and renders SQL.
// A warehouse opened without an engine (compile only) plans on the raw tables.
func (w *Warehouse) Compile(q *plan.Query) (*Compiled, error) {
	p, perr := plan.Build(w.Catalog, q)
	if perr != nil {
		return nil, perr
	}
	var decisions []rewrite.Decision
	if w.Engine != nil {
		decisions = rewrite.Apply(p, w.rewriteInput())
	}
	s, err := sqlgen.Generate(p, w.Dialect)
	if err != nil {
		return nil, err
	}
	return &Compiled{Plan: p, SQL: s, Decisions: decisions}, nil
}

// Query compiles and runs a metric query.
func (w *Warehouse) Query(ctx context.Context, q *plan.Query) (*Result, error) {
	start := time.Now()
	c, err := w.Compile(q)
	if err != nil {
		return nil, err
	}
	res, err := w.Engine.Query(ctx, c.SQL)
	if err != nil {
		return nil, cleanEngineError(err)
	}
	out := &Result{Columns: columnsOf(c.Plan), Rows: res.Rows, Meta: Meta{ServedBy: c.Plan.ServedBy(), SQL: c.SQL, Freshness: w.freshness(c.Plan)}}
	if out.Rows == nil {
		out.Rows = [][]any{}
	}
	out.Meta.TookMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// freshness is the oldest build time among the rollups serving the plan.
func (w *Warehouse) freshness(p *plan.Plan) string {
	var oldest time.Time
	w.mu.RLock()
	defer w.mu.RUnlock()
	for _, pt := range p.Parts {
		if pt.Rollup == nil {
			continue
		}
		if t := w.states[pt.Rollup.Name].BuiltAt; oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	if oldest.IsZero() {
		return ""
	}
	return oldest.UTC().Format(time.RFC3339)
}

func columnsOf(p *plan.Plan) []Column {
	var cols []Column
	for _, d := range p.Dims {
		f := p.Catalog.AnyField(d.Field)
		label := ""
		if f != nil && f.Dim != nil {
			label = f.Dim.Label
		}
		cols = append(cols, Column{Name: d.Name, Type: d.Type.String(), Label: label})
	}
	for _, m := range p.Metrics {
		cols = append(cols, Column{Name: m.Name, Type: m.Type.String(), Label: m.Def.Label, Format: m.Def.Format})
	}
	return cols
}

// EngineError is an engine failure with the statement that caused it; its
// message is the engine's first line, without driver noise.
type EngineError struct {
	Msg string
	SQL string
}

func (e *EngineError) Error() string { return "the engine could not run the query: " + e.Msg }

// ErrCanceled reports a query stopped by its deadline or caller.
var ErrCanceled = engine.ErrCanceled

func cleanEngineError(err error) error {
	var ee *engine.Error
	if errors.As(err, &ee) {
		if errors.Is(ee.Err, engine.ErrCanceled) {
			return engine.ErrCanceled
		}
		msg := ee.Err.Error()
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		return &EngineError{Msg: msg, SQL: ee.SQL}
	}
	return err
}
