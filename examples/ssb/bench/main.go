// Command bench measures Strata on the Star Schema Benchmark:
//
//	go run ./examples/ssb/bench -sf 1 -runs 5 -json out.json
//
// For each of the 13 SSB queries, on the same data and with the same DuckDB
// thread count, it times five paths:
//
//   - duckdb: DuckDB alone running the hand-written star-join SQL
//     (queries/qN.M.sql) over the parquet files;
//   - raw: Strata in-process, planning the metric query (queries/qN.M.json)
//     on the raw tables (no_rollup) and running the SQL it generates;
//   - rollup: Strata in-process, the same query served by its rollup;
//   - http: the DataAPI (POST /v1/query on a loopback listener) over the same
//     warehouse, request sent to JSON read;
//   - cli: the strata binary (built first) answering `strata query -f
//     qN.M.json --format json`, process start to exit.
//
// Each time is the median of -runs runs after -warmup unmeasured ones (of
// -fast-runs for the rollup, HTTP and CLI paths, which take milliseconds, so that
// one descheduling does not move the median); the in-process paths are
// interleaved run by run. It also reports how long the rollups took to build
// and the median time to compile each query to SQL.
// Before timing, it checks that all five paths return the same answer, cell
// by cell, and that every query is served by a rollup.
//
// Data is generated when missing and cached under
// -cache/ssb-sf<SF>/data (default .strata/bench, gitignored), next to a
// copy of the project whose warehouse file is rebuilt on every run.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/examples/ssb"
	"github.com/strata-metrics/strata/examples/ssb/generate/ssbgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

type config struct {
	SF          float64 `json:"sf"`
	Seed        uint64  `json:"seed"`
	Runs        int     `json:"runs"`
	FastRuns    int     `json:"fast_runs"`
	Warmup      int     `json:"warmup"`
	Threads     int     `json:"threads"`
	CompileRuns int     `json:"compile_runs"`
	CLI         bool    `json:"cli"`
	project     string
	cache       string
	jsonOut     string
	baseline    string
	render      string
}

// Report is the JSON the benchmark writes.
type Report struct {
	Benchmark string        `json:"benchmark"`
	Started   time.Time     `json:"started"`
	Commit    string        `json:"commit,omitempty"` // git describe --always --dirty
	Config    config        `json:"config"`
	Machine   machine       `json:"machine"`
	Data      dataInfo      `json:"data"`
	Rollups   []rollupBuild `json:"rollups"`
	BuildMS   float64       `json:"rollup_build_ms_total"`
	Queries   []queryResult `json:"queries"`
	Summary   summary       `json:"summary"`
	Verified  bool          `json:"verified"`
	Problems  []string      `json:"problems,omitempty"`
}

type machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	MemoryGB  int    `json:"memory_gb"`
	OS        string `json:"os"`
	GoVersion string `json:"go_version"`
	DuckDB    string `json:"duckdb_version"`
	// LoadAvg is /proc/loadavg's 1-minute load average when the run started
	// and ended: other work on the machine shows up in the timings.
	LoadStart float64 `json:"loadavg_start"`
	LoadEnd   float64 `json:"loadavg_end"`
}

type dataInfo struct {
	Dir         string           `json:"dir"`
	Generated   bool             `json:"generated"`
	GenerateSec float64          `json:"generate_seconds,omitempty"`
	Rows        map[string]int64 `json:"rows"`
	Bytes       int64            `json:"bytes"`
}

type rollupBuild struct {
	Name    string  `json:"name"`
	Rows    int64   `json:"rows"`
	BuildMS float64 `json:"build_ms"`
}

type queryResult struct {
	Name       string  `json:"name"`
	Rows       int     `json:"rows"`
	ServedBy   string  `json:"served_by"`
	RollupRows int64   `json:"rollup_rows"`
	DuckDBMS   float64 `json:"duckdb_ms"`
	RawMS      float64 `json:"raw_ms"`
	RollupMS   float64 `json:"rollup_ms"`
	CLIMS      float64 `json:"cli_ms,omitempty"`
	HTTPMS     float64 `json:"http_ms,omitempty"`
	CompileUS  float64 `json:"compile_us"`
	// RawOverDuckDB is raw_ms / duckdb_ms: Strata's overhead on raw tables.
	RawOverDuckDB float64 `json:"raw_over_duckdb"`
	// Speedup is duckdb_ms / rollup_ms.
	Speedup float64 `json:"duckdb_over_rollup"`
	// BaselineRatio is rollup_ms / the baseline report's rollup_ms.
	BaselineRatio float64              `json:"rollup_over_baseline,omitempty"`
	Samples       map[string][]float64 `json:"samples_ms"`
}

