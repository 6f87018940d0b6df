package service_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// The plan cache spares the compile of a query asked again, and never
// outlives what the compile depended on: a source change is seen by the
// very next query (it compiles afresh, exactly as a project without the
// cache would), and a refresh starts over with the new rollup version.
func TestPlanCacheFollowsSourcesAndRefreshes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 3000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	q := func() *plan.Query {
		return &plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"branches.city"}, Order: []string{"-txn_count"}, Limit: 5}
	}
	// fresh is what a compile against the current state gives, bypassing
	// the cache; every answer must have run exactly that SQL.
	fresh := func() string {
		c, err := w.Compile(q())
		if err != nil {
			t.Fatal(err)
		}
		return c.SQL
	}
	ask := func(what string, wantCompile bool) *service.Result {
		t.Helper()
		before := w.Compiles()
		res, err := w.Query(ctx, q())
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if compiled := w.Compiles() > before; compiled != wantCompile {
			t.Fatalf("%s: compiled=%v, want %v", what, compiled, wantCompile)
		}
		if want := fresh(); res.Meta.SQL != want {
			t.Fatalf("%s: ran\n%s\nwant\n%s", what, res.Meta.SQL, want)
		}
		return res
	}
	first := ask("first", true)
	if !strings.HasPrefix(first.Meta.ServedBy, "txn_") {
		t.Fatalf("served by %q, want a rollup", first.Meta.ServedBy)
	}
	again := ask("again", false)
	if fmt.Sprint(again.Rows) != fmt.Sprint(first.Rows) {
		t.Fatalf("again: %v, first: %v", again.Rows, first.Rows)
	}
	// A capped read is another compile (its SQL reads one row past the cap).
	before := w.Compiles()
	if _, err := w.QueryCapped(ctx, &plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"branches.city"}}, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := w.QueryCapped(ctx, &plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"branches.city"}}, 4); err != nil {
		t.Fatal(err)
	}
	if w.Compiles()-before != 2 {
		t.Fatalf("two caps, %d compiles", w.Compiles()-before)
	}

	// A source the rollup reads changes: the next query sees it.
	src := filepath.Join(dir, "data", "transactions.parquet")
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	changed := ask("after a source change", true)
	if changed.Meta.SQL == first.Meta.SQL {
		t.Fatalf("after a source change the rollup's SQL still ran (served by %s)", changed.Meta.ServedBy)
	}
	ask("again after the change", true) // the state depends on the time: no reuse

	// A refresh builds new versions: compiled against them, then reused.
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	rebuilt := ask("after the refresh", true)
	if rebuilt.Meta.SQL == first.Meta.SQL || !strings.HasPrefix(rebuilt.Meta.ServedBy, "txn_") {
		t.Fatalf("after the refresh: served by %s with the old SQL=%v", rebuilt.Meta.ServedBy, rebuilt.Meta.SQL == first.Meta.SQL)
	}
	if fmt.Sprint(rebuilt.Rows) != fmt.Sprint(first.Rows) {
		t.Fatalf("the same data rebuilt answers %v, was %v", rebuilt.Rows, first.Rows)
	}
	ask("again after the refresh", false)
}

// On the embedded engine at most GOMAXPROCS metric queries run at once: with
// one turn, 16 queries started together wait for each other (QueuedMS), and
// every answer is the one a query alone gets.
func TestEmbeddedEngineTakesTurns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// Raw, so that each query takes long enough for the others to queue.
	q := func() *plan.Query {
		return &plan.Query{Metrics: []string{"txn_count", "txn_amount"}, Dimensions: []string{"branches.city"}, NoRollup: true}
	}
	alone, err := w.Query(ctx, q())
	if err != nil {
		t.Fatal(err)
	}
	if alone.Meta.QueuedMS != 0 {
		t.Fatalf("a query alone waited %.3f ms", alone.Meta.QueuedMS)
	}
	start := make(chan struct{})
	results := make([]*service.Result, 16)
	errs := make([]error, 16)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			results[i], errs[i] = w.Query(ctx, q())
		}(i)
	}
	close(start)
	wg.Wait()
	waited := 0
	for i, res := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if fmt.Sprint(res.Rows) != fmt.Sprint(alone.Rows) {
			t.Fatalf("query %d at once: %v, alone: %v", i, res.Rows, alone.Rows)
		}
		if res.Meta.QueuedMS > 0 {
			waited++
		}
	}
	if waited == 0 {
		t.Fatal("16 queries at once with one turn, none waited")
	}

	// A query whose context has ended gives up with ErrCanceled.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := w.Query(cctx, q()); !errors.Is(err, service.ErrCanceled) {
		t.Fatalf("a canceled query: %v, want ErrCanceled", err)
	}
}
