package materializer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
)

// The materializer's state lives in the engine, in the _strata schema, so a
// restart loses nothing: one row per rollup naming the table that holds its
// current version.
const stateSchema = "_strata"

const stateDDL = `CREATE SCHEMA IF NOT EXISTS _strata;
CREATE TABLE IF NOT EXISTS _strata.rollups (
  name        VARCHAR PRIMARY KEY,
  table_name  VARCHAR,
  def_hash    VARCHAR,
  row_count   BIGINT,
  watermark   VARCHAR,
  built_at    TIMESTAMP,
  duration_ms DOUBLE,
  sources     VARCHAR,
  last_error  VARCHAR,
  last_try    TIMESTAMP
)`

// RollupStatus is a rollup's recorded state, for status reports.
type RollupStatus struct {
	Name       string    `json:"name"`
	Table      string    `json:"table,omitempty"`
	Hash       string    `json:"definition_hash"`
	ModelHash  string    `json:"model_hash"`
	Rows       int64     `json:"rows"`
	Watermark  string    `json:"watermark,omitempty"`
	BuiltAt    time.Time `json:"built_at,omitempty"`
	DurationMS float64   `json:"duration_ms"`
	LastError  string    `json:"last_error,omitempty"`
	Fresh      bool      `json:"fresh"`
	State      string    `json:"state"` // fresh | stale | outdated | never built | failed
}

func (w *Warehouse) ensureState(ctx context.Context) error {
	return w.Engine.Exec(ctx, stateDDL)
}

