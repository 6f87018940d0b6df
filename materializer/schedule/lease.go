package schedule

import (
	"context"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Lease keeps two processes from building one rollup at once. A lease is a
// row (job, holder, expiry): Acquire succeeds when there is no row, the row
// has expired, or it is already the caller's; the holder renews it while
// the build runs, so a process killed mid-build frees it when it expires.
type Lease interface {
	// Acquire takes or renews the job's lease for ttl. It reports false,
	// with the current holder and expiry, when another holder has it.
	Acquire(ctx context.Context, job, holder string, ttl time.Duration) (ok bool, heldBy string, until time.Time, err error)
	// Release gives the lease up if the holder has it.
	Release(ctx context.Context, job, holder string) error
}

// MemLease is a Lease in memory, read against a clock.
type MemLease struct {
	Clock clockwork.Clock
	mu    sync.Mutex
	rows  map[string]leaseRow
}

type leaseRow struct {
	holder string
	until  time.Time
}

var _ Lease = (*MemLease)(nil)

// Acquire implements Lease.
func (l *MemLease) Acquire(_ context.Context, job, holder string, ttl time.Duration) (bool, string, time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Clock.Now()
	if l.rows == nil {
		l.rows = map[string]leaseRow{}
	}
	if r, ok := l.rows[job]; ok && r.holder != holder && now.Before(r.until) {
		return false, r.holder, r.until, nil
	}
	l.rows[job] = leaseRow{holder: holder, until: now.Add(ttl)}
	return true, holder, now.Add(ttl), nil
}

// Release implements Lease.
func (l *MemLease) Release(_ context.Context, job, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.rows[job]; ok && r.holder == holder {
		delete(l.rows, job)
	}
	return nil
}
