package schedule

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
)

// sim drives a Scheduler on a fake clock as a discrete-event simulation:
// the scheduler's own step and finish run on the test goroutine, builds take
// simulated time, and the clock jumps from one event to the next. The test
// keeps its own record of when each source change landed and which build
// folded it in, so staleness is measured independently of the scheduler.
type sim struct {
	t        *testing.T
	ctx      context.Context
	clock    *clockwork.FakeClock
	s        *Scheduler
	buildDur map[string]time.Duration
	fail     func(job string, n int) bool // does the n-th build of job fail?

	version   map[string]int         // current source version per job
	changedAt map[string][]time.Time // change i (version i+1) landed at
	folded    map[string]int         // versions folded in by finished builds
	foldedAt  map[string][]time.Time // fold time of change i
	changes   []simChange            // future source changes, sorted
	running   map[string]*simBuild
	builds    map[string]int
	starts    []simStart
	events    []Event
}

type simChange struct {
	at  time.Time
	job string
}

type simBuild struct {
	readVersion int
	finishAt    time.Time
	n           int
}

type simStart struct {
	job string
	at  time.Time
}

var simEpoch = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func newSim(t *testing.T, cfg Config, store Store) *sim {
	t.Helper()
	clock := clockwork.NewFakeClockAt(simEpoch)
	sm := &sim{t: t, ctx: context.Background(), clock: clock, buildDur: map[string]time.Duration{},
		version: map[string]int{}, changedAt: map[string][]time.Time{}, folded: map[string]int{}, foldedAt: map[string][]time.Time{},
		running: map[string]*simBuild{}, builds: map[string]int{}}
	cfg.Clock = clock
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	cfg.Probe = func(_ context.Context, job string) (Observation, error) {
		o := Observation{Fingerprint: fmt.Sprintf("v%d", sm.version[job])}
		if ch := sm.changedAt[job]; len(ch) > 0 {
			o.ChangedAt = ch[len(ch)-1]
		}
		return o, nil
	}
	cfg.Build = func(context.Context, string) error { panic("sim builds through launch") }
	cfg.OnEvent = func(e Event) { sm.events = append(sm.events, e) }
	if store == nil {
		store = &MemStore{}
	}
	cfg.Store = store
	s, err := New(sm.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.launch = func(jr *jobRun, r *run) {
		name := jr.job.Name
		sm.builds[name]++
		sm.running[name] = &simBuild{readVersion: sm.version[name], finishAt: sm.clock.Now().Add(sm.buildDur[name]), n: sm.builds[name]}
		sm.starts = append(sm.starts, simStart{job: name, at: sm.clock.Now()})
	}
	sm.s = s
	return sm
}

// runUntil advances the simulation to end.
func (sm *sim) runUntil(end time.Time) {
	for {
		wake := sm.s.step(sm.ctx)
		sm.s.flushEvents()
		next := wake
		for _, b := range sm.running {
			if b.finishAt.Before(next) {
				next = b.finishAt
			}
		}
		if len(sm.changes) > 0 && sm.changes[0].at.Before(next) {
			next = sm.changes[0].at
		}
		if next.After(end) {
			sm.clock.Advance(end.Sub(sm.clock.Now()))
			return
		}
		if d := next.Sub(sm.clock.Now()); d > 0 {
			sm.clock.Advance(d)
		}
		now := sm.clock.Now()
		for job, b := range sm.running {
			if b.finishAt.After(now) {
				continue
			}
			delete(sm.running, job)
			var err error
			if sm.fail != nil && sm.fail(job, b.n) {
				err = errors.New("source unreadable")
			} else {
				for i := sm.folded[job]; i < b.readVersion; i++ {
					sm.foldedAt[job] = append(sm.foldedAt[job], now)
				}
				sm.folded[job] = max(sm.folded[job], b.readVersion)
			}
			sm.s.finish(job, err)
		}
		for len(sm.changes) > 0 && !sm.changes[0].at.After(now) {
			c := sm.changes[0]
			sm.changes = sm.changes[1:]
			sm.version[c.job]++
			sm.changedAt[c.job] = append(sm.changedAt[c.job], c.at)
		}
	}
}

// maxStaleness is the longest any change of job waited to be folded in,
// counting changes still waiting at the simulation's end.
func (sm *sim) maxStaleness(job string) time.Duration {
	var worst time.Duration
	for i, at := range sm.changedAt[job] {
		done := sm.clock.Now()
		if i < len(sm.foldedAt[job]) {
			done = sm.foldedAt[job][i]
		}
		worst = max(worst, done.Sub(at))
	}
	return worst
}

func (sm *sim) count(job, kind string) int {
	n := 0
	for _, e := range sm.events {
		if e.Job == job && e.Kind == kind {
			n++
		}
	}
	return n
}

// randomChanges schedules source changes over [from, from+span) with gaps
// drawn uniformly from [1m, maxGap].
func randomChanges(job string, from time.Time, span, maxGap time.Duration, seed uint64) []simChange {
	r := rand.New(rand.NewPCG(seed, seed+1))
	var out []simChange
	for t := from.Add(time.Minute); t.Before(from.Add(span)); t = t.Add(time.Minute + time.Duration(r.Int64N(int64(maxGap-time.Minute)))) {
		out = append(out, simChange{at: t, job: job})
	}
	return out
}

// A 15-minute SLA with 2-minute builds holds across a simulated day of
// irregular source changes, folding several changes into each build.
func TestSLAHoldsOverSimulatedDay(t *testing.T) {
	sm := newSim(t, Config{Jobs: []Job{{Name: "txn_daily", Freshness: 15 * time.Minute}}}, nil)
	sm.buildDur["txn_daily"] = 2 * time.Minute
	sm.changes = randomChanges("txn_daily", simEpoch, 24*time.Hour, 20*time.Minute, 1)
	sm.runUntil(simEpoch.Add(24 * time.Hour))

	changes := len(sm.changedAt["txn_daily"])
	if changes < 100 {
		t.Fatalf("simulated only %d changes", changes)
	}
	if worst := sm.maxStaleness("txn_daily"); worst > 15*time.Minute {
		t.Errorf("staleness reached %v, over the 15m SLA", worst)
	}
	if n := sm.count("txn_daily", "breach"); n != 0 {
		t.Errorf("%d breaches reported", n)
	}
	if b := sm.builds["txn_daily"]; b >= changes {
		t.Errorf("%d builds for %d changes: changes inside one SLA window should share a build", b, changes)
	}
	st := sm.s.Snapshot()[0]
	if st.State.Breaches != 0 || st.Phase == "breached" {
		t.Errorf("status says %s with %d breaches", st.Phase, st.State.Breaches)
	}
	t.Logf("%d changes, %d builds, worst staleness %v", changes, sm.builds["txn_daily"], sm.maxStaleness("txn_daily"))
}

// Builds that take longer than the SLA cannot meet it: every change is
// built as soon as possible and the breach is counted and shown.
func TestUnmeetableSLAIsReportedBreached(t *testing.T) {
	sm := newSim(t, Config{Jobs: []Job{{Name: "slow", Freshness: 15 * time.Minute}}}, nil)
	sm.buildDur["slow"] = 20 * time.Minute
	sm.changes = []simChange{{at: simEpoch.Add(30 * time.Minute), job: "slow"}, {at: simEpoch.Add(3 * time.Hour), job: "slow"}}
	sm.runUntil(simEpoch.Add(3*time.Hour + 16*time.Minute))

	if n := sm.count("slow", "breach"); n != 2 {
		t.Errorf("breach events = %d, want 2 (one per change)", n)
	}
	st := sm.s.Snapshot()[0]
	if !st.Unmeetable {
		t.Error("a 20m build against a 15m SLA is not reported unmeetable")
	}
	if st.Phase != "breached" || st.State.Breaches != 2 {
		t.Errorf("phase %q with %d breaches, want breached with 2", st.Phase, st.State.Breaches)
	}
	// The first change was still built, as early as the scheduler saw it.
	if len(sm.foldedAt["slow"]) < 1 || sm.foldedAt["slow"][0].Sub(sm.changedAt["slow"][0]) > 22*time.Minute {
		t.Errorf("first change folded at %v", sm.foldedAt["slow"])
	}
}

// Failed builds retry after exponentially growing, jittered delays; a
// success resets the count.
func TestBackoffGrowsAndResets(t *testing.T) {
	sm := newSim(t, Config{Jobs: []Job{{Name: "r"}}, Backoff: Backoff{Base: 30 * time.Second, Max: 10 * time.Minute}}, nil)
	sm.buildDur["r"] = 10 * time.Second
	// Builds 1–5 fail, 6 succeeds, 7 fails again.
	sm.fail = func(_ string, n int) bool { return n <= 5 || n == 7 }
	sm.changes = []simChange{{at: simEpoch.Add(2 * time.Hour), job: "r"}}
	sm.runUntil(simEpoch.Add(3 * time.Hour))

	var gaps []time.Duration
	for i := 1; i < len(sm.starts); i++ {
		gaps = append(gaps, sm.starts[i].at.Sub(sm.starts[i-1].at)-10*time.Second)
	}
	if len(sm.starts) < 8 {
		t.Fatalf("only %d builds: %v", len(sm.starts), sm.starts)
	}
	ceilings := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute}
	for i, c := range ceilings {
		if gaps[i] < c/2 || gaps[i] > c {
			t.Errorf("retry %d waited %v, want within [%v, %v]", i+1, gaps[i], c/2, c)
		}
	}
	if d := sm.starts[6].at.Sub(simEpoch.Add(2 * time.Hour)); d < 0 || d > time.Minute {
		t.Errorf("the build for the change at 2h started %v after it, want within one poll", d)
	}
	if gaps[6] < 15*time.Second || gaps[6] > 30*time.Second {
		t.Errorf("retry after a success waited %v, want the first step again, within [15s, 30s]", gaps[6])
	}
	if st := sm.s.Snapshot()[0].State; st.Failures != 0 || st.LastError != "" {
		t.Errorf("after the final success: failures %d, last error %q", st.Failures, st.LastError)
	}
}

