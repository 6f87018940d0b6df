package materializer_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/materializer/partition"
	"github.com/strata-metrics/strata/materializer/schedule"
)

var updateOLAP = flag.Bool("update", false, "rewrite the golden files of TestOLAPRefreshGolden")

// TestOLAPRefreshGolden records every statement `strata refresh` sends to a
// StarRocks or Doris cluster — no cluster runs here, so a recording engine
// answers the few reads with the scenario's state — and compares the
// sequence with testdata/olap/<engine>/<scenario>.sql. The scenarios are the
// first build, an incremental build of changed partitions, a rebuild of a
// serving table swapped in, a changed definition, nothing to do, and a
// failed full and partial build (what is cleaned up, what is recorded), a
// build by the scheduler (its lease taken and released) and a rollup removed
// from the model.
// read.sql holds queries the rewrite serves from the built tables.
//
// Each construct, checked against the engines' documentation:
//   - CREATE TABLE … AGGREGATE KEY(…) with SUM/MIN/MAX, BITMAP BITMAP_UNION and
//     HLL HLL_UNION value columns, PARTITION BY RANGE(…), DISTRIBUTED BY HASH:
//     https://docs.starrocks.io/docs/table_design/table_types/aggregate_table/,
//     https://docs.starrocks.io/docs/sql-reference/data-types/other-data-types/BITMAP/,
//     https://docs.starrocks.io/docs/sql-reference/data-types/other-data-types/HLL/;
//     Doris: https://doris.apache.org/docs/table-design/data-model/aggregate (BUCKETS AUTO:
//     its "automatic bucketing").
//   - ALTER TABLE … ADD PARTITION IF NOT EXISTS p VALUES [(lo), (hi)) — a
//     left-closed fixed range: StarRocks ALTER_TABLE "Add a partition"; Doris
//     ALTER TABLE PARTITION.
//   - INSERT INTO t (cols) query and INSERT OVERWRITE t PARTITION (p1, p2) (cols)
//     query (temporary partitions swapped in when the load succeeds):
//     https://docs.starrocks.io/docs/sql-reference/sql-statements/loading_unloading/INSERT/;
//     Doris writes INSERT OVERWRITE TABLE t PARTITION (…) (its INSERT OVERWRITE page).
//   - ALTER TABLE a SWAP WITH b: StarRocks ALTER_TABLE "Swap"; Doris
//     ALTER TABLE a REPLACE WITH TABLE b PROPERTIES('swap' = 'true'):
//     https://doris.apache.org/docs/data-operate/delete/atomicity-replace.
//   - State tables: StarRocks primary-key tables
//     (https://docs.starrocks.io/docs/table_design/table_types/primary_key_table),
//     Doris merge-on-write unique-key tables; an INSERT replaces the row of
//     its key, so a failure is recorded as a whole row.
//   - Scheduler tables and leases (compiler/sqlgen/olapsched.go): keyed state
//     tables as above; no BEGIN … COMMIT around DELETE + INSERT — StarRocks
//     SQL transactions take DELETE only on shared-data v4.0 clusters and never
//     after an INSERT of the same table
//     (https://docs.starrocks.io/docs/loading/SQL_transaction) — so a lease is
//     an INSERT … SELECT … WHERE NOT EXISTS read back, a job's state one
//     INSERT, a release a DELETE … WHERE on the keyed table (StarRocks
//     primary-key tables take any WHERE:
//     https://docs.starrocks.io/docs/sql-reference/sql-statements/table_bucket_part_index/DELETE/;
//     Doris: https://doris.apache.org/docs/data-operate/delete/delete-manual).
//   - Removed rollups: the state rows deleted and DROP TABLE IF EXISTS, one
//     statement at a time (no DDL in either engine's transactions).
//   - Reads: bitmap_union_count and hll_union_agg merge the stored columns
//     (the BITMAP and HLL pages above); Doris' DATE_TRUNC(value, unit).
//
// Run: go test ./materializer -run TestOLAPRefreshGolden (-update rewrites them).
func TestOLAPRefreshGolden(t *testing.T) {
	cat := bankOnEngineTables(t)
	var daily *rollup.Rollup
	for _, r := range rollup.Definitions(cat) {
		if r.Name == "txn_daily" {
			daily = r
		}
	}
	for _, engineType := range sqlgen.OLAPEngines {
		d, err := sqlgen.ForEngine(engineType)
		if err != nil {
			t.Fatal(err)
		}
		serving := "_strata.r_txn_daily_" + daily.Hash[:8]
		current := func(table, hash string) stateRow {
			return stateRow{table: table, hash: hash, rows: 420, watermark: "2025-03-31", builtAt: fixedTime, durationMS: 12.5}
		}
		src := map[string]int64{"2025-01-01": 1000, "2025-02-01": 900, "2025-03-01": 950}
		recorded := map[string]int64{"2025-01-01": 1000, "2025-02-01": 900, "2025-03-01": 950}
		changed := map[string]int64{"2025-01-01": 1000, "2025-02-01": 905, "2025-03-01": 950, "2025-04-01": 120}
		for _, sc := range []olapScenario{
			{name: "first_build", about: "no state yet: every rollup built into its definition's table", all: true, source: src},
			{name: "incremental", about: "February's rows changed and April arrived: those two partitions rewritten in one INSERT OVERWRITE",
				state: current(serving, daily.Hash), parts: recorded, source: changed},
			{name: "unchanged", about: "every partition's count and latest time as recorded: only the state row moves on",
				state: current(serving, daily.Hash), parts: recorded, source: src},
			{name: "rebuild_swap", about: "same definition, no partitions recorded: a build table loaded, swapped with the serving one, the old rows dropped",
				state: current(serving, daily.Hash), source: src},
			{name: "definition_changed", about: "the serving table holds another definition: the new one is built beside it, the state row moved, the old table dropped",
				state: current("_strata.r_txn_daily_0ldhash0", "0ldhash0"), source: src},
			{name: "failed_full_build", about: "the load of a rebuild fails: the build table is dropped, the previous row kept with the error",
				state: current(serving, daily.Hash), source: src, failOn: "INSERT INTO `_strata`.`r_txn_daily"},
			{name: "scheduled_build", about: "a scheduler's build: it takes txn_daily's lease, the build runs under it (changed partitions rewritten), the job's state is saved and the lease released",
				state: current(serving, daily.Hash), parts: recorded, source: changed, scheduled: true},
			{name: "removed_rollup", about: "a rollup the model no longer has: its state rows deleted and its table dropped, one statement at a time, before the build of the others",
				all: true, removed: true, source: src},
			{name: "dimension_changed", about: "every partition as recorded, but a joined table's fingerprint differs from the one recorded with the build: the rollup rebuilt whole and swapped in",
				state: current(serving, daily.Hash), parts: recorded, source: src, othersChanged: true},
			{name: "lattice", about: "txn_monthly_segment built from txn_daily's current table (re-aggregated, not the raw rows), the lineage recorded",
				state: current(serving, daily.Hash), parts: recorded, source: src, names: []string{"txn_monthly_segment"}, sourcesCurrent: true},
			{name: "failed_partial_build", about: "the partition overwrite fails: nothing to drop (a failed INSERT OVERWRITE changes nothing), the error recorded",
				state: current(serving, daily.Hash), parts: recorded, source: changed, failOn: "INSERT OVERWRITE"},
		} {
			t.Run(engineType+"/"+sc.name, func(t *testing.T) {
				rec := newRecorder(t, cat, d, sc)
				m := materializer.New(cat, rec, d)
				rec.m = m
				m.Holder = "builder:1" // the lease rows name it, not this test's pid
				var names []string
				if !sc.all {
					names = []string{"txn_daily"}
				}
				if sc.names != nil {
					names = sc.names
				}
				ctx := context.Background()
				lease := &materializer.EngineLease{Engine: rec, Dialect: d}
				if sc.scheduled {
					// What the scheduler does around Build (schedule.Scheduler):
					// take the lease, build under it, save the state, release.
					ok, _, _, err := lease.Acquire(ctx, "txn_daily", "builder:1", materializer.BuildLeaseTTL)
					if err != nil || !ok {
						t.Fatalf("lease not taken: %v", err)
					}
					ctx = materializer.WithLeaseHeld(ctx, "txn_daily")
				}
				res, err := m.Refresh(ctx, names, nil)
				if err != nil {
					t.Fatal(err)
				}
				if sc.scheduled {
					store := &materializer.EngineStore{Engine: rec, Dialect: d}
					if err := store.Save(ctx, schedule.State{Name: "txn_daily"}); err != nil {
						t.Fatal(err)
					}
					if err := lease.Release(ctx, "txn_daily", "builder:1"); err != nil {
						t.Fatal(err)
					}
				}
				for _, r := range res {
					if (r.Err != nil) != (sc.failOn != "") {
						t.Errorf("%s: error %v", r.Name, r.Err)
					}
				}
				checkOLAPGolden(t, filepath.Join("testdata", "olap", engineType, sc.name+".sql"),
					"-- strata refresh: "+sc.about+"\n\n"+strings.Join(rec.log, "\n\n")+"\n")
			})
		}
		t.Run(engineType+"/read", func(t *testing.T) {
			checkOLAPGolden(t, filepath.Join("testdata", "olap", engineType, "read.sql"), olapReads(t, cat, d))
		})
	}
}

