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
	"github.com/strata-metrics/strata/materializer/schedule"
)

// Two processes on one MariaDB warehouse — a worker's scheduler, as
// `strata materialize` runs it, asked to build every rollup, and a
// `strata refresh` of every rollup at the same time — three rounds with new
// transactions landing between them. Each has its own connections and its
// own lease holder name. Neither sees an engine error (whoever finds the
// other building waits for its lease, then builds or finds the work done);
// afterwards exactly one version of each rollup is left, and the
// rollup-served answer equals hand-written SQL over the raw tables.
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
	var mu sync.Mutex
	var outcome map[string]string // rollup → how the scheduler's build of this round ended
	rollups := map[string]bool{}
	for _, r := range worker.Rollups {
		rollups[r.Name] = true
	}
	sched, err := worker.NewScheduler(ctx, materializer.SchedulerOptions{
		Holder: worker.Holder,
		Poll:   50 * time.Millisecond,
		OnEvent: func(ev schedule.Event) {
			if ev.Kind == "wait" {
				n, _ := waits.LoadOrStore(worker.Holder, new(int))
				*n.(*int)++
			}
			if !rollups[ev.Job] || (ev.Kind != "done" && ev.Kind != "skip" && ev.Kind != "fail" && ev.Kind != "cancel") {
				return
			}
			mu.Lock()
			if outcome != nil {
				outcome[ev.Job] = ev.Kind
			}
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- sched.Run(runCtx) }()
	defer func() {
		stop()
		<-ran
	}()
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
		// The worker's scheduler is asked to build every rollup (as its cron
		// would) while the other process runs `strata refresh`.
		mu.Lock()
		outcome = map[string]string{}
		mu.Unlock()
		for _, r := range worker.Rollups {
			if err := sched.Trigger(r.Name); err != nil {
				t.Fatal(err)
			}
		}
		res, err := cli.Refresh(waited(cli), nil, nil)
		if err != nil {
			t.Fatalf("round %d, the refresh: %v", round, err)
		}
		for _, r := range res {
			var running *materializer.BuildRunningError
			if r.Err != nil && !errors.As(r.Err, &running) {
				t.Errorf("round %d, the refresh of %s: %v", round, r.Name, r.Err)
			}
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mu.Lock()
			n := len(outcome)
			mu.Unlock()
			if n == len(worker.Rollups) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the scheduler finished %d of %d triggered builds in 2 minutes", round, n, len(worker.Rollups))
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		t.Logf("round %d, the scheduler's builds: %v", round, outcome)
		for name, kind := range outcome {
			if kind != "done" && kind != "skip" {
				t.Errorf("round %d: the scheduler's build of %s ended %s", round, name, kind)
			}
		}
		mu.Unlock()

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
