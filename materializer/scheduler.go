package materializer

import (
	"context"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/materializer/schedule"
)

// SchedulerOptions tune NewScheduler.
type SchedulerOptions struct {
	// Holder names this process in lease rows; default host:pid.
	Holder string
	// MaxConcurrent caps builds at once; default 1.
	MaxConcurrent int
	Clock         clockwork.Clock
	// Poll is how often sources are looked at; default 1m (tighter for tight SLAs).
	Poll time.Duration
	// OnEvent sees every scheduler event (for logs and metrics).
	OnEvent func(schedule.Event)
	// Refresh, when set, builds one rollup instead of the materializer's
	// own Refresh: the query service's, which serializes builds of a rollup
	// and swaps the new version in for its readers.
	Refresh func(ctx context.Context, name string) error
}

// Jobs are the project's rollups as the scheduler sees them: their cron and
// freshness SLA.
func (m *Materializer) Jobs() []schedule.Job {
	out := make([]schedule.Job, 0, len(m.Rollups))
	for _, r := range m.Rollups {
		j := schedule.Job{Name: r.Name}
		if r.Def != nil {
			j.Cron, j.Freshness = r.Def.Refresh.Cron.Value, r.Def.Refresh.Freshness
		}
		out = append(out, j)
	}
	return append(out, m.tagJobs()...)
}

// NewScheduler runs the project's rollups on their cron and SLA: probes
// look at the sources' fingerprints, builds are Refresh of one rollup,
// state and leases live in the engine's _strata schema.
func (m *Materializer) NewScheduler(ctx context.Context, o SchedulerOptions) (*schedule.Scheduler, error) {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	if o.Holder == "" {
		o.Holder = m.holder()
	}
	byName := map[string]*rollup.Rollup{}
	for _, r := range m.Rollups {
		byName[r.Name] = r
	}
	store := &seededStore{m: m, inner: &EngineStore{Engine: m.Engine, Dialect: m.Dialect}}
	return schedule.New(ctx, schedule.Config{
		Jobs: m.Jobs(),
		Probe: func(ctx context.Context, name string) (schedule.Observation, error) {
			if tag, ok := strings.CutPrefix(name, TagJobPrefix); ok {
				return m.probeTag(tag)
			}
			r := byName[name]
			return schedule.Observation{Fingerprint: m.Fingerprint(r, nil), ChangedAt: m.newestChange(r)}, nil
		},
		Build: func(ctx context.Context, name string) error {
			// The scheduler took the lease before calling Build.
			ctx = WithLeaseHeld(ctx, name)
			if tag, ok := strings.CutPrefix(name, TagJobPrefix); ok {
				return m.buildTagJob(ctx, tag)
			}
			if o.Refresh != nil {
				return o.Refresh(ctx, name)
			}
			res, err := m.Refresh(ctx, []string{name}, nil)
			if err != nil {
				return err
			}
			if len(res) == 1 && res[0].Err != nil {
				return res[0].Err
			}
			return nil
		},
		Store:         store,
		Lease:         &EngineLease{Engine: m.Engine, Dialect: m.Dialect, Now: o.Clock.Now},
		Holder:        o.Holder,
		Clock:         o.Clock,
		MaxConcurrent: o.MaxConcurrent,
		Poll:          o.Poll,
		OnEvent:       o.OnEvent,
	})
}

// seededStore reconciles the scheduler's state with the rollups' recorded
// builds: a rollup built by `strata refresh` counts as built from the
// sources it recorded, and one whose stored definition differs from the
// model's counts as never built, so that it is rebuilt at once.
type seededStore struct {
	m     *Materializer
	inner schedule.Store
}

func (s *seededStore) Load(ctx context.Context) (map[string]schedule.State, error) {
	states, err := s.inner.Load(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := s.m.Recorded(ctx)
	if err != nil {
		return nil, err
	}
	s.m.seedRollupStates(states, rec)
	if err := s.m.seedTagStates(ctx, states); err != nil {
		return nil, err
	}
	return states, nil
}

// seedRollupStates completes each rollup's scheduler state from its
// recorded build (seededStore).
func (m *Materializer) seedRollupStates(states map[string]schedule.State, rec map[string]Recorded) {
	for _, r := range m.Rollups {
		st := states[r.Name]
		st.Name = r.Name
		row, ok := rec[r.Name]
		switch {
		case !ok || row.Status.Table == "" || row.Status.Hash != r.Hash:
			st.BuiltFingerprint, st.BuiltAt, st.PendingSince = "", time.Time{}, time.Time{}
		case row.Status.BuiltAt.After(st.BuiltAt) || st.BuiltFingerprint == "":
			st.BuiltFingerprint, st.BuiltAt = row.Sources, row.Status.BuiltAt
		}
		states[r.Name] = st
	}
}

func (s *seededStore) Save(ctx context.Context, st schedule.State) error {
	return s.inner.Save(ctx, st)
}

// newestChange is the latest modification time among the rollup's source
// files: when its sources last changed, as far as files tell.
func (m *Materializer) newestChange(r *rollup.Rollup) time.Time {
	var t time.Time
	for _, in := range r.Fact.Instances {
		if c := m.SourceNewest(in.Table); c.After(t) {
			t = c
		}
	}
	return t
}
