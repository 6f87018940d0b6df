package schedule

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/robfig/cron/v3"
)

// Observation is what a Probe saw of a job's sources.
type Observation struct {
	// Fingerprint changes whenever the rows a build would read change.
	Fingerprint string
	// ChangedAt is when the sources last changed (newest file mtime), if
	// known; the scheduler clamps it between its previous and current look.
	ChangedAt time.Time
}

// Probe looks at a job's sources; it must be cheap (file stats, one small query).
type Probe func(ctx context.Context, job string) (Observation, error)

// Build rebuilds one job. It must stop promptly when ctx ends and leave the
// previous version serving when it fails.
type Build func(ctx context.Context, job string) error

// Event is one thing the scheduler did, for metrics and logs.
type Event struct {
	Time     time.Time
	Job      string
	Kind     string // start, done, fail, cancel, breach, wait (lease held elsewhere), skip (just built elsewhere)
	Duration time.Duration
	Err      error
	HeldBy   string // wait: the lease holder
}

// Config wires a Scheduler.
type Config struct {
	Jobs  []Job
	Probe Probe
	Build Build
	Store Store
	Lease Lease
	// Holder names this process in lease rows.
	Holder string
	Clock  clockwork.Clock
	// MaxConcurrent caps builds running at once; default 1.
	MaxConcurrent int
	// Poll is how often sources are probed; default 1m, and never more
	// than a tenth of the tightest freshness.
	Poll time.Duration
	// LeaseTTL is how long a lease lasts unless renewed; default 5m.
	LeaseTTL time.Duration
	Policy   Policy
	Backoff  Backoff
	// Seed makes the backoff jitter reproducible; 0 seeds from the clock.
	Seed uint64
	// OnEvent, when set, is called for every event, without locks held.
	OnEvent func(Event)
}

// Scheduler runs the jobs' builds when they are due. Its methods are safe
// for concurrent use; Run drives it.
type Scheduler struct {
	cfg     Config
	clock   clockwork.Clock
	rand    *rand.Rand
	kick    chan struct{}
	started time.Time

	mu        sync.Mutex
	jobs      map[string]*jobRun
	order     []string
	lastProbe time.Time
	nextProbe time.Time
	events    []Event
	wg        sync.WaitGroup
	// launch starts a build; tests replace it to drive builds on simulated time.
	launch func(*jobRun, *run)
}

type jobRun struct {
	job       Job
	cron      cron.Schedule
	state     State
	triggered bool
	seen      Observation
	seenOK    bool
	waitUntil time.Time // lease held elsewhere until then
	waitedBy  string
	running   *run
}

type run struct {
	start       time.Time
	startFP     string
	cronAt      time.Time
	nextPending time.Time
	ctx         context.Context
	cancel      context.CancelFunc
	canceled    bool // by Cancel, not by shutdown
}

// New checks the configuration and loads the recorded state.
func New(ctx context.Context, cfg Config) (*Scheduler, error) {
	if cfg.Build == nil || cfg.Probe == nil || cfg.Store == nil {
		return nil, errors.New("schedule: Build, Probe and Store are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Lease == nil {
		cfg.Lease = &MemLease{Clock: cfg.Clock}
	}
	if cfg.Holder == "" {
		cfg.Holder = "strata"
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 1
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 5 * time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Minute
	}
	for _, j := range cfg.Jobs {
		if j.Freshness > 0 && cfg.Poll > j.Freshness/10 {
			cfg.Poll = max(j.Freshness/10, time.Second)
		}
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = uint64(cfg.Clock.Now().UnixNano())
	}
	s := &Scheduler{cfg: cfg, clock: cfg.Clock, rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		kick: make(chan struct{}, 1), started: cfg.Clock.Now(), jobs: map[string]*jobRun{}}
	s.launch = s.goBuild
	states, err := cfg.Store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("schedule: loading state: %w", err)
	}
	for _, j := range cfg.Jobs {
		if _, dup := s.jobs[j.Name]; dup {
			return nil, fmt.Errorf("schedule: job %q listed twice", j.Name)
		}
		jr := &jobRun{job: j, state: states[j.Name]}
		jr.state.Name = j.Name
		if j.Cron != "" {
			if jr.cron, err = ParseCron(j.Cron); err != nil {
				return nil, fmt.Errorf("rollup %s: %w", j.Name, err)
			}
		}
		s.jobs[j.Name] = jr
		s.order = append(s.order, j.Name)
	}
	return s, nil
}

// Run drives the scheduler until ctx ends, then cancels running builds and
// waits for them. Their jobs stay due, so a restart builds them again.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		wake := s.step(ctx)
		s.flushEvents()
		d := max(wake.Sub(s.clock.Now()), 0)
		t := s.clock.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			s.mu.Lock()
			for _, jr := range s.jobs {
				if jr.running != nil && jr.running.cancel != nil {
					jr.running.cancel()
				}
			}
			s.mu.Unlock()
			s.wg.Wait()
			s.flushEvents()
			return nil
		case <-s.kick:
			t.Stop()
		case <-t.Chan():
		}
	}
}

