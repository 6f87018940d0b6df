package materializer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/materializer"
)

// A tag build takes the tag's lease row — the one the scheduler takes for
// the tag's job (tag:NAME) — as rollup builds take theirs: while another
// process holds high_value's lease, RefreshTags (what `strata refresh` and
// the DataAPI's refresh call) is told who holds it and waits, builds once
// the holder releases it and releases the lease after; a refresh that stops
// waiting says which process was building, and the tag's version and state
// are left as they were.
func TestTagRefreshWaitsForAnotherProcesssLease(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := smallBank(t)
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := w.Materializer()
	if res, err := m.RefreshTags(ctx, []string{"high_value"}, nil); err != nil || len(res) == 0 {
		t.Fatalf("first build: %v %+v", err, res)
	}
	job := materializer.TagJobPrefix + "high_value"
	lease := &materializer.EngineLease{Engine: w.Engine, Dialect: sqlgen.DuckDB{}}
	if ok, _, _, err := lease.Acquire(ctx, job, "worker:42", time.Minute); err != nil || !ok {
		t.Fatalf("taking the lease as another process: %v %v", ok, err)
	}
	before, err := m.TagStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}

	told := make(chan string, 4)
	wctx := materializer.WithLeaseWait(ctx, func(name, holder string, until time.Time) { told <- name + " " + holder })
	done := make(chan []materializer.TagResult, 1)
	go func() {
		res, err := m.RefreshTags(wctx, []string{"high_value"}, nil)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case got := <-told:
		if got != job+" worker:42" {
			t.Fatalf("told %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the tag refresh never said it waits for the lease")
	}
	select {
	case res := <-done:
		t.Fatalf("the tag refresh built while another process held the lease: %+v", res)
	case <-time.After(700 * time.Millisecond):
	}
	if holder, _, err := lease.Holder(ctx, job); err != nil || holder != "worker:42" {
		t.Fatalf("the waiting refresh took the lease: %q %v", holder, err)
	}
	if err := lease.Release(ctx, job, "worker:42"); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		built := false
		for _, r := range res {
			if r.Err != nil {
				t.Errorf("after the release: %s: %v", r.Name, r.Err)
			}
			built = built || (r.Name == "high_value" && r.Members > 0)
		}
		if !built {
			t.Fatalf("after the release, high_value was not built: %+v", res)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the tag refresh did not build once the lease was released")
	}
	if holder, _, err := lease.Holder(ctx, job); err != nil || holder != "" {
		t.Fatalf("the tag refresh kept its lease after building: %q %v", holder, err)
	}

	// A refresh that gives up waiting says who builds; nothing changed.
	before, err = m.TagStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _, err := lease.Acquire(ctx, job, "worker:42", time.Minute); err != nil || !ok {
		t.Fatalf("retaking the lease: %v %v", ok, err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	res, err := m.RefreshTags(short, []string{"high_value"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var running *materializer.BuildRunningError
	if len(res) != 1 || !errors.As(res[0].Err, &running) || running.Holder != "worker:42" || res[0].Name != "high_value" {
		t.Fatalf("a tag refresh that stopped waiting: %+v", res)
	}
	after, err := m.TagStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != len(after) {
		t.Fatalf("tag status: %d rows before, %d after", len(before), len(after))
	}
	for i := range before {
		if !before[i].BuiltAt.Equal(after[i].BuiltAt) || before[i].LastError != after[i].LastError || before[i].Members != after[i].Members {
			t.Errorf("%s changed while another process held its lease: %+v → %+v", before[i].Name, before[i], after[i])
		}
	}
	if err := lease.Release(ctx, job, "worker:42"); err != nil {
		t.Fatal(err)
	}
}

// The scheduler's tag job already holds the tag's lease: its build does not
// wait for itself.
func TestScheduledTagBuildUsesTheLeaseItHolds(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := smallBank(t)
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := w.Materializer()
	job := materializer.TagJobPrefix + "high_value"
	lease := &materializer.EngineLease{Engine: w.Engine, Dialect: sqlgen.DuckDB{}}
	if ok, _, _, err := lease.Acquire(ctx, job, "scheduler:7", time.Minute); err != nil || !ok {
		t.Fatalf("taking the lease as the scheduler: %v %v", ok, err)
	}
	held := materializer.WithLeaseWait(materializer.WithLeaseHeld(ctx, job), func(name, holder string, until time.Time) {
		t.Errorf("the scheduled build waited for %s's lease, held by %s", name, holder)
	})
	short, cancel := context.WithTimeout(held, 60*time.Second)
	defer cancel()
	res, err := m.RefreshTags(short, []string{"high_value"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Name, r.Err)
		}
	}
}

// The population of a tag's entity, which each tag refresh rebuilds, is
// leased too: while another process holds its lease, a refresh of a tag of
// that entity waits, then builds both once it is released, and lets go.
func TestTagRefreshWaitsForThePopulationsLease(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := smallBank(t)
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := w.Materializer()
	pop := materializer.TagJobPrefix + materializer.PopulationName("customers")
	lease := &materializer.EngineLease{Engine: w.Engine, Dialect: sqlgen.DuckDB{}}
	if ok, _, _, err := lease.Acquire(ctx, pop, "worker:42", time.Minute); err != nil || !ok {
		t.Fatalf("taking the population's lease as another process: %v %v", ok, err)
	}
	told := make(chan string, 4)
	wctx := materializer.WithLeaseWait(ctx, func(name, holder string, until time.Time) { told <- name + " " + holder })
	done := make(chan []materializer.TagResult, 1)
	go func() {
		res, err := m.RefreshTags(wctx, []string{"high_value"}, nil)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case got := <-told:
		if got != pop+" worker:42" {
			t.Fatalf("told %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the tag refresh never said it waits for the population's lease")
	}
	select {
	case res := <-done:
		t.Fatalf("the tag refresh built while another process held the population's lease: %+v", res)
	case <-time.After(500 * time.Millisecond):
	}
	if err := lease.Release(ctx, pop, "worker:42"); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		names := map[string]bool{}
		for _, r := range res {
			if r.Err != nil {
				t.Errorf("after the release: %s: %v", r.Name, r.Err)
			}
			names[r.Name] = true
		}
		if !names["high_value"] || !names[materializer.PopulationName("customers")] {
			t.Fatalf("after the release, the tag and its population were not both built: %+v", res)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the tag refresh did not build once the population's lease was released")
	}
	for _, l := range []string{pop, materializer.TagJobPrefix + "high_value"} {
		if holder, _, err := lease.Holder(ctx, l); err != nil || holder != "" {
			t.Errorf("the tag refresh kept the lease %s after building: %q %v", l, holder, err)
		}
	}
}

// Status knows each rollup's next run without a scheduler ever having run,
// as one started now would see it: a rollup never built is due at once, one
// built by a refresh on its next cron tick (txn_daily: every 10 minutes).
func TestStatusKnowsTheNextRunWithoutAScheduler(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := smallBank(t)
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func() time.Time {
		t.Helper()
		sts, err := w.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sts {
			if s.Name == "txn_daily" {
				return s.NextRun
			}
		}
		t.Fatal("no status for txn_daily")
		return time.Time{}
	}
	t0 := time.Now()
	if got := next(); got.Before(t0.Add(-time.Second)) || got.After(time.Now().Add(time.Second)) {
		t.Errorf("never built: next run %v, want now (%v)", got, t0)
	}
	if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
		t.Fatalf("refresh: %v %+v", err, res)
	}
	t1 := time.Now()
	got := next()
	tick := func(t time.Time) time.Time { return t.Truncate(10 * time.Minute).Add(10 * time.Minute) }
	if !got.Equal(tick(t1)) && !got.Equal(tick(time.Now())) {
		t.Errorf("built by a refresh at %v: next run %v, want the next 10-minute tick %v", t1, got, tick(t1))
	}
}
