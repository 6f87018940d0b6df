package materializer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/materializer/schedule"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// engineBank loads the small bank into the engine and opens the project
// with every table's source the engine table of its name; edit, when set,
// changes the model's files first.
func engineBank(t *testing.T, e enginetest.Named, edit func(dir string)) (*service.Project, sqlgen.Dialect) {
	t.Helper()
	ctx := context.Background()
	dir, p, _ := smallBank(t)
	loadProject(t, e.Engine, p)
	if edit != nil {
		edit(dir)
	}
	phys := filepath.Join(dir, "models", "physical.yaml")
	text, err := os.ReadFile(phys)
	if err != nil {
		t.Fatal(err)
	}
	engineSources := regexp.MustCompile(`source: data/(\w+)\.parquet`).ReplaceAllString(string(text), "source: $1")
	if err := os.WriteFile(phys, []byte(engineSources), 0o644); err != nil {
		t.Fatal(err)
	}
	ep, diags := model.Load(dir)
	cat, diags := logical.Validate(ep, diags)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	d, err := sqlgen.Get(e.Engine.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	w, err := service.New(ctx, cat, e.Engine, d)
	if err != nil {
		t.Fatal(err)
	}
	return w, d
}

// Hand-written answers over the raw engine tables, in portable SQL (run by
// the engine holding them).
const (
	byChannelSQL = `SELECT ch.name, SUM(CASE WHEN t.status = 'posted' THEN t.amount END), COUNT(t.txn_id)
FROM transactions t LEFT JOIN channels ch ON ch.channel_id = t.channel_id
GROUP BY ch.name ORDER BY ch.name`
	bySegmentSQL = `SELECT c.segment, SUM(CASE WHEN t.status = 'posted' THEN t.amount END), COUNT(t.txn_id)
FROM transactions t LEFT JOIN customers c ON c.customer_id = t.customer_id
GROUP BY c.segment ORDER BY c.segment IS NULL, c.segment`
)

var (
	byChannel = plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"channels.name"}, Order: []string{"channels.name"}}
	bySegment = plan.Query{Metrics: []string{"txn_amount", "txn_count"}, Dimensions: []string{"customers.segment"}, Order: []string{"customers.segment"}}
)

