package schedule

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Job is one rollup as the scheduler sees it.
type Job struct {
	Name string
	// Cron is a standard five-field spec or a descriptor (@hourly); empty: none.
	Cron string
	// Freshness is the SLA: the longest a source change may wait before a
	// finished build has folded it in; 0: none.
	Freshness time.Duration
}

// ParseCron reads a cron spec the way the scheduler will, for validation
// and for the next-run column of reports.
func ParseCron(spec string) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("cron %q: %v (five fields: minute hour day-of-month month day-of-week, or @hourly, @daily…)", spec, err)
	}
	return s, nil
}

// recentDurations is how many successful build durations a job remembers.
const recentDurations = 10

// State is what the scheduler knows about one job. It is saved after every
// change so that a restarted process resumes where the last one stopped:
// the pending change keeps its age, a failing job keeps its backoff.
type State struct {
	Name string `json:"name"`
	// BuiltFingerprint is the source fingerprint the current version was built from.
	BuiltFingerprint string `json:"built_fingerprint,omitempty"`
	// BuiltAt is when the last successful build finished.
	BuiltAt time.Time `json:"built_at,omitzero"`
	// PendingSince is the time of the oldest source change not yet folded in
	// by a finished build; zero when the rollup is current.
	PendingSince time.Time `json:"pending_since,omitzero"`
	// Failures counts consecutive failed builds; a success resets it.
	Failures  int       `json:"failures,omitempty"`
	NextRetry time.Time `json:"next_retry,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Durations are the most recent successful build durations, newest last.
	Durations []time.Duration `json:"durations,omitempty"`
	// Breaches counts the times the job's staleness went over its SLA.
	Breaches int  `json:"breaches,omitempty"`
	InBreach bool `json:"in_breach,omitempty"`
	// LastCron is the latest cron instant already served.
	LastCron time.Time `json:"last_cron,omitzero"`
}

// Staleness is how long the oldest unfolded source change has waited.
func (s State) Staleness(now time.Time) time.Duration {
	if s.PendingSince.IsZero() || now.Before(s.PendingSince) {
		return 0
	}
	return now.Sub(s.PendingSince)
}

func (s *State) recordDuration(d time.Duration) {
	s.Durations = append(s.Durations, d)
	if n := len(s.Durations); n > recentDurations {
		s.Durations = append([]time.Duration(nil), s.Durations[n-recentDurations:]...)
	}
}

// Store keeps the jobs' states. Implementations must make Save durable
// before returning: the scheduler relies on it across restarts.
type Store interface {
	Load(ctx context.Context) (map[string]State, error)
	Save(ctx context.Context, s State) error
}

// MemStore is a Store in memory, shared by schedulers of one process (and
// by tests standing in for two processes over one warehouse).
type MemStore struct {
	mu sync.Mutex
	m  map[string]State
}

var _ Store = (*MemStore)(nil)

// Load returns a copy of every saved state.
func (m *MemStore) Load(context.Context) (map[string]State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]State, len(m.m))
	for k, v := range m.m {
		v.Durations = append([]time.Duration(nil), v.Durations...)
		out[k] = v
	}
	return out, nil
}

// Save records one state.
func (m *MemStore) Save(_ context.Context, s State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]State{}
	}
	s.Durations = append([]time.Duration(nil), s.Durations...)
	m.m[s.Name] = s
	return nil
}

// Names lists the saved jobs, sorted.
func (m *MemStore) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