func (s *Scheduler) wakeUp() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Trigger asks for a build of the job as soon as a slot and its lease allow.
func (s *Scheduler) Trigger(name string) error {
	s.mu.Lock()
	jr, ok := s.jobs[name]
	if ok {
		jr.triggered = true
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("unknown rollup %q", name)
	}
	s.wakeUp()
	return nil
}

// Cancel stops the job's running build, if any; the job is retried with
// backoff like a failure. It reports whether a build was running.
func (s *Scheduler) Cancel(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	jr, ok := s.jobs[name]
	if !ok || jr.running == nil {
		return false
	}
	jr.running.canceled = true
	if jr.running.cancel != nil {
		jr.running.cancel()
	}
	return true
}

func (s *Scheduler) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = s.clock.Now()
	}
	s.events = append(s.events, e)
}

func (s *Scheduler) flushEvents() {
	s.mu.Lock()
	evs := s.events
	s.events = nil
	s.mu.Unlock()
	if s.cfg.OnEvent != nil {
		for _, e := range evs {
			s.cfg.OnEvent(e)
		}
	}
}

// step probes the sources when due, accounts for breaches, starts the due
// builds that fit, renews running leases and returns when to look again.
func (s *Scheduler) step(ctx context.Context) time.Time {
	now := s.clock.Now()
	if !now.Before(s.nextProbe) {
		s.probeAll(ctx, now)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wake := s.nextProbe
	consider := func(t time.Time) {
		if !t.IsZero() && t.Before(wake) {
			wake = t
		}
	}
	running := 0
	var due []*jobRun
	for _, name := range s.order {
		jr := s.jobs[name]
		s.accountBreach(jr, now)
		if dl, ok := Deadline(jr.job, jr.state); ok && !jr.state.InBreach {
			consider(dl.Add(time.Nanosecond))
		}
		if jr.running != nil {
			running++
			s.renew(ctx, jr)
			consider(now.Add(s.cfg.LeaseTTL / 3))
			continue
		}
		at := s.cfg.Policy.dueAt(jr.job, jr.cron, jr.state, jr.triggered, s.started, now)
		if at.IsZero() {
			continue
		}
		if at.After(now) {
			consider(at)
			continue
		}
		if now.Before(jr.waitUntil) {
			consider(jr.waitUntil)
			continue
		}
		due = append(due, jr)
	}
	sort.SliceStable(due, func(a, b int) bool {
		sa, la := s.cfg.Policy.urgency(due[a].job, due[a].state, now)
		sb, lb := s.cfg.Policy.urgency(due[b].job, due[b].state, now)
		if sa != sb {
			return sa
		}
		return la < lb
	})
	for _, jr := range due {
		if running >= s.cfg.MaxConcurrent {
			break
		}
		if s.start(ctx, jr, now) {
			running++
		} else {
			consider(jr.waitUntil)
		}
	}
	return wake
}

// accountBreach counts an SLA breach once per episode.
func (s *Scheduler) accountBreach(jr *jobRun, now time.Time) {
	f := jr.job.Freshness
	if f <= 0 {
		return
	}
	over := jr.state.Staleness(now) > f
	if over && !jr.state.InBreach {
		jr.state.InBreach = true
		jr.state.Breaches++
		s.save(jr)
		s.emit(Event{Time: now, Job: jr.job.Name, Kind: "breach", Duration: jr.state.Staleness(now)})
	}
}

func (s *Scheduler) save(jr *jobRun) {
	if err := s.cfg.Store.Save(context.Background(), jr.state); err != nil {
		jr.state.LastError = "saving schedule state: " + err.Error()
	}
}

// probeAll looks at every job's sources. Called without s.mu: probes stat
// files or query the engine.
func (s *Scheduler) probeAll(ctx context.Context, now time.Time) {
	obs := make(map[string]Observation, len(s.order))
	errs := map[string]error{}
	for _, name := range s.order {
		o, err := s.cfg.Probe(ctx, name)
		if err != nil {
			errs[name] = err
			continue
		}
		obs[name] = o
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.lastProbe
	s.lastProbe, s.nextProbe = now, now.Add(s.cfg.Poll)
	for _, name := range s.order {
		jr := s.jobs[name]
		o, ok := obs[name]
		if !ok {
			continue
		}
		s.observe(jr, o, prev, now)
	}
}

// observe folds one observation into the job's state. A change is dated by
// the sources' own time when it lies between the previous look (which saw
// no change) and now, else by the bound it violates.
func (s *Scheduler) observe(jr *jobRun, o Observation, prev, now time.Time) {
	jr.seen, jr.seenOK = o, true
	at := o.ChangedAt
	lo := prev
	if lo.IsZero() {
		lo = jr.state.BuiltAt
	}
	if at.IsZero() || at.After(now) {
		at = now
	}
	if at.Before(lo) {
		at = lo
	}
	if r := jr.running; r != nil {
		if o.Fingerprint != r.startFP && r.nextPending.IsZero() {
			r.nextPending = at
		}
		return
	}
	switch {
	case jr.state.BuiltFingerprint == "" && jr.state.BuiltAt.IsZero():
		// Never built: queries read the raw tables, which are never stale.
	case o.Fingerprint == jr.state.BuiltFingerprint && !jr.state.PendingSince.IsZero():
		jr.state.PendingSince = time.Time{}
		s.save(jr)
	case o.Fingerprint != jr.state.BuiltFingerprint && jr.state.PendingSince.IsZero():
		jr.state.PendingSince = at
		s.save(jr)
	}
}

// start takes the job's lease, re-reads its state (another process may have
// just built it) and launches the build. It reports false when the lease is
// held elsewhere or the job turned out not to be due.
func (s *Scheduler) start(ctx context.Context, jr *jobRun, now time.Time) bool {
	name := jr.job.Name
	ok, holder, until, err := s.cfg.Lease.Acquire(ctx, name, s.cfg.Holder, s.cfg.LeaseTTL)
	if err != nil || !ok {
		// Look again when the holder's lease runs out, or at the next poll
		// if that comes first: the holder may finish and release it early.
		jr.waitUntil = now.Add(s.cfg.Poll)
		if err == nil && until.After(now) && until.Before(jr.waitUntil) {
			jr.waitUntil = until
		}
		if jr.waitedBy != holder {
			s.emit(Event{Time: now, Job: name, Kind: "wait", HeldBy: holder, Err: err})
		}
		jr.waitedBy = holder
		return false
	}
	jr.waitedBy, jr.waitUntil = "", time.Time{}
	if stored, err := s.cfg.Store.Load(ctx); err == nil {
		if st, ok := stored[name]; ok && st.BuiltAt.After(jr.state.BuiltAt) {
			jr.state = st
			if jr.seenOK && jr.seen.Fingerprint == st.BuiltFingerprint {
				jr.state.PendingSince = time.Time{}
			}
			if at := s.cfg.Policy.dueAt(jr.job, jr.cron, jr.state, jr.triggered, s.started, now); at.IsZero() || at.After(now) {
				_ = s.cfg.Lease.Release(ctx, name, s.cfg.Holder)
				s.emit(Event{Time: now, Job: name, Kind: "skip"})
				return false
			}
		}
	}
	fp := jr.seen.Fingerprint
	if o, err := s.cfg.Probe(ctx, name); err == nil {
		fp = o.Fingerprint
	}
	r := &run{start: now, startFP: fp, cronAt: latestCron(jr.cron, jr.state, s.started, now)}
	jr.running, jr.triggered = r, false
	s.emit(Event{Time: now, Job: name, Kind: "start"})
	s.launch(jr, r)
	return true
}

func (s *Scheduler) renew(ctx context.Context, jr *jobRun) {
	_, _, _, _ = s.cfg.Lease.Acquire(ctx, jr.job.Name, s.cfg.Holder, s.cfg.LeaseTTL)
}

// goBuild runs the build in its own goroutine, then finishes it.
func (s *Scheduler) goBuild(jr *jobRun, r *run) {
	ctx, cancel := context.WithCancel(context.Background())
	r.ctx, r.cancel = ctx, cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		err := s.cfg.Build(ctx, jr.job.Name)
		s.finish(jr.job.Name, err)
	}()
}

// finish records a build's outcome: on success the new fingerprint, the
// changes that landed during the build as the new pending ones, the
// duration, and a reset backoff; on failure the next retry. A build stopped
// by shutdown changes nothing, so a restart redoes it.
func (s *Scheduler) finish(name string, err error) {
	s.mu.Lock()
	jr := s.jobs[name]
	r := jr.running
	jr.running = nil
	now := s.clock.Now()
	d := now.Sub(r.start)
	switch {
	case err == nil:
		st := &jr.state
		st.BuiltFingerprint, st.BuiltAt = r.startFP, now
		st.PendingSince = r.nextPending
		if jr.seenOK && jr.seen.Fingerprint == r.startFP {
			st.PendingSince = time.Time{}
		}
		st.Failures, st.NextRetry, st.LastError = 0, time.Time{}, ""
		st.recordDuration(d)
		if !r.cronAt.IsZero() {
			st.LastCron = r.cronAt
		}
		if st.Staleness(now) <= jr.job.Freshness {
			st.InBreach = false
		}
		s.save(jr)
		s.emit(Event{Time: now, Job: name, Kind: "done", Duration: d})
	case r.canceled || r.ctx == nil || r.ctx.Err() == nil:
		jr.state.Failures++
		jr.state.NextRetry = now.Add(s.cfg.Backoff.Delay(jr.state.Failures, s.rand))
		jr.state.LastError = err.Error()
		if !r.nextPending.IsZero() && jr.state.PendingSince.IsZero() {
			jr.state.PendingSince = r.nextPending
		}
		kind := "fail"
		if r.canceled {
			kind = "cancel"
		}
		s.save(jr)
		s.emit(Event{Time: now, Job: name, Kind: kind, Duration: d, Err: err})
	}
	s.mu.Unlock()
	_ = s.cfg.Lease.Release(context.Background(), name, s.cfg.Holder)
	s.wakeUp()
}
