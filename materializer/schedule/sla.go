package schedule

import (
	"time"

	"github.com/robfig/cron/v3"
)

// The decisions, as pure functions of a job's state and the time.
//
// Algorithm (one job):
//  1. Staleness is the age of the oldest source change that no finished build
//     has folded in (State.PendingSince). A build folds in what its sources
//     held when it started, so a change landing during a build waits for the
//     next one.
//  2. The SLA deadline is PendingSince + freshness. The build must finish by
//     then, so it must start by deadline − headroom, where headroom is
//     Headroom × the estimate (the longest of the recent build durations, or
//     DefaultEstimate before the first build), and never less than a tenth
//     of the freshness, for builds slower than any measured. Starting as late as that folds
//     every change of the window into one build instead of one build per change.
//  3. A job is due at the earliest of: now if never built or triggered by
//     hand; its latest SLA start; its next cron instant after the last one
//     served; the first pending change if it has neither cron nor SLA. A
//     failing job is not due before its backoff retry time.
//  4. When staleness passes freshness the SLA is breached: counted once per
//     episode and reported until a build brings staleness back under it. A
//     job whose estimate alone exceeds freshness cannot be met; it is still
//     built as soon as possible and reported breached, never hidden.
//  5. Urgency orders due jobs when there are fewer build slots than due
//     jobs: least slack first (deadline − now − estimate); jobs without an
//     SLA after all jobs with one; then by name, for determinism.

// Policy holds the knobs of the SLA rule.
type Policy struct {
	// DefaultEstimate is the build duration assumed before one is measured; default 1m.
	DefaultEstimate time.Duration
	// Headroom multiplies the estimate to get the start margin; default 2.
	Headroom float64
}

func (p Policy) withDefaults() Policy {
	if p.DefaultEstimate <= 0 {
		p.DefaultEstimate = time.Minute
	}
	if p.Headroom < 1 {
		p.Headroom = 2
	}
	return p
}

// Estimate is the build duration the SLA plans with.
func (p Policy) Estimate(s State) time.Duration {
	p = p.withDefaults()
	if len(s.Durations) == 0 {
		return p.DefaultEstimate
	}
	var longest time.Duration
	for _, d := range s.Durations {
		longest = max(longest, d)
	}
	return longest
}

// Deadline is when the job's staleness reaches its SLA; false without an SLA
// or without a pending change.
func Deadline(j Job, s State) (time.Time, bool) {
	if j.Freshness <= 0 || s.PendingSince.IsZero() {
		return time.Time{}, false
	}
	return s.PendingSince.Add(j.Freshness), true
}

// Unmeetable reports whether the job's builds alone take longer than its SLA.
func (p Policy) Unmeetable(j Job, s State) bool {
	return j.Freshness > 0 && p.Estimate(s) >= j.Freshness
}

// nextCron is the first cron instant after the last one served (or after
// from, when none was served yet).
func nextCron(sched cron.Schedule, s State, from time.Time) time.Time {
	if sched == nil {
		return time.Time{}
	}
	last := s.LastCron
	if last.IsZero() {
		last = from
	}
	return sched.Next(last)
}

// latestCron is the last cron instant at or before now: a build starting at
// now serves it and every missed one before it.
func latestCron(sched cron.Schedule, s State, from, now time.Time) time.Time {
	var served time.Time
	for t := nextCron(sched, s, from); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		served = t
	}
	return served
}

// dueAt is when the job should next start (zero: nothing to do). started is
// when the scheduler started, the base of cron for a job that never ran one.
func (p Policy) dueAt(j Job, sched cron.Schedule, s State, triggered bool, started, now time.Time) time.Time {
	p = p.withDefaults()
	var due time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (due.IsZero() || t.Before(due)) {
			due = t
		}
	}
	if triggered || (s.BuiltFingerprint == "" && s.BuiltAt.IsZero()) {
		consider(now)
	}
	if dl, ok := Deadline(j, s); ok {
		margin := max(time.Duration(float64(p.Estimate(s))*p.Headroom), j.Freshness/10)
		consider(dl.Add(-margin))
	}
	consider(nextCron(sched, s, started))
	if j.Freshness <= 0 && sched == nil && !s.PendingSince.IsZero() {
		consider(s.PendingSince)
	}
	if !due.IsZero() && s.Failures > 0 && due.Before(s.NextRetry) {
		due = s.NextRetry
	}
	return due
}

// urgency orders due jobs: lower is more urgent.
func (p Policy) urgency(j Job, s State, now time.Time) (hasSLA bool, slack time.Duration) {
	dl, ok := Deadline(j, s)
	if !ok {
		return false, 0
	}
	return true, dl.Sub(now) - p.Estimate(s)
}
