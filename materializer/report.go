package materializer

import (
	"context"
	"time"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/materializer/schedule"
)

// Schedule is what status reports add from partitions and the scheduler's
// record in _strata: how a rollup stands against its SLA.
type Schedule struct {
	Partitions int `json:"partitions,omitempty"`
	// StalenessSeconds is the age of the oldest source change not yet
	// folded in (0 when current).
	StalenessSeconds float64 `json:"staleness_seconds"`
	// FreshnessSLA is refresh.freshness; Cron is refresh.cron.
	FreshnessSLA string    `json:"freshness_sla,omitempty"`
	Cron         string    `json:"cron,omitempty"`
	NextRun      time.Time `json:"next_run,omitzero"`
	Failures     int       `json:"failures,omitempty"`
	Breaches     int       `json:"sla_breaches,omitempty"`
	// RecentDurationsMS are the latest successful scheduled build times.
	RecentDurationsMS []float64 `json:"recent_durations_ms,omitempty"`
	BuildingBy        string    `json:"building_by,omitempty"`
}

// withSchedule completes status rows from the partition rows, the
// scheduler's stored state and the lease rows. It writes nothing: a table
// that does not exist yet contributes nothing.
func (m *Materializer) withSchedule(ctx context.Context, out []RollupStatus, rec map[string]Recorded) ([]RollupStatus, error) {
	now := time.Now()
	states := map[string]schedule.State{}
	if ok, _ := m.tableExists(ctx, "schedule"); ok {
		st, err := (&EngineStore{Engine: m.Engine, Dialect: m.Dialect, ready: true}).Load(ctx)
		if err != nil {
			return nil, err
		}
		states = st
	}
	// As a scheduler started now would see them: a rollup built by
	// `strata refresh` is due on its cron or SLA, one never built (or whose
	// definition changed) at once. Without any scheduler run the next run
	// is still known. rec is the rollups' recorded builds (Recorded).
	m.seedRollupStates(states, rec)
	leases, _ := m.tableExists(ctx, "leases")
	parts, _ := m.tableExists(ctx, "partitions")
	jobs := map[string]schedule.Job{}
	for _, j := range m.Jobs() {
		jobs[j.Name] = j
	}
	for i := range out {
		s := &out[i]
		r := m.rollup(s.Name)
		j := jobs[s.Name]
		if j.Freshness > 0 {
			s.FreshnessSLA = j.Freshness.String()
		}
		s.Cron = j.Cron
		if parts && r != nil && r.Def != nil && r.Def.Partition.Value != "" {
			if ps, err := m.Partitions(ctx, s.Name); err == nil {
				s.Partitions = len(ps)
			}
		}
		if s.State == "stale" {
			// A change the current version has not folded in came after
			// its build listed the sources: a file landing with an older
			// mtime (copied with its time kept) is not older than that.
			t := m.changeSeen(r)
			if listed := s.BuiltAt.Add(-time.Duration(s.DurationMS * float64(time.Millisecond))); !s.BuiltAt.IsZero() && t.Before(listed) {
				t = listed
			}
			if !t.IsZero() && now.After(t) {
				s.StalenessSeconds = now.Sub(t).Seconds()
			}
		}
		st, ok := states[s.Name]
		if ok {
			s.Failures, s.Breaches = st.Failures, st.Breaches
			for _, d := range st.Durations {
				s.RecentDurationsMS = append(s.RecentDurationsMS, float64(d.Microseconds())/1000)
			}
			if st.Staleness(now) > 0 && s.State == "stale" {
				s.StalenessSeconds = st.Staleness(now).Seconds()
			}
			s.NextRun = schedule.NextRun(j, st, now)
		}
		if leases {
			if holder, until, err := (&EngineLease{Engine: m.Engine, Dialect: m.Dialect}).Holder(ctx, s.Name); err == nil && until.After(now) && !m.ownLeftover(s.Name, holder) && !holderGone(holder) {
				s.BuildingBy = holder
			}
		}
		switch {
		case s.BuildingBy != "":
			s.State = "building"
		case j.Freshness > 0 && s.StalenessSeconds > j.Freshness.Seconds():
			s.State, s.Fresh = "breached", false
		case ok && st.Failures > 0 && s.Table != "":
			s.State = "failing"
		}
	}
	return out, nil
}

// changeSeen is when the rollup's sources last changed as far as this
// process can tell: the newest file modification, or when it first saw an
// engine table's new fingerprint.
func (m *Materializer) changeSeen(r *rollup.Rollup) time.Time {
	t := m.newestChange(r)
	for _, in := range r.Fact.Instances {
		if isEngineSource(in.Table.Source.Value) {
			if c := m.engineChangedAt(in.Table); c.After(t) {
				t = c
			}
		}
	}
	return t
}

func (m *Materializer) tableExists(ctx context.Context, table string) (bool, error) {
	res, err := m.Engine.Query(ctx, sqlgen.StateTableExists(m.Dialect, table))
	if err != nil {
		return false, err
	}
	n, _ := res.Rows[0][0].(int64)
	return n == 1, nil
}

func (m *Materializer) rollup(name string) *rollup.Rollup {
	for _, r := range m.Rollups {
		if r.Name == name {
			return r
		}
	}
	return nil
}
