package service

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
)

// Project is a project open for queries: its catalog, its engine and the
// dialect that engine speaks, and the rollups' state as last read.
type Project struct {
	Project *model.Project
	Catalog *logical.Catalog
	Engine  engine.Engine
	Dialect sqlgen.Dialect

	m            *materializer.Materializer
	cache        *cache
	modelVersion string
	mu           sync.RWMutex
	states       map[string]rewrite.State
	builtSources map[string]string
	builtFiles   map[string]materializer.BuiltFiles
	plans        *planCache // compiled queries for this state (plancache.go)
	planStats    planStats
	// turns bounds the metric queries compiling and running at once on an
	// embedded engine (nil for a server engine): see QueryCapped.
	turns   chan struct{}
	readers readers
	flights flights
}

// Options tune Open.
type Options struct {
	// Memory opens an in-memory DuckDB instead of the project's warehouse file.
	Memory bool
	// Threads overrides the engine's thread count (0: the project's, else all cores).
	Threads int
}

// An opener opens an engine type's warehouse at path (for DuckDB, "" is in
// memory) or the server its config names, and names the dialect it speaks.
type opener func(ctx context.Context, cfg model.EngineConfig, path string, threads int) (engine.Engine, sqlgen.Dialect, error)

// openers are the engines Open can open, by engine.type; an engine adds
// itself with registerOpener in a file of its own.
var openers = map[string]opener{}

func registerOpener(engineType string, o opener) {
	if _, dup := openers[engineType]; dup {
		panic("service: engine registered twice: " + engineType)
	}
	openers[engineType] = o
}

func init() {
	registerOpener("duckdb", func(_ context.Context, _ model.EngineConfig, path string, threads int) (engine.Engine, sqlgen.Dialect, error) {
		db, err := duckdb.Open(path, threads)
		if err != nil && strings.Contains(err.Error(), "lock") {
			return nil, nil, fmt.Errorf("the warehouse %s is in use by another strata process (for example `strata serve`); query through its API, or stop it", path)
		}
		return db, sqlgen.DuckDB{}, err
	})
}

