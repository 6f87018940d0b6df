package schedule

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces the retries of a failing build.
//
// Algorithm:
//  1. The n-th consecutive failure waits Base·2^(n-1), capped at Max.
//  2. Jitter takes that delay d to a uniformly chosen point of [d/2, d]
//     ("equal jitter"): retries of rollups that failed together (one bad
//     source, one engine restart) spread out instead of stampeding, and the
//     wait still grows with every failure.
//  3. A success resets the count (the scheduler zeroes State.Failures).
type Backoff struct {
	Base time.Duration // first retry delay; default 30s
	Max  time.Duration // cap; default 30m
}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = 30 * time.Second
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Minute
	}
	if b.Max < b.Base {
		b.Max = b.Base
	}
	return b
}

// Ceiling is the delay before jitter for the given count of consecutive failures.
func (b Backoff) Ceiling(failures int) time.Duration {
	b = b.withDefaults()
	if failures < 1 {
		return 0
	}
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Delay is the jittered wait after the given count of consecutive failures.
func (b Backoff) Delay(failures int, r *rand.Rand) time.Duration {
	d := b.Ceiling(failures)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + time.Duration(r.Int64N(int64(d-half)+1))
}
