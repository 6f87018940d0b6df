package materializer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/materializer"
)

// Two processes on one MariaDB warehouse — a worker's scheduler and a
// `strata refresh` — refresh every rollup at the same time, three rounds
// with new transactions landing between them. Each has its own connections
// and its own lease holder name. Neither sees an engine error (a refresh
// that finds the other building waits for its lease, then builds or finds
// the work done); afterwards exactly one version of each rollup is left,
// and the rollup-served answer equals hand-written SQL over the raw tables.
//
// Run: go test ./materializer -run TestTwoProcessesRefreshOneMariaDB
// with STRATA_TEST_MYSQL_DSN (see engine/enginetest).
func TestTwoProcessesRefreshOneMariaDB(t *testing.T) {
	w := oracleWarehouse(t)
	ctx := context.Background()
	one, dsn := enginetest.OpenMySQL(t, mysql.Config{})
	two, err := mysql.Open(ctx, mysql.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	d, err := sqlgen.Get(one.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	loadProject(t, one, w.Project)
	worker := materializer.New(w.Catalog, one, d)
	worker.Holder = "worker-host:1"
	cli := materializer.New(w.Catalog, two, d)
	cli.Holder = "cli-host:2"

	q := plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name"}}
	const oracle = `SELECT c.name, SUM(CASE WHEN t.status = 'posted' THEN t.amount END), COUNT(t.txn_id)
FROM transactions t LEFT JOIN channels c ON t.channel_id = c.channel_id GROUP BY c.name`
	prev := ""
	var waits sync.Map // holder → times told to wait for the other's lease
	waited := func(m *materializer.Materializer) context.Context {
		return materializer.WithLeaseWait(ctx, func(rollup, holder string, _ time.Time) {
			n, _ := waits.LoadOrStore(m.Holder, new(int))
			*n.(*int)++
		})
	}
	for round := 1; round <= 3; round++ {
		if round > 1 { // new transactions land: copies of every 40th with new ids
			for _, s := range []string{
				"DROP TABLE IF EXISTS landing",
				"CREATE TABLE landing AS SELECT * FROM transactions WHERE txn_id % 40 = 0",
				fmt.Sprintf("UPDATE landing SET txn_id = txn_id + %d", round*100_000_000),
				"INSERT INTO transactions SELECT * FROM landing",
				"DROP TABLE landing",
			} {
				if err := one.Exec(ctx, s); err != nil {
					t.Fatalf("round %d: %s: %v", round, s, err)
				}
			}
		}
		var wg sync.WaitGroup
		results := make([][]materializer.RefreshResult, 2)
		for i, m := range []*materializer.Materializer{worker, cli} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := m.Refresh(waited(m), nil, nil)
				if err != nil {
					t.Errorf("round %d, %s: %v", round, m.Holder, err)
				}
				results[i] = res
			}()
		}
		wg.Wait()
		for i, res := range results {
			for _, r := range res {
				var running *materializer.BuildRunningError
				if r.Err != nil && !errors.As(r.Err, &running) {
					t.Errorf("round %d, process %d, %s: %v", round, i+1, r.Name, r.Err)
				}
			}
		}

		live := map[string]bool{}
		for name, s := range statusByName(t, worker) {
			if s.State != "fresh" {
				t.Errorf("round %d: %s is %s after both refreshes (%s)", round, name, s.State, s.LastError)
			}
			live[s.Table] = true
		}
		for table := range tablesOf(t, one, d) {
			if strings.HasPrefix(table, sqlgen.StateSchema+"."+sqlgen.RollupTablePrefix) && !live[versionOf(table)] {
				t.Errorf("round %d: %s is left beside the serving versions", round, table)
			}
		}
		for i, m := range []*materializer.Materializer{worker, cli} {
			got, servedBy := queryOn(t, enginetest.Named{Name: "mariadb", Engine: m.Engine}, d, m, &q)
			if servedBy == "raw" {
				t.Errorf("round %d, process %d: the query is not served by a rollup", round, i+1)
			}
			want, err := one.Query(ctx, oracle)
			if err != nil {
				t.Fatal(err)
			}
			g, wa := sortedRows(got), sortedRows(want.Rows)
			if i == 0 {
				if text := formatRows(wa, 100); text == prev {
					t.Fatalf("round %d: the raw answer did not change with the new rows; the test compares nothing new", round)
				} else {
					prev = text
				}
			}
			same := len(g) == len(wa) && len(g) > 0
			for r := 0; same && r < len(g); r++ {
				for c := range g[r] {
					if compareCells(g[r][c], wa[r][c]) != 0 { // values: MariaDB sums counts as DECIMAL
						same = false
					}
				}
			}
			if !same {
				t.Errorf("round %d, process %d (served by %s):\n%s\nraw SQL:\n%s", round, i+1, servedBy, formatRows(g, 100), formatRows(wa, 100))
			}
		}
	}
	total := 0
	waits.Range(func(_, n any) bool { total += *n.(*int); return true })
	if total == 0 {
		t.Error("in three rounds of simultaneous refreshes neither process ever waited for the other's lease")
	}
	t.Logf("lease waits over three rounds: %d", total)
}