// Open opens the project's engine for queries.
func Open(ctx context.Context, cat *logical.Catalog, opts Options) (*Project, error) {
	p := cat.Project
	open, ok := openers[p.Engine.Type]
	if !ok {
		return nil, fmt.Errorf("engine %q cannot be opened by this build (engines: duckdb, mysql, starrocks, doris)", p.Engine.Type)
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
	eng, d, err := open(ctx, p.Engine, path, threads)
	if err != nil {
		return nil, err
	}
	s, err := New(ctx, cat, eng, d)
	if err != nil {
		eng.Close()
		return nil, err
	}
	return s, nil
}

// New opens a project over an open engine that speaks dialect d: the sources
// are exposed (written only when changed) and the rollups' state is read.
// Close closes the engine.
func New(ctx context.Context, cat *logical.Catalog, eng engine.Engine, d sqlgen.Dialect) (*Project, error) {
	m := materializer.New(cat, eng, d)
	m.KeepReplaced = true // readers may still scan a replaced version; see readers.go
	s := &Project{Project: cat.Project, Catalog: cat, Engine: eng, Dialect: d, m: m, modelVersion: ModelVersion(cat.Project)}
	if _, embedded := eng.(*duckdb.DB); embedded {
		s.turns = make(chan struct{}, runtime.GOMAXPROCS(0))
	}
	s.readers.init(s)
	if err := m.Sources(ctx); err != nil {
		return nil, err
	}
	// Nothing reads yet: what a killed build left behind can go.
	if _, err := m.DropOrphans(ctx); err != nil {
		return nil, err
	}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the engine.
func (s *Project) Close() error { return s.Engine.Close() }

// Materializer is the project's builder, over the same engine.
func (s *Project) Materializer() *materializer.Materializer { return s.m }

// Reload re-reads the rollups' state, after builds made elsewhere.
func (s *Project) Reload(ctx context.Context) error {
	states, fps, err := s.m.States(ctx)
	if err != nil {
		return err
	}
	files, err := s.m.LoadBuiltFiles(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.states, s.builtSources, s.builtFiles = states, fps, files
	s.plans = newPlanCache() // compiled against the old state
	s.mu.Unlock()
	return nil
}

// BrokenSources lists the tables whose source is missing or unreadable.
func (s *Project) BrokenSources() []*SourceError { return s.m.BrokenSources() }

// SourceError is a table whose source is missing or unreadable.
type SourceError = materializer.SourceError

// sourcesOf fails a plan that reads a table whose source is broken.
func (s *Project) sourcesOf(p *plan.Plan) error {
	// a built rollup answers without its sources
	return planTables(p, true, s.m.Broken)
}

// vanished is, after a failed run, a source file the plan reads raw that is
// no longer on disk (removed while the server runs): the failure is then that
// source's, answered as such, not the engine's.
func (s *Project) vanished(p *plan.Plan) error {
	return planTables(p, false, s.m.MissingNow)
}

// planTables returns the first error check gives for a table the plan's
// parts read (each fact and the tables it joins); parts served by a rollup
// are left out when skipRollups.
func planTables(p *plan.Plan, skipRollups bool, check func(table string) *SourceError) error {
	for _, pt := range p.Parts {
		if skipRollups && pt.Rollup != nil {
			continue
		}
		if e := check(pt.Fact.Fact.Name); e != nil {
			return e
		}
		for _, j := range pt.Joins {
			if in := pt.Fact.Instance(j.ToAlias); in != nil {
				if e := check(in.Table.Name); e != nil {
					return e
				}
			}
		}
	}
	return nil
}

// rollups snapshots the state for one query; source files are checked for
// changes since each rollup's build.
func (s *Project) rollups() *rewrite.Input {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rollupsLocked()
}

// rollupsLocked is rollups for a caller holding s.mu.
func (s *Project) rollupsLocked() *rewrite.Input {
	states := make(map[string]rewrite.State, len(s.states))
	seen := map[string]string{}
	for _, r := range s.m.Rollups {
		st, ok := s.states[r.Name]
		if !ok {
			continue
		}
		st.SourceChanged = s.m.Fingerprint(r, seen) != s.builtSources[r.Name]
		if st.SourceChanged {
			// A partitioned rollup whose fact files changed serves with
			// its stale partitions read raw (the lambda tail).
			built, ok := s.builtFiles[r.Name]
			st.Stale, st.StaleFiles, _ = s.m.StaleRanges(context.Background(), r, built, ok)
			if len(st.Stale) == 0 {
				st.StaleWhy = s.m.StaleWhy(r, built, ok)
			}
		}
		states[r.Name] = st
	}
	return &rewrite.Input{Rollups: s.m.Rollups, States: states, Now: time.Now()}
}

// Compile plans the query, lets the rewrite pick rollups, and renders SQL.
func (s *Project) Compile(q *plan.Query) (*compiler.Compiled, error) {
	q, err := s.withAudiencePlaceholder(q)
	if err != nil {
		return nil, err
	}
	return compiler.Compile(s.Catalog, q, s.rollups(), s.Dialect)
}

// Query compiles and runs a metric query.
func (s *Project) Query(ctx context.Context, q *plan.Query) (*Result, error) {
	return s.QueryCapped(ctx, q, 0)
}

// QueryCapped is Query reading at most maxRows+1 rows from the engine (0: no
// cap): a result over maxRows comes back with Truncated set and only the
// first rows, so that a too-wide request costs the memory of an allowed one.
//
// On an embedded engine at most GOMAXPROCS metric queries compile and run at
// once; the others wait their turn, first come first served, or until their
// context ends. DuckDB runs a query on the calling thread, so more queries at
// once than cores only share the cores by time slices: each takes longer and
// no more are done per second. Meta.TookMS is the compile and run, from the
// turn on; Meta.QueuedMS the wait for it.
func (s *Project) QueryCapped(ctx context.Context, q *plan.Query, maxRows int) (*Result, error) {
	if len(q.Semi) == 0 && (q.Audience != "" || len(q.Audiences) > 0) {
		res, err := s.audienceQuery(ctx, q)
		if err == nil && maxRows > 0 && len(res.Rows) > maxRows {
			res.Rows, res.Truncated = res.Rows[:maxRows], true
		}
		return res, err
	}
	var queued time.Duration
	if s.turns != nil {
		select {
		case s.turns <- struct{}{}:
		default: // every turn is taken: wait for one
			wait := time.Now()
			select {
			case s.turns <- struct{}{}:
				queued = time.Since(wait)
			case <-ctx.Done():
				return nil, ErrCanceled
			}
		}
		defer func() { <-s.turns }()
	}
	start := time.Now()
	c, capped, release, err := s.compileAndHold(q, maxRows)
	if err != nil {
		return nil, err
	}
	defer release()
	if err := s.sourcesOf(c.Plan); err != nil {
		return nil, err
	}
	res, err := s.run(ctx, c.SQL)
	if err != nil {
		if ctx.Err() == nil {
			if e := s.vanished(c.Plan); e != nil {
				return nil, e
			}
		}
		return nil, engine.Clean(err)
	}
	out := &Result{Columns: columnsOf(c.Plan), Rows: res.Rows, Meta: Meta{ServedBy: c.Plan.ServedBy(), SQL: c.SQL, Freshness: s.freshness(c.Plan), MaxAge: s.maxAge(c.Plan)}}
	conform(out)
	if out.Rows == nil {
		out.Rows = [][]any{}
	}
	if capped && len(out.Rows) > maxRows {
		out.Rows, out.Truncated = out.Rows[:maxRows], true
	}
	out.Meta.TookMS = float64(time.Since(start).Microseconds()) / 1000
	out.Meta.QueuedMS = float64(queued.Microseconds()) / 1000
	return out, nil
}

// run runs a compiled query, prepared and kept when the engine can: the
// compiler renders the same text for the same query over the same state,
// and a dashboard asks the same queries again and again.
func (s *Project) run(ctx context.Context, sql string) (*engine.Result, error) {
	if p, ok := s.Engine.(engine.Preparer); ok {
		return p.QueryPrepared(ctx, sql)
	}
	return s.Engine.Query(ctx, sql)
}

// Status reports every rollup's state.
func (s *Project) Status(ctx context.Context) ([]materializer.RollupStatus, error) {
	return s.m.Status(ctx)
}

// TagStatus reports every tag's state.
func (s *Project) TagStatus(ctx context.Context) ([]materializer.TagStatus, error) {
	return s.m.TagStatus(ctx)
}

// freshness is the time up to which the answer reflects the sources: the
// oldest build among the rollups serving the plan, and for raw parts the
// newest modification of the files they read (they are read as they are now).
func (s *Project) freshness(p *plan.Plan) string {
	var oldest time.Time
	s.mu.RLock()
	for _, pt := range p.Parts {
		if pt.Rollup == nil {
			continue
		}
		if t := s.states[pt.Rollup.Name].BuiltAt; oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	s.mu.RUnlock()
	if raw := s.rawFreshness(p); !raw.IsZero() && (oldest.IsZero() || raw.Before(oldest)) {
		oldest = raw
	}
	if oldest.IsZero() {
		return ""
	}
	return oldest.UTC().Format(time.RFC3339)
}