// A change to an engine table is seen between refreshes, by everything that
// compares fingerprints, on DuckDB and (with STRATA_TEST_MYSQL_DSN) MariaDB:
//   - rows appended to the fact: status says stale; the result cache's key
//     moves on; the query answers what hand-written SQL answers now — on
//     DuckDB through the lambda tail over exactly the changed month, which
//     explain shows, on MariaDB (partitioned rollups built whole, no
//     per-partition record) from the raw tables, explain saying the
//     rollup is stale. The refresh makes it fresh and serving again.
//   - a customer moving segment (an update in place of a dimension): the
//     rollups joining customers are stale, a query by segment is not served
//     by a tail (a dimension change can touch every partition) and answers
//     the new segments; the refresh rebuilds every partition.
//
// One engine: go test ./materializer -run 'TestEngineTableChangesSeen/mariadb'
func TestEngineTableChangesSeen(t *testing.T) {
	for _, e := range enginetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			w, d := engineBank(t, e, nil)
			m := w.Materializer()
			m.EngineStatsTTL = -1 // every look reads the tables: the edits below are seen at once
			w.EnableCache(100, 1000)
			refresh := func(names ...string) {
				t.Helper()
				res, err := w.Refresh(ctx, names, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					if r.Err != nil {
						t.Fatalf("refresh %s: %v", r.Name, r.Err)
					}
				}
			}
			state := func(name string) materializer.RollupStatus {
				t.Helper()
				sts, err := w.Status(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range sts {
					if s.Name == name {
						return s
					}
				}
				t.Fatalf("no status for %s", name)
				return materializer.RollupStatus{}
			}
			// answer checks the query against its hand-written SQL and
			// returns who served it.
			answer := func(when string, q plan.Query, sql string) string {
				t.Helper()
				got, err := w.Query(ctx, &q)
				if err != nil {
					t.Fatalf("%s: %v", when, err)
				}
				want, err := e.Engine.Query(ctx, sql)
				if err != nil {
					t.Fatalf("hand-written SQL: %v", err)
				}
				if len(want.Rows) < 2 {
					t.Fatalf("%s: the hand-written SQL returns %d rows", when, len(want.Rows))
				}
				if diff := compareRows(oracleCase{name: when, q: q, sql: sql}, got, want.Rows); diff != "" {
					t.Fatalf("%s (served by %s): %s", when, got.Meta.ServedBy, diff)
				}
				return got.Meta.ServedBy
			}
			edit := func(sql string) {
				t.Helper()
				if err := e.Engine.Exec(ctx, sql); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}

			refresh("txn_daily")
			if s := state("txn_daily"); s.State != "fresh" {
				t.Fatalf("after the build: %s", s.State)
			}
			if by := answer("after the build", byChannel, byChannelSQL); by != "txn_daily" {
				t.Fatalf("after the build: served by %s", by)
			}
			key0, ok := w.CacheKey(&byChannel)
			if !ok {
				t.Fatal("an answer over engine tables is not cacheable")
			}
			if _, err := w.Answer(ctx, &byChannel); err != nil {
				t.Fatal(err)
			}

			// Rows appended to an old month (copies with new ids, UTC times
			// inside the local July).
			edit("INSERT INTO transactions (txn_id, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date) " +
				"SELECT txn_id + 100000000, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date " +
				"FROM transactions WHERE txn_time >= '2024-07-03 00:00:00' AND txn_time < '2024-07-10 00:00:00'")
			if s := state("txn_daily"); s.State != "stale" || s.Fresh {
				t.Errorf("after an insert into the fact: state %s, fresh %v", s.State, s.Fresh)
			}
			if key1, ok := w.CacheKey(&byChannel); !ok || key1 == key0 {
				t.Errorf("the cache key did not move on with the engine table (%v)", ok)
			}
			cached, err := w.Answer(ctx, &byChannel)
			if err != nil {
				t.Fatal(err)
			}
			if cached.Meta.Cached {
				t.Error("the answer from before the insert was served from the cache")
			}
			by := answer("after the insert", byChannel, byChannelSQL)
			x, err := w.Explain(ctx, &byChannel)
			if err != nil {
				t.Fatal(err)
			}
			if d.SetColumns() {
				if by != "txn_daily+tail" || len(x.Tails) != 1 || strings.Join(x.Tails[0].FromRaw, " ") != "[2024-07-01, 2024-08-01)" {
					t.Fatalf("after the insert: served by %s, tails %+v", by, x.Tails)
				}
			} else {
				if by == "txn_daily" || !candidateSays(x, "txn_daily", "stale") {
					t.Fatalf("after the insert: served by %s, explain %+v", by, x.Rollups)
				}
			}
			refresh("txn_daily")
			if s := state("txn_daily"); s.State != "fresh" {
				t.Fatalf("after the refresh: %s", s.State)
			}
			if by := answer("after the refresh", byChannel, byChannelSQL); by != "txn_daily" {
				t.Fatalf("after the refresh: served by %s", by)
			}

			// A customer with transactions moves segment: an update in place.
			before, _ := m.Partitions(ctx, "txn_daily")
			edit("UPDATE customers SET segment = CASE WHEN segment = 'mass' THEN 'private' ELSE 'mass' END " +
				"WHERE customer_id = (SELECT id FROM (SELECT MIN(t.customer_id) AS id FROM transactions t JOIN customers c ON c.customer_id = t.customer_id WHERE t.status = 'posted') AS pick)")
			if s := state("txn_daily"); s.State != "stale" {
				t.Errorf("after a dimension update: state %s", s.State)
			}
			by = answer("after the dimension update", bySegment, bySegmentSQL)
			if strings.HasPrefix(by, "txn_daily") {
				t.Fatalf("after the dimension update: served by %s", by)
			}
			x, err = w.Explain(ctx, &bySegment)
			if err != nil {
				t.Fatal(err)
			}
			why := "stale"
			if d.SetColumns() {
				why = "a table it joins changed" // its partitions' build is recorded here
			}
			if len(x.Tails) != 0 || !candidateSays(x, "txn_daily", why) {
				t.Errorf("after the dimension update: explain %+v, tails %+v", x.Rollups, x.Tails)
			}
			time.Sleep(2 * time.Millisecond) // build times are compared below
			refresh("txn_daily")
			if by := answer("after the dimension refresh", bySegment, bySegmentSQL); by != "txn_daily" {
				t.Fatalf("after the dimension refresh: served by %s", by)
			}
			if !d.SetColumns() {
				// Partitioned rollups are built whole here (materializer.build).
				return
			}
			after, _ := m.Partitions(ctx, "txn_daily")
			old := map[string]time.Time{}
			for _, p := range before {
				old[p.Key] = p.BuiltAt
			}
			if len(after) == 0 {
				t.Fatal("txn_daily records no partitions")
			}
			for _, p := range after {
				if !p.BuiltAt.After(old[p.Key]) {
					t.Errorf("partition %s was not rebuilt after the dimension changed", p.Key)
				}
			}
		})
	}
}