// sourceFingerprint hashes the size and modification time of every file the
// rollup's wide table reads, to notice a source changed after a build. seen,
// when not nil, keeps each file's stat for the other rollups checked at the
// same moment: their wide tables share most of their files.
func (w *Warehouse) sourceFingerprint(r *rewrite.Rollup, seen map[string]string) string {
	h := sha256.New()
	for _, in := range r.Fact.Instances {
		src := in.Table.Source.Value
		stat, ok := seen[src]
		if !ok {
			stat = w.tableStat(in.Table)
			if seen != nil {
				seen[src] = stat
			}
		}
		fmt.Fprintf(h, "%s:%s\n", in.Table.Name, stat)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

type stateRow struct {
	status  RollupStatus
	sources string
}

func (w *Warehouse) readStates(ctx context.Context) (map[string]stateRow, error) {
	res, err := w.Engine.Query(ctx, `SELECT name, COALESCE(table_name, ''), COALESCE(def_hash, ''), COALESCE(row_count, 0), COALESCE(watermark, ''), built_at, COALESCE(duration_ms, 0), COALESCE(sources, ''), COALESCE(last_error, '') FROM _strata.rollups`)
	if err != nil {
		return nil, cleanEngineError(err)
	}
	out := map[string]stateRow{}
	for _, r := range res.Rows {
		s := RollupStatus{Name: r[0].(string), Table: r[1].(string), Hash: r[2].(string), Rows: r[3].(int64), Watermark: r[4].(string), DurationMS: r[6].(float64), LastError: r[8].(string)}
		if t, ok := r[5].(time.Time); ok {
			s.BuiltAt = t
		}
		out[s.Name] = stateRow{status: s, sources: r[7].(string)}
	}
	return out, nil
}

// loadStates refreshes the rewrite's view of the built rollups.
func (w *Warehouse) loadStates(ctx context.Context) error {
	rows, err := w.readStates(ctx)
	if err != nil {
		return err
	}
	states := map[string]rewrite.State{}
	fps := map[string]string{}
	for _, r := range w.rollups {
		row, ok := rows[r.Name]
		if !ok || row.status.Table == "" {
			continue
		}
		states[r.Name] = rewrite.State{Table: row.status.Table, Hash: row.status.Hash, Rows: row.status.Rows, BuiltAt: row.status.BuiltAt}
		fps[r.Name] = row.sources
	}
	files, err := w.loadBuiltFiles(ctx)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.states, w.builtSources, w.builtFiles = states, fps, files
	w.mu.Unlock()
	return nil
}

// rewriteInput snapshots the state for one query; source files are checked
// for changes since each rollup's build.
func (w *Warehouse) rewriteInput() rewrite.Input {
	w.mu.RLock()
	defer w.mu.RUnlock()
	states := make(map[string]rewrite.State, len(w.states))
	seen := map[string]string{}
	for _, r := range w.rollups {
		st, ok := w.states[r.Name]
		if !ok {
			continue
		}
		st.SourceChanged = w.sourceFingerprint(r, seen) != w.builtSources[r.Name]
		if st.SourceChanged {
			built, ok := w.builtFiles[r.Name]
			st.Stale, _ = w.staleRanges(context.Background(), r, built, ok)
		}
		states[r.Name] = st
	}
	return rewrite.Input{Rollups: w.rollups, States: states, Now: time.Now()}
}

// Status reports every rollup's state.
func (w *Warehouse) Status(ctx context.Context) ([]RollupStatus, error) {
	rows, err := w.readStates(ctx)
	if err != nil {
		return nil, err
	}
	var out []RollupStatus
	for _, r := range w.rollups {
		row := rows[r.Name]
		s := row.status
		s.Name, s.ModelHash = r.Name, r.Hash
		switch {
		case s.Table == "" && s.LastError != "":
			s.State = "failed"
		case s.Table == "":
			s.State = "never built"
		case s.Hash != r.Hash:
			s.State = "outdated"
		case row.sources != w.sourceFingerprint(r, nil):
			s.State = "stale"
		default:
			s.State, s.Fresh = "fresh", true
		}
		out = append(out, s)
	}
	return out, nil
}

// RefreshResult reports one rollup build.
type RefreshResult struct {
	Name     string        `json:"name"`
	Rows     int64         `json:"rows"`
	Duration time.Duration `json:"duration_ns"`
	Err      error         `json:"-"`
	Error    string        `json:"error,omitempty"`
}

// Refresh builds the named rollups (all when names is empty). Each build
// writes a new table and swaps it in atomically with the state row; a failed
// build keeps the previous version serving and records the error. progress,
// when set, is called after each rollup.
func (w *Warehouse) Refresh(ctx context.Context, names []string, progress func(RefreshResult)) ([]RefreshResult, error) {
	if err := w.ensureState(ctx); err != nil {
		return nil, cleanEngineError(err)
	}
	todo, err := w.select_(names)
	if err != nil {
		return nil, err
	}
	var out []RefreshResult
	for _, r := range todo {
		res := w.build(ctx, r)
		if res.Err != nil {
			res.Error = res.Err.Error()
		}
		out = append(out, res)
		if progress != nil {
			progress(res)
		}
		if ctx.Err() != nil {
			break
		}
	}
	if err := w.loadStates(ctx); err != nil {
		return out, err
	}
	return out, nil
}

func (w *Warehouse) select_(names []string) ([]*rewrite.Rollup, error) {
	if len(names) == 0 {
		return w.rollups, nil
	}
	byName := map[string]*rewrite.Rollup{}
	var known []string
	for _, r := range w.rollups {
		byName[r.Name] = r
		known = append(known, r.Name)
	}
	var out []*rewrite.Rollup
	for _, n := range names {
		r, ok := byName[n]
		if !ok {
			sort.Strings(known)
			return nil, fmt.Errorf("unknown rollup %q (rollups: %s)", n, strings.Join(known, ", "))
		}
		out = append(out, r)
	}
	return out, nil
}

const recordFailureSQL = `INSERT INTO _strata.rollups (name, last_error, last_try) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, last_try = excluded.last_try`

const recordBuildSQL = `INSERT INTO _strata.rollups (name, table_name, def_hash, row_count, watermark, built_at, duration_ms, sources, last_error, last_try)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
ON CONFLICT (name) DO UPDATE SET table_name = excluded.table_name, def_hash = excluded.def_hash, row_count = excluded.row_count,
  watermark = excluded.watermark, built_at = excluded.built_at, duration_ms = excluded.duration_ms, sources = excluded.sources,
  last_error = NULL, last_try = excluded.last_try`

func (w *Warehouse) build(ctx context.Context, r *rewrite.Rollup) RefreshResult {
	if r.Def != nil && r.Def.Partition.Value != "" {
		return w.buildPartitioned(ctx, r)
	}
	start := time.Now()
	res := RefreshResult{Name: r.Name}
	fail := func(err error) RefreshResult {
		res.Err, res.Duration = err, time.Since(start)
		_ = w.Engine.Exec(context.WithoutCancel(ctx), recordFailureSQL, r.Name, err.Error(), time.Now().UTC())
		return res
	}
	sources := w.sourceFingerprint(r, nil)
	body, err := sqlgen.RollupBuild(w.Catalog, r, w.Dialect)
	if err != nil {
		return fail(err)
	}
	table := fmt.Sprintf("%s.r_%s_%s_%d", stateSchema, r.Name, r.Hash[:8], time.Now().UnixNano())
	qt := quoteTable(table)
	if err := w.Engine.Exec(ctx, "CREATE TABLE "+qt+" AS "+body); err != nil {
		_ = w.Engine.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+qt)
		return fail(cleanEngineError(err))
	}
	count, err := w.Engine.Query(ctx, "SELECT COUNT(*) FROM "+qt)
	if err != nil {
		_ = w.Engine.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+qt)
		return fail(cleanEngineError(err))
	}
	res.Rows = count.Rows[0][0].(int64)
	if err := w.narrowSums(ctx, r, qt); err != nil {
		_ = w.Engine.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+qt)
		return fail(cleanEngineError(err))
	}
	watermark := ""
	if r.TimeField != "" {
		if wm, err := w.Engine.Query(ctx, fmt.Sprintf("SELECT CAST(MAX(%s) AS VARCHAR) FROM %s", duckdb.QuoteIdent(r.TimeColumn()), qt)); err == nil && len(wm.Rows) == 1 && wm.Rows[0][0] != nil {
			watermark = wm.Rows[0][0].(string)
		}
	}
	old := ""
	if rows, err := w.readStates(ctx); err == nil {
		old = rows[r.Name].status.Table
	}
	res.Duration = time.Since(start)
	now := time.Now().UTC()
	stmts := []engine.Statement{{SQL: recordBuildSQL, Args: []any{r.Name, table, r.Hash, res.Rows, watermark, now, float64(res.Duration.Microseconds()) / 1000, sources, now}}}
	if old != "" && old != table {
		stmts = append(stmts, engine.Statement{SQL: "DROP TABLE IF EXISTS " + quoteTable(old)})
	}
	if err := w.Engine.ExecTx(ctx, stmts...); err != nil {
		_ = w.Engine.Exec(context.WithoutCancel(ctx), "DROP TABLE IF EXISTS "+qt)
		return fail(cleanEngineError(err))
	}
	return res
}