// With one build slot, the job closest to breaking its SLA goes first.
func TestUrgencyOrdersBuilds(t *testing.T) {
	store := &MemStore{}
	built := func(name string, pending time.Duration) {
		_ = store.Save(context.Background(), State{Name: name, BuiltFingerprint: "v0", BuiltAt: simEpoch.Add(-time.Hour),
			PendingSince: simEpoch.Add(-pending), Durations: []time.Duration{5 * time.Minute}})
	}
	built("loose", 10*time.Minute)
	built("tight", 10*time.Minute)
	built("none", 50*time.Minute)
	sm := newSim(t, Config{Jobs: []Job{
		{Name: "none"},
		{Name: "loose", Freshness: time.Hour},
		{Name: "tight", Freshness: 20 * time.Minute},
	}}, store)
	for _, j := range []string{"none", "loose", "tight"} {
		sm.buildDur[j] = 5 * time.Minute
		sm.version[j] = 1
		sm.changedAt[j] = []time.Time{store.m[j].PendingSince}
	}
	sm.runUntil(simEpoch.Add(2 * time.Hour))
	var order []string
	for _, s := range sm.starts {
		order = append(order, s.job)
	}
	// At 0 both "none" (no SLA, pending) and "tight" (deadline +10m, minus
	// 2×5m headroom) are due; the one with an SLA goes first. "loose" is
	// due at +40m.
	if fmt.Sprint(order) != "[tight none loose]" {
		t.Fatalf("build order %v, want [tight none loose]", order)
	}
	if sm.count("tight", "breach")+sm.count("loose", "breach") != 0 {
		t.Errorf("breaches: tight %d, loose %d", sm.count("tight", "breach"), sm.count("loose", "breach"))
	}
}