func candidateSays(x *service.Explanation, rollup, word string) bool {
	for _, c := range x.Rollups {
		if c.Rollup == rollup && !c.Used && strings.Contains(c.Reason, word) {
			return true
		}
	}
	return false
}

// The scheduler sees engine-table changes: on a fake clock, rows inserted
// into the fact make txn_daily (freshness 15m; the crons removed) pending, and it is rebuilt
// within its SLA; status then says fresh, and the rollup answers what
// hand-written SQL answers. A dimension update makes it pending likewise.
//
// One engine: go test ./materializer -run 'TestSchedulerSeesEngineTables/mariadb'
func TestSchedulerSeesEngineTables(t *testing.T) {
	for _, e := range enginetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			// Without crons, only a change makes a rollup due; the tags
			// (bitmaps: DuckDB only) are left out.
			w, _ := engineBank(t, e, func(dir string) {
				path := filepath.Join(dir, "models", "rollups.yaml")
				text, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				rollups, _, _ := strings.Cut(string(text), "\ntags:")
				text = regexp.MustCompile(`cron: "[^"]*",?\s*`).ReplaceAll([]byte(rollups), nil)
				if err := os.WriteFile(path, text, 0o644); err != nil {
					t.Fatal(err)
				}
			})
			m := w.Materializer()
			m.EngineStatsTTL = -1
			if res, err := w.Refresh(ctx, nil, nil); err != nil || len(res) == 0 {
				t.Fatalf("refresh: %v", err)
			}
			clock := clockwork.NewFakeClockAt(time.Now())
			events := make(chan schedule.Event, 256)
			s, err := m.NewScheduler(ctx, materializer.SchedulerOptions{Holder: "test", Clock: clock, Poll: time.Minute,
				OnEvent: func(e schedule.Event) { events <- e },
				Refresh: func(ctx context.Context, name string) error {
					res, err := w.Refresh(ctx, []string{name}, nil)
					if err == nil && len(res) == 1 {
						err = res[0].Err
					}
					return err
				}})
			if err != nil {
				t.Fatal(err)
			}
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { _ = s.Run(runCtx); close(done) }()
			defer func() { stop(); <-done }()
			step := func() []schedule.Event {
				_ = clock.BlockUntilContext(ctx, 1)
				clock.Advance(time.Minute)
				var got []schedule.Event
				idle := time.After(300 * time.Millisecond)
				for {
					select {
					case ev := <-events:
						got = append(got, ev)
						if ev.Kind == "start" {
							idle = time.After(60 * time.Second)
						} else if ev.Kind == "done" || ev.Kind == "fail" {
							idle = time.After(300 * time.Millisecond)
						}
					case <-idle:
						return got
					}
				}
			}
			for _, ev := range step() {
				if ev.Kind == "start" && ev.Job == "txn_daily" {
					t.Fatal("txn_daily, built by the refresh, was rebuilt at start")
				}
			}
			awaitBuild := func(what string, tailOK bool) {
				t.Helper()
				landed := clock.Now()
				var built time.Time
				var seen []string
				for i := 0; i < 20 && built.IsZero(); i++ {
					for _, ev := range step() {
						seen = append(seen, fmt.Sprintf("%s %s %s", ev.Time.Sub(landed), ev.Job, ev.Kind))
						switch {
						case ev.Kind == "fail":
							t.Fatalf("%s: %v", ev.Job, ev.Err)
						case ev.Kind == "done" && ev.Job == "txn_daily":
							built = ev.Time
						}
					}
				}
				if built.IsZero() {
					t.Fatalf("%s: txn_daily was not rebuilt within 20 simulated minutes; events: %v", what, seen)
				}
				if wait := built.Sub(landed); wait > 15*time.Minute {
					t.Errorf("%s: txn_daily was rebuilt %v after the change, over its 15m SLA", what, wait)
				}
				sts, err := w.Status(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range sts {
					if st.Name == "txn_daily" && st.State != "fresh" {
						t.Errorf("%s: after the scheduled build txn_daily is %s", what, st.State)
					}
				}
				got, err := w.Query(ctx, &bySegment)
				if err != nil {
					t.Fatal(err)
				}
				want, err := e.Engine.Query(ctx, bySegmentSQL)
				if err != nil {
					t.Fatal(err)
				}
				// txn_monthly_segment (freshness 1h) may serve the fact's
				// change through its tail, never a dimension's.
				if by := got.Meta.ServedBy; by != "txn_daily" && (by != "txn_monthly_segment+tail" || !tailOK) {
					t.Errorf("%s: served by %s", what, by)
				}
				if diff := compareRows(oracleCase{name: what, q: bySegment, sql: bySegmentSQL}, got, want.Rows); diff != "" {
					t.Errorf("%s: %s", what, diff)
				}
			}
			if err := e.Engine.Exec(ctx, "INSERT INTO transactions (txn_id, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date) "+
				"SELECT txn_id + 200000000, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date "+
				"FROM transactions WHERE txn_time >= '2024-05-03 00:00:00' AND txn_time < '2024-05-05 00:00:00'"); err != nil {
				t.Fatal(err)
			}
			awaitBuild("an insert into the fact", true)
			if err := e.Engine.Exec(ctx, "UPDATE customers SET segment = CASE WHEN segment = 'mass' THEN 'affluent' ELSE 'mass' END "+
				"WHERE customer_id = (SELECT id FROM (SELECT MAX(t.customer_id) AS id FROM transactions t JOIN customers c ON c.customer_id = t.customer_id WHERE t.status = 'posted') AS pick)"); err != nil {
				t.Fatal(err)
			}
			awaitBuild("a dimension update", false)
		})
	}
}