// bankOnEngineTables loads the bank model with every source an engine table
// (ods.<table>), as a project on StarRocks or Doris declares them.
func bankOnEngineTables(t *testing.T) *logical.Catalog {
	t.Helper()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	physical := filepath.Join(dir, "models", "physical.yaml")
	b, err := os.ReadFile(physical)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`source: data/(\w+)\.parquet`).ReplaceAll(b, []byte("source: ods.$1"))
	if err := os.WriteFile(physical, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// fixedTime is the previous build's time in the scenarios.
var fixedTime = time.Date(2025, 4, 1, 2, 0, 0, 0, time.UTC)

type stateRow struct {
	table, hash, watermark string
	rows                   int64
	builtAt                time.Time
	durationMS             float64
}

type olapScenario struct {
	name, about string
	all         bool             // refresh every rollup, not only txn_daily
	state       stateRow         // txn_daily's recorded row, if any
	parts       map[string]int64 // recorded partitions: first day → source rows
	source      map[string]int64 // the source's partitions now
	failOn      string           // a statement starting so fails
	scheduled   bool             // built by the scheduler, under its lease
	removed     bool             // a rollup the model no longer has is recorded
	// othersChanged records txn_daily's joined tables with another
	// fingerprint than they have now.
	othersChanged bool
	// sourcesCurrent records txn_daily as built from its sources as they are.
	sourcesCurrent bool
	names          []string // the rollups refreshed, when not txn_daily or all
}

// recorder is an engine that logs every statement and answers the reads a
// refresh makes from the scenario.
type recorder struct {
	t       *testing.T
	name    string
	log     []string
	answers map[string]func() [][]any
	failOn  string
	m       *materializer.Materializer
}

func newRecorder(t *testing.T, cat *logical.Catalog, d sqlgen.Dialect, sc olapScenario) *recorder {
	rec := &recorder{t: t, name: d.Name(), failOn: sc.failOn, answers: map[string]func() [][]any{}}
	st := d.OLAP()
	one := func() [][]any { return [][]any{{int64(1)}} }
	rec.answers[sqlgen.StateTableExists(d, "partitions")] = one
	rec.answers[sqlgen.ReadStates(d)] = func() [][]any {
		var out [][]any
		if s := sc.state; s.table != "" {
			sources := ""
			if sc.sourcesCurrent {
				sources = rec.m.Fingerprint(rec.rollup("txn_daily"), nil)
			}
			out = append(out, []any{"txn_daily", s.table, s.hash, s.rows, s.watermark, s.builtAt, s.durationMS, sources, ""})
		}
		if sc.removed {
			out = append(out, []any{"txn_weekly", "_strata.r_txn_weekly_0ldhash0", "0ldhash0", int64(60), "2025-03-31", fixedTime, 3.5, "", ""})
		}
		return out
	}
	// The lease row read back after it is taken names this test's holder.
	rec.answers[sqlgen.ReadLease(d)] = func() [][]any {
		return [][]any{{"builder:1", time.Now().Add(materializer.BuildLeaseTTL).UnixNano()}}
	}
	// The files row of a built OLAP rollup: no files, the joined tables'
	// fingerprint as now, or another one.
	rec.answers[sqlgen.ReadFiles(d)] = func() [][]any {
		if sc.state.table == "" || sc.parts == nil {
			return nil
		}
		others := rec.m.OthersFingerprint(rec.rollup("txn_daily"))
		if sc.othersChanged {
			others = "0ld0thers0ld0th"
		}
		return [][]any{{"txn_daily", "[]", others}}
	}
	rec.answers[sqlgen.ReadPartitions(d)] = func() [][]any {
		var out [][]any
		for _, k := range sortedKeys(sc.parts) {
			out = append(out, []any{k, sc.parts[k] / 10, lastDay(k), fmt.Sprintf("%d:%s 23:59:00", sc.parts[k], lastDay(k)), fixedTime.UnixNano()})
		}
		return out
	}
	for _, r := range rollup.Definitions(cat) {
		q, err := st.SourcePartitions(cat, r)
		if err != nil {
			t.Fatal(err)
		}
		// The scenario's months, gathered into the rollup's partitions
		// (years for txn_monthly_segment).
		g := partition.Grain(sqlgen.OLAPPartitionGrain(r))
		parts, latest := map[string]int64{}, map[string]string{}
		for _, k := range sortedKeys(sc.source) {
			day, _ := time.Parse(time.DateOnly, k)
			key := g.Key(day)
			parts[key] += sc.source[k]
			latest[key] = lastDay(k)
		}
		rec.answers[q] = func() [][]any {
			var out [][]any
			for _, k := range sortedKeys(parts) {
				out = append(out, []any{k, parts[k], latest[k] + " 23:59:00"})
			}
			return out
		}
		rec.answers[sqlgen.PartitionStats(d, r, "_strata.r_"+r.Name+"_"+r.Hash[:8], string(g))] = func() [][]any {
			var out [][]any
			for _, k := range sortedKeys(parts) {
				out = append(out, []any{k, parts[k] / 10, latest[k]})
			}
			return out
		}
	}
	return rec
}

func lastDay(first string) string {
	t, _ := time.Parse(time.DateOnly, first)
	return t.AddDate(0, 1, -1).Format(time.DateOnly)
}

func sortedKeys(m map[string]int64) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var _ engine.Engine = (*recorder)(nil)

func (r *recorder) rollup(name string) *rollup.Rollup {
	for _, x := range r.m.Rollups {
		if x.Name == name {
			return x
		}
	}
	r.t.Fatalf("no rollup %s", name)
	return nil
}

func (r *recorder) Dialect() string { return r.name }
func (r *recorder) Close() error    { return nil }

func (r *recorder) Query(_ context.Context, sql string, args ...any) (*engine.Result, error) {
	r.record("", sql, args)
	if f, ok := r.answers[sql]; ok {
		return &engine.Result{Rows: f()}, nil
	}
	// An engine table's fingerprint (materializer.EngineTableStat): one
	// aggregate over the table, the same answer at every read.
	if strings.HasPrefix(sql, "SELECT COUNT(*), ") && strings.Contains(sql, "murmur_hash3_32(") && !strings.Contains(sql, "GROUP BY") {
		return &engine.Result{Rows: [][]any{{int64(1000), "2025-03-31 23:59:00", "123456789"}}}, nil
	}
	r.t.Errorf("the recording engine has no answer for:\n%s", sql)
	return nil, &engine.Error{SQL: sql, Err: errors.New("no answer")}
}

func (r *recorder) Exec(_ context.Context, sql string, args ...any) error {
	r.record("", sql, args)
	if r.failOn != "" && strings.HasPrefix(sql, r.failOn) {
		return &engine.Error{SQL: sql, Err: errors.New("Memory of process exceed limit")}
	}
	return nil
}

func (r *recorder) ExecTx(ctx context.Context, stmts ...engine.Statement) error {
	r.log = append(r.log, "BEGIN;")
	for _, s := range stmts {
		if err := r.Exec(ctx, s.SQL, s.Args...); err != nil {
			r.log = append(r.log, "ROLLBACK;")
			return err
		}
	}
	r.log = append(r.log, "COMMIT;")
	return nil
}

// buildSuffix is the time in a build table's name.
var buildSuffix = regexp.MustCompile(`_b\d{19}`)

// record logs one statement with its arguments; values that depend on the
// clock are shown as <now>.
func (r *recorder) record(_ string, sql string, args []any) {
	s := buildSuffix.ReplaceAllString(sql, "_b<now>") + ";"
	if len(args) > 0 {
		shown := make([]string, len(args))
		for i, a := range args {
			shown[i] = showArg(a)
		}
		s += "\n-- args: " + strings.Join(shown, ", ")
	}
	r.log = append(r.log, s)
}

func showArg(a any) string {
	near := func(t time.Time) bool { return time.Since(t).Abs() < time.Hour }
	switch v := a.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if near(v) {
			return "<now>"
		}
		return v.Format(time.DateTime)
	case int64:
		if v > 1e18 && near(time.Unix(0, v)) {
			return "<now>"
		}
		return fmt.Sprint(v)
	case float64:
		if v != 12.5 { // the scenarios' previous duration
			return "<ms>"
		}
		return fmt.Sprint(v)
	case string:
		if first, _, long := strings.Cut(v, "\n"); long && len(v) > 120 {
			return fmt.Sprintf("%q…(%d lines)", first, strings.Count(v, "\n"))
		}
		return fmt.Sprintf("%q", buildSuffix.ReplaceAllString(v, "_b<now>"))
	}
	return fmt.Sprint(a)
}

