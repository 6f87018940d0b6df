package materializer

import (
	"context"
	"time"

	"github.com/strata-metrics/strata/materializer/schedule"
)

// TagStatus is a tag's state as `strata status` and /v1/rollups report it,
// beside the rollups': its current version and how it stands against its
// freshness SLA and cron.
type TagStatus struct {
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	Entity     string    `json:"entity"`
	AsOf       string    `json:"as_of,omitempty"`
	BuiltAt    time.Time `json:"built_at,omitzero"`
	DurationMS float64   `json:"duration_ms"`
	Members    int64     `json:"members"`
	Values     int64     `json:"values,omitempty"`
	Bytes      int64     `json:"bytes"`
	LastError  string    `json:"last_error,omitempty"`
	// State is fresh, stale (a source changed since the build), outdated
	// (the definition changed), never built, failed (never built, the last
	// try failed), or breached (older than the freshness SLA).
	State string `json:"state"`
	Schedule
}

// TagStatus reports every tag of the project in declaration order. It
// writes nothing.
func (m *Materializer) TagStatus(ctx context.Context) ([]TagStatus, error) {
	rec, err := m.tagStates(ctx)
	if err != nil {
		return nil, err
	}
	var states map[string]schedule.State
	if ok, _ := m.tableExists(ctx, "schedule"); ok {
		if states, err = (&EngineStore{Engine: m.Engine, Dialect: m.Dialect, ready: true}).Load(ctx); err != nil {
			return nil, err
		}
	}
	now := time.Now()
	defs := m.tagDefs()
	jobs := map[string]schedule.Job{}
	for _, j := range m.tagJobs() {
		jobs[j.Name] = j
	}
	var out []TagStatus
	for _, t := range m.Project.Tags {
		r := rec[t.Name]
		s := TagStatus{Name: t.Name, Entity: t.Entity.Value, AsOf: r.AsOf, BuiltAt: r.BuiltAt, DurationMS: r.DurationMS,
			Members: r.Members, Values: r.Values, Bytes: r.Bytes, LastError: r.LastError}
		d := defs[t.Name]
		if d != nil {
			s.Kind = d.Kind
		}
		job := jobs[TagJobPrefix+t.Name]
		if job.Freshness > 0 {
			s.FreshnessSLA = job.Freshness.String()
		}
		s.Cron = job.Cron
		switch {
		case r.Table == "" && r.LastError != "":
			s.State = "failed"
		case r.Table == "":
			s.State = "never built"
		case d == nil || r.Hash != d.Hash:
			s.State = "outdated"
		case m.tagChangedAt(d).After(r.BuiltAt):
			s.State = "stale"
			s.StalenessSeconds = now.Sub(m.tagChangedAt(d)).Seconds()
		case job.Freshness > 0 && now.Sub(r.BuiltAt) > job.Freshness:
			s.State = "breached"
		default:
			s.State = "fresh"
		}
		if st, ok := states[job.Name]; ok {
			s.Failures, s.Breaches = st.Failures, st.Breaches
			for _, d := range st.Durations {
				s.RecentDurationsMS = append(s.RecentDurationsMS, float64(d.Microseconds())/1000)
			}
			s.NextRun = schedule.NextRun(job, st, now)
		}
		out = append(out, s)
	}
	return out, nil
}