// The lattice on engine tables: a rollup that txn_daily produces exactly
// (sums and counts by channel and month) is built from txn_daily's table,
// not the raw rows, on DuckDB and (with STRATA_TEST_MYSQL_DSN) MariaDB; the
// lineage is recorded (status built_from) and the rollup answers what
// hand-written SQL over the raw tables answers. Built again with the
// lattice off, it holds the same answer and no lineage.
//
// One engine: go test ./materializer -run 'TestLatticeOnEngineTables/mariadb'
func TestLatticeOnEngineTables(t *testing.T) {
	const extra = `  - name: txn_monthly_channel
    metrics: [txn_amount, txn_count]
    dimensions: [channels.name]
    time: { field: transactions.txn_time, grain: month }
`
	for _, e := range enginetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			w, _ := engineBank(t, e, func(dir string) {
				path := filepath.Join(dir, "models", "rollups.yaml")
				text, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				text = []byte(strings.Replace(string(text), "\ntags:", "\n"+extra+"\ntags:", 1))
				if err := os.WriteFile(path, text, 0o644); err != nil {
					t.Fatal(err)
				}
			})
			m := w.Materializer()
			check := func(when, from string) {
				t.Helper()
				sts, err := w.Status(ctx)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, s := range sts {
					if s.Name == "txn_monthly_channel" {
						found = true
						if s.State != "fresh" || s.BuiltFrom != from {
							t.Errorf("%s: txn_monthly_channel is %s, built from %q, want fresh from %q", when, s.State, s.BuiltFrom, from)
						}
					}
				}
				if !found {
					t.Fatal("txn_monthly_channel has no status")
				}
				got, err := w.Query(ctx, &byChannel)
				if err != nil {
					t.Fatal(err)
				}
				want, err := e.Engine.Query(ctx, byChannelSQL)
				if err != nil {
					t.Fatal(err)
				}
				if got.Meta.ServedBy != "txn_monthly_channel" {
					t.Errorf("%s: served by %s", when, got.Meta.ServedBy)
				}
				if diff := compareRows(oracleCase{name: when, q: byChannel, sql: byChannelSQL}, got, want.Rows); diff != "" {
					t.Errorf("%s: %s", when, diff)
				}
			}
			res, err := w.Refresh(ctx, []string{"txn_monthly_channel", "txn_daily"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatalf("%s: %v", r.Name, r.Err)
				}
			}
			check("built from the lattice", "txn_daily")
			m.NoLattice = true
			if res, err := w.Refresh(ctx, []string{"txn_monthly_channel"}, nil); err != nil || res[0].Err != nil {
				t.Fatalf("refresh without the lattice: %v %+v", err, res)
			}
			check("built from the raw tables", "")
		})
	}
}

