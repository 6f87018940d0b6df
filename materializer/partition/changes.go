package partition

import (
	"sort"
	"time"

	"github.com/strata-metrics/strata/model"
)

// Which partitions a source change touches.
//
// Algorithm:
//  1. Files are matched by path between the previous fingerprint set (what
//     the current rollup version was built from) and the current one.
//  2. A file present in both with the same size and mtime changed nothing.
//  3. A new file touches the partitions its [min, max] spans; a removed file
//     those its old range spanned; a rewritten file both.
//  4. A changed file without a known range (no statistics, or a time column
//     the statistics cannot bound) touches every partition: All.
//  5. A file with no rows touches nothing, whatever its range.
//  6. Rows whose time is NULL form a partition of their own (Change.Null),
//     touched by a changed file that has such rows or does not say.

// Grain is a partition grain: day, month or year.
type Grain string

// Start is the first instant of the grain's period holding t (a local wall time).
func (g Grain) Start(t time.Time) time.Time { return model.GrainStart(t, string(g)) }

// Next is the start of the period after the one starting at t.
func (g Grain) Next(t time.Time) time.Time { return model.GrainNext(t, string(g)) }

// Key names the partition holding t: its first day, 2025-03-01.
func (g Grain) Key(t time.Time) string { return g.Start(t).Format(time.DateOnly) }

// Span lists the keys of the partitions from the one holding lo to the one
// holding hi, inclusive.
func (g Grain) Span(lo, hi time.Time) []string {
	var out []string
	for p := g.Start(lo); !p.After(hi); p = g.Next(p) {
		out = append(out, p.Format(time.DateOnly))
	}
	return out
}

// Change is the set of partitions a source change touches.
type Change struct {
	All  bool
	Keys map[string]bool
	Null bool
}

// Empty reports whether nothing changed.
func (c Change) Empty() bool { return !c.All && !c.Null && len(c.Keys) == 0 }

// Sorted lists the touched keys in order.
func (c Change) Sorted() []string {
	out := make([]string, 0, len(c.Keys))
	for k := range c.Keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Add merges another change into c.
func (c *Change) Add(o Change) {
	c.All = c.All || o.All
	c.Null = c.Null || o.Null
	for k := range o.Keys {
		c.touch(k)
	}
}

func (c *Change) touch(k string) {
	if c.Keys == nil {
		c.Keys = map[string]bool{}
	}
	c.Keys[k] = true
}

func (c *Change) file(g Grain, f File) {
	if f.Nulls > 0 || (!f.NullsKnown && f.Rows > 0) {
		c.Null = true
	}
	switch {
	case f.Undated():
	case !f.HasRange:
		c.All = true
	default:
		for _, k := range g.Span(f.Min, f.Max) {
			c.touch(k)
		}
	}
}

// Diff compares the fingerprints a version was built from with the current
// ones.
func Diff(g Grain, built, now []File) Change {
	var c Change
	old := make(map[string]File, len(built))
	for _, f := range built {
		old[f.Path] = f
	}
	seen := make(map[string]bool, len(now))
	for _, f := range now {
		seen[f.Path] = true
		p, ok := old[f.Path]
		if ok && p.Same(f) {
			continue
		}
		c.file(g, f)
		if ok {
			c.file(g, p)
		}
	}
	for _, f := range built {
		if !seen[f.Path] {
			c.file(g, f)
		}
	}
	return c
}

// Watermark is the newest time the files hold by their statistics (a local
// wall time), and whether any file says. Lookback counts back from it, not
// from the wall clock: a source whose newest rows are a year old still has
// its last partitions re-covered, which is where its late rows land.
func Watermark(files []File) (time.Time, bool) {
	var w time.Time
	ok := false
	for _, f := range files {
		if f.HasRange && f.Rows > f.Nulls && (!ok || f.Max.After(w)) {
			w, ok = f.Max, true
		}
	}
	return w, ok
}

// Lookback lists the partitions that hold any instant at or after
// now − (n units), up to the one holding now: the recent partitions a
// refresh rebuilds whatever the fingerprints say, for late data that lands
// in files already seen. now is the source's watermark (see Watermark).
func Lookback(g Grain, now time.Time, n int, unit string) []string {
	if n <= 0 {
		return nil
	}
	from := model.Period{N: n, Unit: unit}.Before(now)
	return g.Span(from, now)
}
