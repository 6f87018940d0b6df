package schedule_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/strata-metrics/strata/materializer/schedule"
)

var epoch = time.Date(2026, 3, 2, 10, 7, 0, 0, time.UTC)

// events collects a scheduler's events for a test to wait on.
type events struct {
	mu  sync.Mutex
	all []schedule.Event
	ch  chan schedule.Event
}

func newEvents() *events { return &events{ch: make(chan schedule.Event, 1024)} }

func (e *events) on(ev schedule.Event) {
	e.mu.Lock()
	e.all = append(e.all, ev)
	e.mu.Unlock()
	e.ch <- ev
}

// await returns the next event of the kind, failing after a real-time limit.
func (e *events) await(t *testing.T, kind string) schedule.Event {
	t.Helper()
	limit := time.After(10 * time.Second)
	for {
		select {
		case ev := <-e.ch:
			if ev.Kind == kind {
				return ev
			}
		case <-limit:
			t.Fatalf("no %q event", kind)
		}
	}
}

func constantProbe(fp string) schedule.Probe {
	return func(context.Context, string) (schedule.Observation, error) {
		return schedule.Observation{Fingerprint: fp}, nil
	}
}

func run(t *testing.T, s *schedule.Scheduler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	return func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("scheduler did not stop")
		}
	}
}

// A cron job fires at each of its instants, on the fake clock.
func TestCronFiresOnSchedule(t *testing.T) {
	clock := clockwork.NewFakeClockAt(epoch)
	store := &schedule.MemStore{}
	// Built and current: only cron makes it run.
	_ = store.Save(context.Background(), schedule.State{Name: "daily", BuiltFingerprint: "v1", BuiltAt: epoch.Add(-time.Hour)})
	ev := newEvents()
	var builds []time.Time
	var mu sync.Mutex
	s, err := schedule.New(context.Background(), schedule.Config{
		Jobs:  []schedule.Job{{Name: "daily", Cron: "*/15 * * * *"}},
		Probe: constantProbe("v1"),
		Build: func(context.Context, string) error {
			mu.Lock()
			builds = append(builds, clock.Now())
			mu.Unlock()
			return nil
		},
		Store: store, Clock: clock, OnEvent: ev.on,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, s)
	defer stop()
	want := []time.Time{epoch.Add(8 * time.Minute), epoch.Add(23 * time.Minute), epoch.Add(38 * time.Minute)}
	for _, at := range want {
		// Just before the instant nothing runs…
		_ = clock.BlockUntilContext(context.Background(), 1)
		clock.Advance(at.Add(-time.Second).Sub(clock.Now()))
		_ = clock.BlockUntilContext(context.Background(), 1)
		// …and at it, the build starts.
		clock.Advance(time.Second)
		ev.await(t, "done")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(builds) != len(want) {
		t.Fatalf("builds at %v, want %v", builds, want)
	}
	for i := range want {
		if !builds[i].Equal(want[i]) {
			t.Errorf("build %d at %v, want %v", i, builds[i].Format(time.TimeOnly), want[i].Format(time.TimeOnly))
		}
	}
	if st := s.Snapshot()[0]; !st.NextRun.Equal(epoch.Add(53*time.Minute)) || st.Phase != "fresh" {
		t.Errorf("next run %v, phase %s", st.NextRun, st.Phase)
	}
}

// Two processes contend for one rollup: one builds, the other waits on the
// lease, then finds the work done and does not build it again.
func TestLeaseOneBuildsOtherWaits(t *testing.T) {
	clock := clockwork.NewFakeClockAt(epoch)
	store, lease := &schedule.MemStore{}, &schedule.MemLease{Clock: clock}
	var concurrent, peak, total atomic.Int32
	release := make(chan struct{})
	build := func(ctx context.Context, _ string) error {
		n := concurrent.Add(1)
		defer concurrent.Add(-1)
		total.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	mk := func(holder string, ev *events) *schedule.Scheduler {
		s, err := schedule.New(context.Background(), schedule.Config{
			Jobs:  []schedule.Job{{Name: "txn_daily"}},
			Probe: constantProbe("v1"), Build: build, Store: store, Lease: lease, Holder: holder,
			Clock: clock, OnEvent: ev.on,
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	evA, evB := newEvents(), newEvents()
	a, b := mk("proc-a", evA), mk("proc-b", evB)
	stopA := run(t, a)
	defer stopA()
	evA.await(t, "start")
	stopB := run(t, b)
	defer stopB()
	if w := evB.await(t, "wait"); w.HeldBy != "proc-a" {
		t.Errorf("b waited on %q, want proc-a", w.HeldBy)
	}
	if st := b.Snapshot()[0]; st.WaitingFor != "proc-a" || st.Running {
		t.Errorf("b's status while waiting: waiting for %q, running %v", st.WaitingFor, st.Running)
	}
	close(release)
	evA.await(t, "done")
	// b looks again at its next poll, takes the free lease, reads the state a
	// stored, and skips.
	_ = clock.BlockUntilContext(context.Background(), 2)
	clock.Advance(time.Minute)
	evB.await(t, "skip")
	if total.Load() != 1 || peak.Load() != 1 {
		t.Errorf("%d builds, at most %d at once; want exactly one", total.Load(), peak.Load())
	}
}

// A running build can be cancelled; it is then retried with backoff. A
// scheduler stopping mid-build records nothing, so its successor redoes it.
func TestCancelAndShutdown(t *testing.T) {
	clock := clockwork.NewFakeClockAt(epoch)
	store := &schedule.MemStore{}
	ev := newEvents()
	block := func(ctx context.Context, _ string) error { <-ctx.Done(); return ctx.Err() }
	s, err := schedule.New(context.Background(), schedule.Config{
		Jobs: []schedule.Job{{Name: "r"}}, Probe: constantProbe("v1"), Build: block, Store: store, Clock: clock, OnEvent: ev.on,
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, s)
	ev.await(t, "start")
	if !s.Cancel("r") {
		t.Fatal("Cancel found no running build")
	}
	ev.await(t, "cancel")
	st := s.Snapshot()[0]
	if st.State.Failures != 1 || st.State.NextRetry.Before(epoch.Add(15*time.Second)) || st.Phase != "failing" {
		t.Errorf("after cancel: %+v", st)
	}
	// The retry starts once the backoff has passed; stopping then leaves the
	// stored state as it was.
	_ = clock.BlockUntilContext(context.Background(), 1)
	clock.Advance(time.Minute)
	ev.await(t, "start")
	stop()
	saved, _ := store.Load(context.Background())
	if saved["r"].Failures != 1 || !saved["r"].BuiltAt.IsZero() {
		t.Errorf("stored after shutdown: %+v", saved["r"])
	}
	if s.Cancel("r") {
		t.Error("Cancel found a build after shutdown")
	}
}
