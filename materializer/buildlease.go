package materializer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Build leases for every build path.
//
// The scheduler takes a rollup's lease row in _strata.leases before it
// builds; `strata refresh` and the DataAPI's refresh go through Refresh,
// which takes the same row, so two processes over one warehouse never build
// one rollup at once whichever path asked:
//  1. A caller that already holds the lease (the scheduler, which marks its
//     build's context with WithLeaseHeld) is not asked again.
//  2. Otherwise Refresh takes the lease as this process (DefaultHolder) and
//     renews it every third of its time to live while the build runs, so a
//     long build keeps it and a killed one loses it when it expires.
//  3. A lease of a process of this host that is gone (killed midway: on
//     DuckDB, whose file one process opens at a time, the only way to meet
//     another holder) is cleared at once (EngineLease.Acquire).
//  4. When another holder's lease is live the caller waits: it is told who
//     holds it (WithLeaseWait), looks again until the holder releases it or
//     it expires, then builds. A caller that stops waiting (its context
//     ends) gets a result saying which process was building.

// BuildLeaseTTL is how long a refresh's lease lasts unless renewed.
const BuildLeaseTTL = 5 * time.Minute

// leasePoll is how often a waiting refresh looks at the lease again.
var leasePoll = 250 * time.Millisecond

// DefaultHolder names this process in lease rows: host:pid.
func DefaultHolder() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

type leaseHeldKey struct{ rollup string }

// WithLeaseHeld marks ctx as running under the rollup's build lease, taken
// by the caller: Refresh then does not take it again.
func WithLeaseHeld(ctx context.Context, rollup string) context.Context {
	return context.WithValue(ctx, leaseHeldKey{rollup}, true)
}

type leaseWaitKey struct{}

// LeaseWait is told that a refresh waits for a rollup's lease, held by
// holder until at most until.
type LeaseWait func(rollup, holder string, until time.Time)

// WithLeaseWait has f told whenever a refresh under ctx starts waiting for
// another process's build.
func WithLeaseWait(ctx context.Context, f LeaseWait) context.Context {
	return context.WithValue(ctx, leaseWaitKey{}, f)
}

// BuildRunningError is a refresh that stopped waiting for another process's
// build of the rollup.
type BuildRunningError struct {
	Rollup, Holder string
	Until          time.Time
	Cause          error
}

func (e *BuildRunningError) Error() string {
	return fmt.Sprintf("%s is being built by %s (its lease runs to %s); stopped waiting for it: %v",
		e.Rollup, e.Holder, e.Until.UTC().Format(time.DateTime), e.Cause)
}

func (e *BuildRunningError) Unwrap() error { return e.Cause }

// holdLease takes the rollup's build lease for the duration of one build
// (steps 1–4) and returns its release.
func (m *Materializer) holdLease(ctx context.Context, rollup string) (func(), error) {
	building(rollup, 1)
	if held, _ := ctx.Value(leaseHeldKey{rollup}).(bool); held {
		return func() { building(rollup, -1) }, nil
	}
	m.leaseOnce.Do(func() { m.lease = &EngineLease{Engine: m.Engine, Dialect: m.Dialect} })
	l := m.lease
	holder := m.holder()
	told := ""
	for {
		ok, other, until, err := l.Acquire(ctx, rollup, holder, BuildLeaseTTL)
		if err != nil {
			building(rollup, -1)
			return nil, err
		}
		if ok {
			break
		}
		if f, _ := ctx.Value(leaseWaitKey{}).(LeaseWait); f != nil && told != other {
			f(rollup, other, until)
		}
		told = other
		wait := min(leasePoll, max(time.Until(until), time.Millisecond))
		select {
		case <-ctx.Done():
			building(rollup, -1)
			return nil, &BuildRunningError{Rollup: rollup, Holder: other, Until: until, Cause: ctx.Err()}
		case <-time.After(wait):
		}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(BuildLeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_, _, _, _ = l.Acquire(context.WithoutCancel(ctx), rollup, holder, BuildLeaseTTL)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		_ = l.Release(context.WithoutCancel(ctx), rollup, holder)
		building(rollup, -1)
	}, nil
}

// inflight counts this process's builds under way, by rollup. A lease row
// naming this process while it builds nothing of that rollup is a leftover
// — its release failed with the engine gone midway — and not a build
// (ownLeftover): status does not report it as building.
var (
	inflightMu sync.Mutex
	inflight   = map[string]int{}
)

func building(rollup string, d int) {
	inflightMu.Lock()
	defer inflightMu.Unlock()
	inflight[rollup] += d
}

// ownLeftover reports whether holder is this process and it builds nothing
// of the rollup.
func (m *Materializer) ownLeftover(rollup, holder string) bool {
	if holder != m.holder() {
		return false
	}
	inflightMu.Lock()
	defer inflightMu.Unlock()
	return inflight[rollup] <= 0
}

// holder is the name this materializer's refreshes take leases under.
func (m *Materializer) holder() string {
	if m.Holder != "" {
		return m.Holder
	}
	return DefaultHolder()
}

// holderGone reports whether a holder named host:pid (DefaultHolder) is a
// process of this host that no longer runs.
func holderGone(holder string) bool {
	i := strings.LastIndexByte(holder, ':')
	if i < 0 {
		return false
	}
	pid, err := strconv.Atoi(holder[i+1:])
	host, _ := os.Hostname()
	if err != nil || pid <= 0 || holder[:i] != host {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