// narrowSums stores each sum column whose values all fit DECIMAL(18,s) (or
// BIGINT) as that type instead of the DECIMAL(38,s) (or HUGEINT) that SUM
// gives. The values are the same and so is every answer (re-aggregating with
// SUM widens again), but DuckDB scans 128-bit numbers from a warehouse file an
// order of magnitude slower than 64-bit ones, and sums dominate rollup scans.
func (w *Warehouse) narrowSums(ctx context.Context, r *rewrite.Rollup, qt string) error {
	if w.Dialect.Name() != "duckdb" {
		return nil
	}
	desc, err := w.Engine.Query(ctx, "DESCRIBE "+qt)
	if err != nil {
		return err
	}
	types := map[string]string{}
	for _, row := range desc.Rows {
		name, _ := row[0].(string)
		typ, _ := row[1].(string)
		types[name] = strings.ToUpper(typ)
	}
	var cols, scales, checks []string
	for _, m := range r.Measures {
		for _, st := range rewrite.Storages(m) {
			var scale int
			if st.Kind != "sum" {
				continue
			}
			var narrow string
			switch _, err := fmt.Sscanf(types[st.Column], "DECIMAL(38,%d)", &scale); {
			case types[st.Column] == "HUGEINT": // SUM of integers
				narrow = "BIGINT"
			case err == nil && scale <= 18:
				narrow = fmt.Sprintf("DECIMAL(18,%d)", scale)
			default:
				continue
			}
			c := duckdb.QuoteIdent(st.Column)
			cols = append(cols, c)
			scales = append(scales, narrow)
			checks = append(checks, fmt.Sprintf("COALESCE(TRY_CAST(MAX(ABS(%s)) AS %s) IS NOT NULL OR MAX(ABS(%s)) IS NULL, false)", c, narrow, c))
		}
	}
	if len(cols) == 0 {
		return nil
	}
	fits, err := w.Engine.Query(ctx, "SELECT "+strings.Join(checks, ", ")+" FROM "+qt)
	if err != nil {
		return err
	}
	for i, c := range cols {
		if ok, _ := fits.Rows[0][i].(bool); ok {
			if err := w.Engine.Exec(ctx, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s", qt, c, scales[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

func quoteTable(name string) string {
	schema, t, _ := strings.Cut(name, ".")
	return duckdb.QuoteIdent(schema) + "." + duckdb.QuoteIdent(t)
}