// olapReads compiles queries the built txn_daily serves.
func olapReads(t *testing.T, cat *logical.Catalog, d sqlgen.Dialect) string {
	rollups := rollup.Definitions(cat)
	states := map[string]rewrite.State{}
	for _, r := range rollups {
		states[r.Name] = rewrite.State{Table: "_strata.r_" + r.Name + "_" + r.Hash[:8], Hash: r.Hash, Rows: 420, BuiltAt: time.Now()}
	}
	in := &rewrite.Input{Rollups: rollups, States: states, Now: time.Now()}
	var out []string
	for _, q := range []plan.Query{
		{Metrics: []string{"active_customers", "approx_customers", "txn_amount"}, Dimensions: []string{"customers.segment", "transactions.txn_time.month"}},
		{Metrics: []string{"avg_amount", "max_txn"}, Dimensions: []string{"channels.name"}, Where: "transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-03-01'"},
		{Metrics: []string{"app_users"}, Dimensions: []string{"app_events.device"}},
	} {
		c, err := compiler.Compile(cat, &q, in, d)
		if err != nil {
			t.Fatal(err)
		}
		served := ""
		for _, dec := range c.Decisions {
			if dec.Used {
				served = dec.Rollup
			}
		}
		if served == "" {
			t.Errorf("%v is not served by a rollup", q.Metrics)
		}
		out = append(out, fmt.Sprintf("-- %s by %s, served by %s\n%s;", strings.Join(q.Metrics, ", "), strings.Join(q.Dimensions, ", "), served, c.SQL))
	}
	return strings.Join(out, "\n\n") + "\n"
}

func checkOLAPGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateOLAP {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
