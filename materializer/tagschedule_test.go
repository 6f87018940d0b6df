package materializer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/materializer/schedule"
)

const scheduledTags = `tags:
  - name: rich_soon
    entity: customers
    where: customers.aum >= 500000
    freshness: 10m
  - name: hourly_busy
    entity: customers
    where_metric: { metric: txn_count, window: 90 days, op: ">=", value: 2 }
    cron: "@hourly"
`

// TestSchedulerRefreshesTags runs the project's scheduler on a fake clock:
// tags built by a refresh are not rebuilt at start; a change to the
// customers file makes the tags stale, and the one with a 10-minute SLA is
// rebuilt within it; status reports each tag's SLA, cron and next run.
func TestSchedulerRefreshesTags(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(testRoot, "tagsched")
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "sched_tags.yaml"), []byte(scheduledTags), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 3000, Customers: 400, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	m := w.Materializer()
	if res, err := w.Refresh(ctx, nil, nil); err != nil || len(res) == 0 {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := m.RefreshTags(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	before, err := m.TagStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(time.Now())
	events := make(chan schedule.Event, 256)
	s, err := m.NewScheduler(ctx, materializer.SchedulerOptions{Holder: "test", Clock: clock, Poll: time.Minute,
		OnEvent: func(e schedule.Event) { events <- e }})
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
			case e := <-events:
				got = append(got, e)
				if e.Kind == "start" {
					idle = time.After(60 * time.Second)
				} else if e.Kind == "done" || e.Kind == "fail" {
					idle = time.After(300 * time.Millisecond)
				}
			case <-idle:
				return got
			}
		}
	}
	for _, e := range step() {
		if e.Kind == "start" && strings.HasPrefix(e.Job, materializer.TagJobPrefix) {
			t.Fatalf("a tag built by the refresh was rebuilt at start: %s", e.Job)
		}
	}
	// The customers file changes.
	src := filepath.Join(dir, "data", "customers.parquet")
	later := time.Now().Add(time.Second)
	if err := os.Chtimes(src, later, later); err != nil {
		t.Fatal(err)
	}
	landed := clock.Now()
	var built time.Time
	for i := 0; i < 20 && built.IsZero(); i++ {
		for _, e := range step() {
			switch {
			case e.Kind == "fail":
				t.Fatalf("%s: %v", e.Job, e.Err)
			case e.Kind == "done" && e.Job == materializer.TagJobPrefix+"rich_soon":
				built = e.Time
			}
		}
	}
	if built.IsZero() {
		t.Fatal("rich_soon was not rebuilt within 20 simulated minutes of its source changing")
	}
	if wait := built.Sub(landed); wait > 10*time.Minute {
		t.Errorf("rich_soon was rebuilt %v after its source changed, over its 10m SLA", wait)
	}
	after, err := m.TagStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]materializer.TagStatus{}
	for _, st := range after {
		byName[st.Name] = st
	}
	rich := byName["rich_soon"]
	var old materializer.TagStatus
	for _, st := range before {
		if st.Name == "rich_soon" {
			old = st
		}
	}
	if rich.State != "fresh" || !rich.BuiltAt.After(old.BuiltAt) || rich.FreshnessSLA != "10m0s" || rich.Members != old.Members || rich.Members == 0 {
		t.Errorf("rich_soon after the scheduled build: %+v (before: %+v)", rich, old)
	}
	busy := byName["hourly_busy"]
	if busy.Cron != "@hourly" || busy.NextRun.IsZero() || busy.Kind != "behaviour" {
		t.Errorf("hourly_busy: %+v", busy)
	}
}
