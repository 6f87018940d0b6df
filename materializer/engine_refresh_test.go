package materializer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/materializer"
)

// TestRefreshBehaviourOnEngines checks, on every engine available (DuckDB;
// MariaDB with STRATA_TEST_MYSQL_DSN), what a refresh does to the state:
//
//  1. A first refresh builds every rollup; each state row names a table that
//     exists, and status says fresh.
//  2. A second refresh swaps in whatever it rebuilt and leaves exactly the
//     tables the state rows name (and their key tables): no replaced version
//     survives its swap.
//  3. A build that fails (a table it joins is gone) keeps the previous
//     version serving — the same table, the same answer — records the
//     error (status failed), and leaves no table of its own behind.
//
// One engine: go test ./materializer -run 'TestRefreshBehaviourOnEngines/mariadb'
func TestRefreshBehaviourOnEngines(t *testing.T) {
	w := oracleWarehouse(t)
	ctx := context.Background()
	for _, e := range enginetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			d, err := sqlgen.Get(e.Engine.Dialect())
			if err != nil {
				t.Fatal(err)
			}
			loadProject(t, e.Engine, w.Project)
			m := materializer.New(w.Catalog, e.Engine, d)
			refreshAll(t, m)
			first := statusByName(t, m)
			for name, s := range first {
				if s.State != "fresh" || !tablesOf(t, e.Engine, d)[s.Table] {
					t.Errorf("%s after its first build: %s, table %s present = %v", name, s.State, s.Table, tablesOf(t, e.Engine, d)[s.Table])
				}
			}

			refreshAll(t, m)
			second := statusByName(t, m)
			live := map[string]bool{}
			for _, s := range second {
				live[s.Table] = true
			}
			for table := range tablesOf(t, e.Engine, d) {
				if strings.HasPrefix(table, sqlgen.StateSchema+"."+sqlgen.RollupTablePrefix) && !live[versionOf(table)] {
					t.Errorf("%s is left after the second refresh (serving: %v)", table, live)
				}
			}

			q := plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name", "transactions.txn_time.month"}}
			before, servedBy := queryOn(t, e, d, m, &q)
			if servedBy != "txn_daily" && servedBy != "txn_monthly_segment" {
				t.Fatalf("the query is served by %q; the test needs a rollup", servedBy)
			}
			if len(before) == 0 {
				t.Fatal("the query returns no rows: the answers compared would say nothing")
			}
			if err := e.Engine.Exec(ctx, "ALTER TABLE channels RENAME TO channels_gone"); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = e.Engine.Exec(ctx, "ALTER TABLE channels_gone RENAME TO channels") })
			tablesBefore := tablesOf(t, e.Engine, d)
			res, err := m.Refresh(ctx, []string{servedBy}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Err == nil {
				t.Fatalf("the build without its channels table: %+v", res)
			}
			if msg := res[0].Err.Error(); !strings.Contains(msg, "channels") {
				t.Errorf("the error does not name the missing table: %s", msg)
			}
			failed := statusByName(t, m)[servedBy]
			if failed.Table != second[servedBy].Table || failed.State != "failed" || failed.LastError == "" {
				t.Errorf("after the failed build: table %s (was %s), state %s, error %q", failed.Table, second[servedBy].Table, failed.State, failed.LastError)
			}
			for table := range tablesOf(t, e.Engine, d) {
				if !tablesBefore[table] {
					t.Errorf("the failed build left %s", table)
				}
			}
			after, servedAfter := queryOn(t, e, d, m, &q)
			if servedAfter != servedBy {
				t.Errorf("served by %s after the failed build, %s before", servedAfter, servedBy)
			}
			if diff := sameResult(after, before); diff != "" {
				t.Errorf("the answer changed after the failed build: %s", diff)
			}
		})
	}
}

func refreshAll(t *testing.T, m *materializer.Materializer) {
	t.Helper()
	res, err := m.Refresh(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("building %s: %v", r.Name, r.Err)
		}
	}
}

func statusByName(t *testing.T, m *materializer.Materializer) map[string]materializer.RollupStatus {
	t.Helper()
	all, err := m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]materializer.RollupStatus{}
	for _, s := range all {
		out[s.Name] = s
	}
	return out
}

// tablesOf lists the state schema's tables, schema-qualified.
func tablesOf(t *testing.T, eng engine.Engine, d sqlgen.Dialect) map[string]bool {
	t.Helper()
	res, err := eng.Query(context.Background(), sqlgen.ListStateTables(d))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range res.Rows {
		name, _ := r[0].(string)
		out[sqlgen.StateSchema+"."+name] = true
	}
	return out
}

// versionOf is the version a rollup table belongs to: itself, or for a
// distinct-key side table (<version>_k<N>) its version.
func versionOf(table string) string {
	if i := strings.LastIndex(table, "_k"); i > 0 && strings.Trim(table[i+2:], "0123456789") == "" && i+2 < len(table) {
		return table[:i]
	}
	return table
}

// queryOn compiles q through the rewrite onto the rollups m built and runs
// it on the engine; it returns the rows and the rollup that served them.
func queryOn(t *testing.T, e enginetest.Named, d sqlgen.Dialect, m *materializer.Materializer, q *plan.Query) ([][]any, string) {
	t.Helper()
	states, _, err := m.States(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, err := compiler.Compile(m.Catalog, q, &rewrite.Input{Rollups: m.Rollups, States: states, Now: time.Now()}, d)
	if err != nil {
		t.Fatal(err)
	}
	served := "raw"
	for _, dec := range c.Decisions {
		if dec.Used {
			served = dec.Rollup
		}
	}
	res, err := e.Engine.Query(context.Background(), c.SQL)
	if err != nil {
		t.Fatalf("%s: %v\n%s", e.Name, err, c.SQL)
	}
	return res.Rows, served
}

func sameResult(a, b [][]any) string {
	if len(a) != len(b) {
		return "row counts differ"
	}
	for i := range a {
		for j := range a[i] {
			if formatRows([][]any{{a[i][j]}}, 1) != formatRows([][]any{{b[i][j]}}, 1) {
				return formatRows(a[i:i+1], 1) + " vs " + formatRows(b[i:i+1], 1)
			}
		}
	}
	return ""
}