// A restarted scheduler resumes from the stored state: a pending change
// keeps its age (the SLA clock does not restart) and a failing job keeps
// its backoff.
func TestRestartResumesFromStoredState(t *testing.T) {
	store := &MemStore{}
	_ = store.Save(context.Background(), State{Name: "a", BuiltFingerprint: "v0", BuiltAt: simEpoch.Add(-2 * time.Hour),
		PendingSince: simEpoch.Add(-10 * time.Minute), Durations: []time.Duration{2 * time.Minute}})
	_ = store.Save(context.Background(), State{Name: "b", BuiltFingerprint: "v0", BuiltAt: simEpoch.Add(-2 * time.Hour),
		Failures: 3, NextRetry: simEpoch.Add(7 * time.Minute), LastError: "source unreadable", PendingSince: simEpoch.Add(-time.Hour)})
	sm := newSim(t, Config{Jobs: []Job{{Name: "a", Freshness: 15 * time.Minute}, {Name: "b"}}, MaxConcurrent: 2}, store)
	for _, j := range []string{"a", "b"} {
		sm.buildDur[j] = 2 * time.Minute
		sm.version[j] = 1
		sm.changedAt[j] = []time.Time{store.m[j].PendingSince}
	}
	sm.runUntil(simEpoch.Add(30 * time.Minute))
	starts := map[string]time.Time{}
	for _, s := range sm.starts {
		if _, ok := starts[s.job]; !ok {
			starts[s.job] = s.at
		}
	}
	// a: pending since −10m, deadline +5m, headroom 2×2m: start by +1m.
	if at := starts["a"]; at.After(simEpoch.Add(time.Minute)) {
		t.Errorf("a started at %v, after its SLA start +1m: the restart forgot the change's age", at.Sub(simEpoch))
	}
	if at := starts["b"]; !at.Equal(simEpoch.Add(7 * time.Minute)) {
		t.Errorf("b started at %v, want its stored retry time +7m", at.Sub(simEpoch))
	}
	if n := sm.count("a", "breach"); n != 0 {
		t.Errorf("a breached %d times", n)
	}
	if st := store.m["b"]; st.Failures != 0 || st.PendingSince != (time.Time{}) {
		t.Errorf("b after its successful retry: %+v", st)
	}
}