type summary struct {
	MedianRawOverDuckDB   float64 `json:"median_raw_over_duckdb"`
	GeomeanRawOverDuckDB  float64 `json:"geomean_raw_over_duckdb"`
	MedianSpeedup         float64 `json:"median_duckdb_over_rollup"`
	GeomeanSpeedup        float64 `json:"geomean_duckdb_over_rollup"`
	MinSpeedup            float64 `json:"min_duckdb_over_rollup"`
	MedianDuckDBMS        float64 `json:"median_duckdb_ms"`
	MedianRawMS           float64 `json:"median_raw_ms"`
	MedianRollupMS        float64 `json:"median_rollup_ms"`
	MedianCLIMS           float64 `json:"median_cli_ms,omitempty"`
	MedianHTTPMS          float64 `json:"median_http_ms,omitempty"`
	MedianCompileUS       float64 `json:"median_compile_us"`
	Baseline              string  `json:"baseline,omitempty"`
	BaselineSF            float64 `json:"baseline_sf,omitempty"`
	MedianRollupOverBase  float64 `json:"median_rollup_over_baseline,omitempty"`
	MaxRollupOverBaseline float64 `json:"max_rollup_over_baseline,omitempty"`
}

func main() {
	var c config
	flag.Float64Var(&c.SF, "sf", 1, "scale factor (6,000,000 × SF lineorder rows)")
	flag.Uint64Var(&c.Seed, "seed", 1, "data generator seed")
	flag.IntVar(&c.Runs, "runs", 5, "measured runs per query and path (the median is reported)")
	flag.IntVar(&c.FastRuns, "fast-runs", 25, "measured runs for the rollup-served paths (in-process and CLI), which take milliseconds; at least -runs")
	flag.IntVar(&c.Warmup, "warmup", 1, "unmeasured runs per query and path before measuring")
	flag.IntVar(&c.Threads, "threads", runtime.NumCPU(), "DuckDB worker threads, for every path")
	flag.IntVar(&c.CompileRuns, "compile-runs", 200, "compilations per query for the compile time")
	flag.BoolVar(&c.CLI, "cli", true, "also time the strata binary")
	flag.StringVar(&c.project, "project", "examples/ssb", "the SSB project (strata.yaml, models/, queries/)")
	flag.StringVar(&c.cache, "cache", filepath.Join(".strata", "bench"), "where data and the project copy are kept")
	flag.StringVar(&c.jsonOut, "json", "", "write the report as JSON to this file")
	flag.StringVar(&c.baseline, "baseline", "", "a previous report (e.g. at SF 1) to compare rollup latencies with")
	flag.StringVar(&c.render, "render", "", "print a saved report (-json output) as Markdown tables, and run nothing")
	builds := flag.Int("builds", 0, "only time the rollup builds, each from the fact and with the lattice, alternately this many rounds, and exit")
	flag.Parse()
	if *builds > 0 {
		if err := runBuilds(context.Background(), c, *builds); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if c.render != "" {
		data, err := os.ReadFile(c.render)
		var rep Report
		if err == nil {
			err = json.Unmarshal(data, &rep)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		printMarkdown(os.Stdout, &rep)
		return
	}
	c.FastRuns = max(c.FastRuns, c.Runs)
	if !(c.SF > 0) || c.Runs < 1 || c.Warmup < 0 || c.Threads < 1 || c.CompileRuns < 1 {
		fmt.Fprintln(os.Stderr, "bench: -sf must be positive, -runs and -threads at least 1, -warmup at least 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if c.jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err == nil {
			err = os.WriteFile(c.jsonOut, append(data, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Printf("\nwrote %s\n", c.jsonOut)
	}
	if !rep.Verified {
		fmt.Fprintf(os.Stderr, "bench: the paths disagree:\n  %s\n", strings.Join(rep.Problems, "\n  "))
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, c config) (*Report, error) {
	rep := &Report{Benchmark: "ssb", Started: time.Now().UTC(), Config: c, Machine: machineInfo(), Verified: true}
	if out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output(); err == nil {
		rep.Commit = strings.TrimSpace(string(out))
	}
	sfLabel := strconv.FormatFloat(c.SF, 'f', -1, 64)
	dir, err := filepath.Abs(filepath.Join(c.cache, "ssb-sf"+sfLabel))
	if err != nil {
		return nil, err
	}
	if err := ssb.CopyProject(c.project, dir, c.Threads); err != nil {
		return nil, fmt.Errorf("copying the project: %w", err)
	}
	if err := ensureData(ctx, c, dir, &rep.Data); err != nil {
		return nil, err
	}
	queries, err := ssb.LoadQueries(dir)
	if err != nil {
		return nil, err
	}
	var baseline *Report
	if c.baseline != "" {
		data, err := os.ReadFile(c.baseline)
		if err != nil {
			return nil, err
		}
		baseline = &Report{}
		if err := json.Unmarshal(data, baseline); err != nil {
			return nil, fmt.Errorf("%s: %w", c.baseline, err)
		}
	}

	// A fresh warehouse: the rollup build is part of what is measured.
	for _, suffix := range []string{"", ".wal"} {
		if err := os.Remove(filepath.Join(dir, ".strata", "warehouse.duckdb"+suffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		return nil, fmt.Errorf("model:\n%s", diags.Format(p.Sources, 0))
	}
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		return nil, fmt.Errorf("model:\n%s", cdiags.Format(p.Sources, 0))
	}
	w, err := service.Open(ctx, cat, service.Options{Threads: c.Threads})
	if err != nil {
		return nil, err
	}
	defer func() {
		if w != nil {
			w.Close()
		}
	}()
	if v, err := w.Engine.Query(ctx, "SELECT version()"); err == nil && len(v.Rows) == 1 {
		rep.Machine.DuckDB, _ = v.Rows[0][0].(string)
	}

	logf("building %d rollups", len(p.Rollups))
	start := time.Now()
	built, err := w.Refresh(ctx, nil, func(r materializer.RefreshResult) {
		logf("  %-14s %10d rows %8.1f s", r.Name, r.Rows, r.Duration.Seconds())
	})
	if err != nil {
		return nil, err
	}
	rep.BuildMS = ms(time.Since(start))
	rollupRows := map[string]int64{}
	for _, r := range built {
		if r.Err != nil {
			return nil, fmt.Errorf("rollup %s: %w", r.Name, r.Err)
		}
		rep.Rollups = append(rep.Rollups, rollupBuild{Name: r.Name, Rows: r.Rows, BuildMS: ms(r.Duration)})
		rollupRows[r.Name] = r.Rows
	}

	// Compile: plan + rewrite + SQL, no engine.
	results := make([]queryResult, len(queries))
	for i, q := range queries {
		qr := &results[i]
		qr.Name = q.Name
		qr.Samples = map[string][]float64{}
		times := make([]float64, c.CompileRuns)
		for j := range times {
			t0 := time.Now()
			if _, err := w.Compile(q.Metric); err != nil {
				return nil, fmt.Errorf("%s: %w", q.Name, err)
			}
			times[j] = float64(time.Since(t0).Nanoseconds()) / 1e3
		}
		qr.CompileUS = banktest.Median(times)
	}

	// In-process paths, verified then timed.
	type path struct {
		name string
		run  func(q ssb.Query) ([][]any, string, error)
	}
	paths := []path{
		{"duckdb", func(q ssb.Query) ([][]any, string, error) {
			res, err := w.Engine.Query(ctx, q.SQL)
			if err != nil {
				return nil, "", err
			}
			return res.Rows, "", nil
		}},
		{"raw", func(q ssb.Query) ([][]any, string, error) {
			raw := *q.Metric
			raw.NoRollup = true
			res, err := w.Query(ctx, &raw)
			if err != nil {
				return nil, "", err
			}
			return res.Rows, res.Meta.ServedBy, nil
		}},
		{"rollup", func(q ssb.Query) ([][]any, string, error) {
			res, err := w.Query(ctx, q.Metric)
			if err != nil {
				return nil, "", err
			}
			return res.Rows, res.Meta.ServedBy, nil
		}},
	}
	answers := make([][][]any, len(queries))
	problem := func(format string, args ...any) {
		rep.Verified = false
		rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
	}
	logf("timing %d queries in-process: %d warm-up + %d runs per path, %d DuckDB threads", len(queries), c.Warmup, c.Runs, c.Threads)
	for i, q := range queries {
		qr := &results[i]
		for _, pa := range paths {
			rows, servedBy, err := pa.run(q)
			if err != nil {
				return nil, fmt.Errorf("%s on %s: %w", q.Name, pa.name, err)
			}
			switch pa.name {
			case "duckdb":
				answers[i] = rows
				qr.Rows = len(rows)
			case "raw":
				if servedBy != "raw" {
					problem("%s raw: served by %s", q.Name, servedBy)
				}
			case "rollup":
				qr.ServedBy, qr.RollupRows = servedBy, rollupRows[servedBy]
				if servedBy == "raw" {
					problem("%s: not served by a rollup", q.Name)
				}
			}
			if pa.name != "duckdb" {
				if err := ssb.CompareRows(answers[i], rows); err != nil {
					problem("%s: %s differs from the hand-written SQL: %v", q.Name, pa.name, err)
				}
			}
		}
		for range c.Warmup - 1 {
			for _, pa := range paths {
				if _, _, err := pa.run(q); err != nil {
					return nil, err
				}
			}
		}
		for range c.Runs {
			for _, pa := range paths {
				t0 := time.Now()
				if _, _, err := pa.run(q); err != nil {
					return nil, err
				}
				qr.Samples[pa.name] = append(qr.Samples[pa.name], ms(time.Since(t0)))
			}
		}
		// More samples for the millisecond path: one descheduling by another
		// process on a small machine moves a median of 5 a lot.
		for range c.FastRuns - c.Runs {
			rollup := paths[2]
			t0 := time.Now()
			if _, _, err := rollup.run(q); err != nil {
				return nil, err
			}
			qr.Samples[rollup.name] = append(qr.Samples[rollup.name], ms(time.Since(t0)))
		}
		qr.DuckDBMS, qr.RawMS, qr.RollupMS = banktest.Median(qr.Samples["duckdb"]), banktest.Median(qr.Samples["raw"]), banktest.Median(qr.Samples["rollup"])
		qr.RawOverDuckDB = qr.RawMS / qr.DuckDBMS
		qr.Speedup = qr.DuckDBMS / qr.RollupMS
		logf("  %-5s duckdb %8.2f ms  raw %8.2f ms  rollup %7.3f ms (%s)", q.Name, qr.DuckDBMS, qr.RawMS, qr.RollupMS, qr.ServedBy)
	}
	if err := timeHTTP(ctx, c, w, queries, answers, results, problem); err != nil {
		return nil, err
	}
	// The warehouse file must be free for the binary.
	w.Close()
	w = nil

	if c.CLI {
		if err := timeCLI(ctx, c, dir, queries, answers, results, problem); err != nil {
			return nil, err
		}
	}
	rep.Queries = results
	rep.Summary = summarize(results)
	rep.Machine.LoadEnd = loadAvg()
	if baseline != nil {
		compareBaseline(rep, baseline, c.baseline)
	}
	printReport(rep)
	return rep, nil
}

// ensureData generates the data set unless the cache holds it for the same
// scale factor and seed.
func ensureData(ctx context.Context, c config, dir string, info *dataInfo) error {
	dataDir := filepath.Join(dir, "data")
	marker := filepath.Join(dataDir, ".ssbgen.json")
	want := fmt.Sprintf(`{"sf": %v, "seed": %d}`, c.SF, c.Seed)
	info.Dir = dataDir
	if got, err := os.ReadFile(marker); err != nil || strings.TrimSpace(string(got)) != want {
		logf("generating SF %v (seed %d) into %s", c.SF, c.Seed, dataDir)
		os.Remove(marker)
		st, err := ssbgen.Generate(ctx, dataDir, ssbgen.Options{SF: c.SF, Seed: c.Seed})
		if err != nil {
			return err
		}
		if err := os.WriteFile(marker, []byte(want+"\n"), 0o644); err != nil {
			return err
		}
		info.Generated, info.GenerateSec = true, st.Elapsed.Seconds()
		logf("generated in %.1f s", st.Elapsed.Seconds())
	}
	sz := ssbgen.SizesFor(c.SF)
	info.Rows = map[string]int64{"lineorder": sz.Lineorder, "customer": sz.Customer, "supplier": sz.Supplier, "part": sz.Part, "date": sz.Date}
	for _, t := range ssbgen.Tables {
		fi, err := os.Stat(filepath.Join(dataDir, t.Name+".parquet"))
		if err != nil {
			return err
		}
		info.Bytes += fi.Size()
	}
	return nil
}

// timeHTTP serves the warehouse's DataAPI on a loopback listener and times
// POST /v1/query per query, from sending the request to reading the JSON.
func timeHTTP(ctx context.Context, c config, w *service.Project, queries []ssb.Query, answers [][][]any, results []queryResult, problem func(string, ...any)) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api.New(w, api.Options{})}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/v1/query"
	client := &http.Client{}
	logf("timing %d queries through the DataAPI at %s", len(queries), url)
	for i, q := range queries {
		qr := &results[i]
		body, err := os.ReadFile(q.JSONPath)
		if err != nil {
			return err
		}
		runOnce := func() ([]byte, time.Duration, error) {
			t0 := time.Now()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				return nil, 0, err
			}
			resp, err := client.Do(req)
			if err != nil {
				return nil, 0, err
			}
			out, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			d := time.Since(t0)
			if err != nil {
				return nil, 0, err
			}
			if resp.StatusCode != http.StatusOK {
				return nil, 0, fmt.Errorf("%s: HTTP %d: %s", q.Name, resp.StatusCode, out)
			}
			return out, d, nil
		}
		if qr.HTTPMS, err = timeJSONPath(c, "http", "the DataAPI", q, answers[i], qr, problem, runOnce); err != nil {
			return err
		}
	}
	return nil
}

// timeJSONPath checks one out-of-process path's JSON answer against the
// hand-written SQL's and the in-process source, then times it: -warmup runs,
// then -fast-runs samples recorded under name. It returns the median.
func timeJSONPath(c config, name, what string, q ssb.Query, want [][]any, qr *queryResult, problem func(string, ...any), runOnce func() ([]byte, time.Duration, error)) (float64, error) {
	out, _, err := runOnce()
	if err != nil {
		return 0, err
	}
	rows, servedBy, err := ssb.CLIRows(out)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", q.Name, err)
	}
	if servedBy != qr.ServedBy {
		problem("%s: %s was served by %s, in-process by %s", q.Name, what, servedBy, qr.ServedBy)
	}
	if err := ssb.CompareRows(want, rows); err != nil {
		problem("%s: %s differs from the hand-written SQL: %v", q.Name, what, err)
	}
	for range c.Warmup - 1 {
		if _, _, err := runOnce(); err != nil {
			return 0, err
		}
	}
	for range c.FastRuns {
		_, d, err := runOnce()
		if err != nil {
			return 0, err
		}
		qr.Samples[name] = append(qr.Samples[name], ms(d))
	}
	m := banktest.Median(qr.Samples[name])
	logf("  %-5s %s %8.2f ms", q.Name, name, m)
	return m, nil
}

// timeCLI builds the strata binary and times `strata query` per query.
func timeCLI(ctx context.Context, c config, dir string, queries []ssb.Query, answers [][][]any, results []queryResult, problem func(string, ...any)) error {
	tmp, err := os.MkdirTemp("", "ssb-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "strata")
	logf("building the strata binary")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "github.com/strata-metrics/strata/cmd/strata")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	logf("timing %d queries through the binary", len(queries))
	for i, q := range queries {
		qr := &results[i]
		runOnce := func() ([]byte, time.Duration, error) {
			cmd := exec.CommandContext(ctx, bin, "query", "-f", q.JSONPath, "--format", "json", "--project", dir)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			t0 := time.Now()
			err := cmd.Run()
			d := time.Since(t0)
			if err != nil {
				return nil, 0, fmt.Errorf("%s: strata query: %v\n%s", q.Name, err, stderr.String())
			}
			return stdout.Bytes(), d, nil
		}
		var err error
		if qr.CLIMS, err = timeJSONPath(c, "cli", "the CLI", q, answers[i], qr, problem, runOnce); err != nil {
			return err
		}
	}
	return nil
}

func summarize(rs []queryResult) summary {
	col := func(f func(queryResult) float64) []float64 {
		var out []float64
		for _, r := range rs {
			out = append(out, f(r))
		}
		return out
	}
	s := summary{
		MedianRawOverDuckDB:  banktest.Median(col(func(r queryResult) float64 { return r.RawOverDuckDB })),
		GeomeanRawOverDuckDB: geomean(col(func(r queryResult) float64 { return r.RawOverDuckDB })),
		MedianSpeedup:        banktest.Median(col(func(r queryResult) float64 { return r.Speedup })),
		GeomeanSpeedup:       geomean(col(func(r queryResult) float64 { return r.Speedup })),
		MinSpeedup:           minOf(col(func(r queryResult) float64 { return r.Speedup })),
		MedianDuckDBMS:       banktest.Median(col(func(r queryResult) float64 { return r.DuckDBMS })),
		MedianRawMS:          banktest.Median(col(func(r queryResult) float64 { return r.RawMS })),
		MedianRollupMS:       banktest.Median(col(func(r queryResult) float64 { return r.RollupMS })),
		MedianCompileUS:      banktest.Median(col(func(r queryResult) float64 { return r.CompileUS })),
	}
	if h := col(func(r queryResult) float64 { return r.HTTPMS }); h[0] > 0 {
		s.MedianHTTPMS = banktest.Median(h)
	}
	if cli := col(func(r queryResult) float64 { return r.CLIMS }); cli[0] > 0 {
		s.MedianCLIMS = banktest.Median(cli)
	}
	return s
}

func compareBaseline(rep, base *Report, path string) {
	byName := map[string]queryResult{}
	for _, q := range base.Queries {
		byName[q.Name] = q
	}
	var ratios []float64
	for i := range rep.Queries {
		q := &rep.Queries[i]
		if b, ok := byName[q.Name]; ok && b.RollupMS > 0 {
			q.BaselineRatio = q.RollupMS / b.RollupMS
			ratios = append(ratios, q.BaselineRatio)
		}
	}
	if len(ratios) > 0 {
		rep.Summary.Baseline, rep.Summary.BaselineSF = path, base.Config.SF
		rep.Summary.MedianRollupOverBase = banktest.Median(ratios)
		rep.Summary.MaxRollupOverBaseline = maxOf(ratios)
	}
}

func printReport(rep *Report) {
	c := rep.Config
	fmt.Printf("\nSSB at SF %v: %d lineorder rows · %d DuckDB threads · medians of %d runs (rollup and CLI: %d) after %d warm-up · DuckDB %s · commit %s\n",
		c.SF, rep.Data.Rows["lineorder"], c.Threads, c.Runs, c.FastRuns, c.Warmup, rep.Machine.DuckDB, rep.Commit)
	fmt.Printf("machine: %d CPUs (%s), %d GB RAM, %s, %s; load average %.2f at the start, %.2f at the end\n\n",
		rep.Machine.CPUs, rep.Machine.CPUModel, rep.Machine.MemoryGB, rep.Machine.OS, rep.Machine.GoVersion, rep.Machine.LoadStart, rep.Machine.LoadEnd)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := "query\trows\tduckdb ms\tstrata raw ms\traw/duckdb\trollup ms\tduckdb/rollup\thttp ms\tcli ms\tcompile µs\tserved by\trollup rows\t"
	if rep.Summary.Baseline != "" {
		head += fmt.Sprintf("rollup vs SF %v\t", rep.Summary.BaselineSF)
	}
	fmt.Fprintln(tw, head)
	for _, q := range rep.Queries {
		line := fmt.Sprintf("%s\t%d\t%.2f\t%.2f\t%.3f\t%.3f\t%.1f×\t%s\t%s\t%.0f\t%s\t%d\t",
			q.Name, q.Rows, q.DuckDBMS, q.RawMS, q.RawOverDuckDB, q.RollupMS, q.Speedup, optMS(q.HTTPMS), optMS(q.CLIMS), q.CompileUS, q.ServedBy, q.RollupRows)
		if rep.Summary.Baseline != "" {
			line += fmt.Sprintf("%.2f×\t", q.BaselineRatio)
		}
		fmt.Fprintln(tw, line)
	}
	s := rep.Summary
	line := fmt.Sprintf("median\t\t%.2f\t%.2f\t%.3f\t%.3f\t%.1f×\t%s\t%s\t%.0f\t\t\t", s.MedianDuckDBMS, s.MedianRawMS, s.MedianRawOverDuckDB, s.MedianRollupMS, s.MedianSpeedup, optMS(s.MedianHTTPMS), optMS(s.MedianCLIMS), s.MedianCompileUS)
	if s.Baseline != "" {
		line += fmt.Sprintf("%.2f×\t", s.MedianRollupOverBase)
	}
	fmt.Fprintln(tw, line)
	tw.Flush()

	fmt.Printf("\nrollups built in %.1f s:", rep.BuildMS/1000)
	for _, r := range rep.Rollups {
		fmt.Printf(" %s %d rows %.1f s;", r.Name, r.Rows, r.BuildMS/1000)
	}
	fmt.Println()
	fmt.Printf("\ntargets:\n")
	fmt.Printf("  strata raw ≤ 1.05× duckdb (median):      %.3f×  %s (geomean %.3f×)\n", s.MedianRawOverDuckDB, verdict(s.MedianRawOverDuckDB <= 1.05), s.GeomeanRawOverDuckDB)
	fmt.Printf("  rollup speedup ≥ 20× over duckdb (median): %.1f×  %s (geomean %.1f×, min %.1f×)\n", s.MedianSpeedup, verdict(s.MedianSpeedup >= 20), s.GeomeanSpeedup, s.MinSpeedup)
	if s.Baseline != "" {
		fmt.Printf("  rollup latency ≤ 2× SF %v's (median):      %.2f×  %s (max %.2f×)\n", s.BaselineSF, s.MedianRollupOverBase, verdict(s.MedianRollupOverBase <= 2), s.MaxRollupOverBaseline)
	}
	if !rep.Verified {
		fmt.Printf("\nANSWERS DISAGREE:\n  %s\n", strings.Join(rep.Problems, "\n  "))
	} else {
		fmt.Printf("\nall paths returned identical answers for all %d queries\n", len(rep.Queries))
	}
}

// printMarkdown writes a report's tables as Markdown, for BENCHMARKS.md.
func printMarkdown(out io.Writer, rep *Report) {
	c, s := rep.Config, rep.Summary
	fmt.Fprintf(out, "SF %v · %d lineorder rows · %d DuckDB threads · DuckDB %s · commit %s · load average %.1f → %.1f\n\n",
		c.SF, rep.Data.Rows["lineorder"], c.Threads, rep.Machine.DuckDB, rep.Commit, rep.Machine.LoadStart, rep.Machine.LoadEnd)
	base := s.Baseline != ""
	head := "| query | rows | DuckDB ms | Strata raw ms | raw / DuckDB | rollup ms | DuckDB / rollup | HTTP ms | CLI ms | compile µs | served by | rollup rows |"
	rule := "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
	if base {
		head += fmt.Sprintf(" rollup vs SF %v |", s.BaselineSF)
		rule += " ---: |"
	}
	fmt.Fprintln(out, head)
	fmt.Fprintln(out, rule)
	for _, q := range rep.Queries {
		line := fmt.Sprintf("| %s | %d | %.1f | %.1f | %.3f | %.2f | %.1f× | %s | %s | %.0f | `%s` | %s |",
			strings.ToUpper(q.Name[:1])+q.Name[1:], q.Rows, q.DuckDBMS, q.RawMS, q.RawOverDuckDB, q.RollupMS, q.Speedup, optMS(q.HTTPMS), optMS(q.CLIMS), q.CompileUS, q.ServedBy, thousands(q.RollupRows))
		if base {
			line += fmt.Sprintf(" %.2f× |", q.BaselineRatio)
		}
		fmt.Fprintln(out, line)
	}
	line := fmt.Sprintf("| **median** | | %.1f | %.1f | **%.3f** | %.2f | **%.1f×** | %s | %s | %.0f | | |",
		s.MedianDuckDBMS, s.MedianRawMS, s.MedianRawOverDuckDB, s.MedianRollupMS, s.MedianSpeedup, optMS(s.MedianHTTPMS), optMS(s.MedianCLIMS), s.MedianCompileUS)
	if base {
		line += fmt.Sprintf(" **%.2f×** |", s.MedianRollupOverBase)
	}
	fmt.Fprintln(out, line)
	fmt.Fprintf(out, "\nRollup builds (%.1f s in all):", rep.BuildMS/1000)
	for i, r := range rep.Rollups {
		sep := ","
		if i == len(rep.Rollups)-1 {
			sep = "."
		}
		fmt.Fprintf(out, " `%s` %.1f s%s", r.Name, r.BuildMS/1000, sep)
	}
	fmt.Fprintln(out)
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func optMS(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", v)
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func geomean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range xs {
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(xs)))
}

func minOf(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

func machineInfo() machine {
	m := machine{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, GoVersion: runtime.Version(), LoadStart: loadAvg()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemoryGB = int(math.Round(float64(kb) / (1 << 20)))
			}
		}
	}
	return m
}

// loadAvg is the 1-minute load average, or 0 where /proc/loadavg is missing.
func loadAvg() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
