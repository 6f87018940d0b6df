package rewritetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/materializer/schedule"
)

// The project's scheduler over a real warehouse, on a fake clock: rollups
// built by a refresh are not rebuilt at start; a file landing makes the day
// rollup stale, and it is rebuilt (incrementally) before its 15-minute SLA
// runs out, after which queries read it without a tail and match raw.
func TestSchedulerKeepsTheSLA(t *testing.T) {
	ctx := context.Background()
	lb := newLakeBank(t, "sched")
	clock := clockwork.NewFakeClockAt(clockStart(time.Now()))
	events := make(chan schedule.Event, 256)
	s, err := lb.w.Materializer().NewScheduler(ctx, materializer.SchedulerOptions{
		Holder: "test", Clock: clock,
		OnEvent: func(e schedule.Event) { events <- e },
		Refresh: func(ctx context.Context, name string) error {
			res, err := lb.w.Refresh(ctx, []string{name}, nil)
			if err == nil && res[0].Err != nil {
				err = res[0].Err
			}
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = s.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()

	// step advances the fake clock a minute and collects what the
	// scheduler did, waiting out any build it started.
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
		// Tags this test never built are the scheduler's to build now.
		if e.Kind == "start" && !strings.HasPrefix(e.Job, materializer.TagJobPrefix) {
			t.Fatalf("a rollup built by the refresh was rebuilt at start: %s", e.Job)
		}
	}
	landed := clock.Now()
	lb.write("new-1.parquet", lb.cut, lb.cut.AddDate(0, 0, 5), "")
	// The file lands at the scheduler's time, not the machine's: its
	// staleness is then counted on the fake clock alone.
	if err := os.Chtimes(filepath.Join(lb.dir, "data", "transactions", "new-1.parquet"), landed, landed); err != nil {
		t.Fatal(err)
	}
	var built time.Time
	for i := 0; i < 20 && built.IsZero(); i++ {
		for _, e := range step() {
			switch {
			case e.Kind == "fail" || e.Kind == "breach":
				t.Fatalf("%s: %s %v", e.Job, e.Kind, e.Err)
			case e.Kind == "done" && e.Job == "txn_daily":
				built = e.Time
			}
		}
	}
	if built.IsZero() {
		t.Fatal("txn_daily was not rebuilt within 20 simulated minutes")
	}
	wait := built.Sub(landed)
	t.Logf("txn_daily folded the new file in %v after it landed (simulated)", wait)
	if wait > 15*time.Minute {
		t.Errorf("txn_daily folded the new file in after %v, over its 15m SLA", wait)
	}
	q := allHistory
	raw := q
	raw.NoRollup = true
	got, err := lb.w.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := lb.w.Query(ctx, &raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.ServedBy != "txn_daily" {
		t.Fatalf("after the scheduled build: served by %s", got.Meta.ServedBy)
	}
	if diff := diffResults(got, want); diff != "" {
		t.Fatalf("after the scheduled build the rollup differs from raw:\n%s", diff)
	}
	if st := s.Snapshot(); len(st) == 0 || st[0].State.Breaches != 0 {
		t.Errorf("scheduler status: %+v", st)
	}
}

// clockStart is where the scheduler's fake clock starts: now, unless a cron
// boundary of the bank's rollups (every ten minutes, on the hour, at 02:00)
// comes within the first two simulated minutes, where a cron run would look
// like a rebuild at start; then just after that boundary. The test then
// does not depend on the minute it runs at.
func clockStart(now time.Time) time.Time {
	next := now.Truncate(10 * time.Minute).Add(10 * time.Minute)
	if next.Sub(now) < 2*time.Minute {
		return next.Add(time.Second)
	}
	return now
}
