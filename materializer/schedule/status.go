package schedule

import (
	"time"

	"github.com/robfig/cron/v3"
)

// JobStatus is one job's state as reports show it.
type JobStatus struct {
	Job   Job
	State State
	// Phase is fresh, stale, building, failing, breached or never built.
	Phase        string
	Staleness    time.Duration
	Running      bool
	RunningSince time.Time
	// NextRun is when the job is next due (zero: only when its sources change).
	NextRun    time.Time
	Estimate   time.Duration
	Unmeetable bool
	// WaitingFor names the process holding the job's lease, when it waits.
	WaitingFor string
}

// Snapshot reports every job, in configuration order.
func (s *Scheduler) Snapshot() []JobStatus {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobStatus, 0, len(s.order))
	for _, name := range s.order {
		jr := s.jobs[name]
		st := JobStatus{Job: jr.job, State: jr.state, Staleness: jr.state.Staleness(now),
			Estimate: s.cfg.Policy.Estimate(jr.state), Unmeetable: s.cfg.Policy.Unmeetable(jr.job, jr.state), WaitingFor: jr.waitedBy}
		st.State.Durations = append([]time.Duration(nil), jr.state.Durations...)
		if jr.running != nil {
			st.Running, st.RunningSince = true, jr.running.start
		} else {
			st.NextRun = s.cfg.Policy.dueAt(jr.job, jr.cron, jr.state, jr.triggered, s.started, now)
		}
		st.Phase = Phase(jr.job, jr.state, jr.running != nil, now)
		out = append(out, st)
	}
	return out
}

// Phase names a job's condition. Breached wins over building: a build in
// progress does not make a missed SLA any less missed.
func Phase(j Job, s State, running bool, now time.Time) string {
	switch {
	case j.Freshness > 0 && (s.InBreach || s.Staleness(now) > j.Freshness):
		return "breached"
	case running:
		return "building"
	case s.Failures > 0:
		return "failing"
	case s.BuiltFingerprint == "" && s.BuiltAt.IsZero():
		return "never built"
	case !s.PendingSince.IsZero():
		return "stale"
	default:
		return "fresh"
	}
}

// NextRun is when a job with the given stored state is next due, as a
// scheduler started at now would see it (zero: only on a source change).
func NextRun(j Job, s State, now time.Time) time.Time {
	var sched cron.Schedule
	if j.Cron != "" {
		sched, _ = ParseCron(j.Cron)
	}
	return Policy{}.dueAt(j, sched, s, false, now, now)
}