// An engine table's fingerprint is reused for EngineStatsTTL: within it a
// change is not looked for (a burst of requests costs one aggregate per
// table), and once the cached fingerprints are dropped the change is seen.
func TestEngineStatsReusedWithinTTL(t *testing.T) {
	e := enginetest.Engines(t)[0] // DuckDB: the cache does not depend on the engine
	ctx := context.Background()
	w, _ := engineBank(t, e, nil)
	m := w.Materializer()
	m.EngineStatsTTL = time.Hour
	if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
		t.Fatalf("refresh: %v %+v", err, res)
	}
	state := func() string {
		t.Helper()
		sts, err := w.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sts {
			if s.Name == "txn_daily" {
				return s.State
			}
		}
		t.Fatal("no status for txn_daily")
		return ""
	}
	if s := state(); s != "fresh" {
		t.Fatalf("after the build: %s", s)
	}
	if err := e.Engine.Exec(ctx, "DELETE FROM transactions WHERE txn_time < '2024-02-01 00:00:00'"); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != "fresh" {
		t.Errorf("within the TTL the table was read again: %s", s)
	}
	m.ForgetEngineStats()
	if s := state(); s != "stale" {
		t.Errorf("after the cached fingerprints were dropped: %s", s)
	}
}

// countPartitionReads counts the engine's per-partition reads of the fact
// (the GROUP BY of sqlgen.SourcePartitionStats): queries naming the
// partition label and the fact and grouping.
type countPartitionReads struct {
	engine.Engine
	mu    sync.Mutex
	match string
	n     int
}

func (c *countPartitionReads) Query(ctx context.Context, q string, args ...any) (*engine.Result, error) {
	c.mu.Lock()
	if c.match != "" && q == c.match {
		c.n++
	}
	c.mu.Unlock()
	return c.Engine.Query(ctx, q, args...)
}

func (c *countPartitionReads) reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// While a fact held by the engine stays changed, the queries that read a
// partitioned rollup's tail place it with the per-partition fingerprints
// read once, not once per EngineStatsTTL: the fact's own fingerprint (one
// aggregate) says nothing moved since. A further change reads them again,
// and every answer equals the hand-written SQL's.
func TestEnginePartitionsReadOncePerChange(t *testing.T) {
	e := enginetest.Engines(t)[0] // DuckDB: the tail needs set columns
	ctx := context.Background()
	counter := &countPartitionReads{Engine: e.Engine}
	w, d := engineBank(t, enginetest.Named{Name: e.Name, Engine: counter}, nil)
	m := w.Materializer()
	m.EngineStatsTTL = 5 * time.Millisecond
	var r *rollup.Rollup
	for _, x := range m.Rollups {
		if x.Name == "txn_daily" {
			r = x
		}
	}
	if r == nil || r.Def == nil || r.Def.Partition.Value != "month" {
		t.Fatal("the bank's txn_daily is no longer partitioned by month")
	}
	q, err := sqlgen.SourcePartitionStats(w.Catalog, r, d, "month")
	if err != nil {
		t.Fatal(err)
	}
	counter.mu.Lock()
	counter.match = q
	counter.mu.Unlock()
	if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
		t.Fatalf("refresh: %v %+v", err, res)
	}
	insert := func(offset int, from, to string) {
		t.Helper()
		if err := e.Engine.Exec(ctx, fmt.Sprintf("INSERT INTO transactions (txn_id, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date) "+
			"SELECT txn_id + %d, account_id, customer_id, channel_id, amount, status, merchant_category, txn_time, value_date "+
			"FROM transactions WHERE txn_time >= '%s' AND txn_time < '%s'", offset, from, to)); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(when string) {
		t.Helper()
		got, err := w.Query(ctx, &byChannel)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if got.Meta.ServedBy != "txn_daily+tail" {
			t.Fatalf("%s: served by %s", when, got.Meta.ServedBy)
		}
		want, err := e.Engine.Query(ctx, byChannelSQL)
		if err != nil {
			t.Fatal(err)
		}
		if diff := compareRows(oracleCase{name: when, q: byChannel, sql: byChannelSQL}, got, want.Rows); diff != "" {
			t.Fatalf("%s: %s", when, diff)
		}
	}
	insert(300000000, "2024-07-03 00:00:00", "2024-07-05 00:00:00")
	before := counter.reads()
	for i := 0; i < 5; i++ {
		ask(fmt.Sprintf("query %d after an insert", i+1))
		time.Sleep(20 * time.Millisecond) // past the TTL each time
	}
	if n := counter.reads() - before; n != 1 {
		t.Errorf("five queries over one change read the partitions %d times, want 1", n)
	}
	insert(400000000, "2024-05-03 00:00:00", "2024-05-04 00:00:00")
	ask("after a second insert")
	ask("again")
	if n := counter.reads() - before; n != 2 {
		t.Errorf("after a second change the partitions were read %d times in all, want 2", n)
	}
}
