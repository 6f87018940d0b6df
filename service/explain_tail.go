package service

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/strata-metrics/strata/compiler/plan"
)

// TailSplit is how a part served by a rollup with a lambda tail is split:
// the rollup's stored partitions outside the stale ranges are read from the
// rollup, the stale ranges from the raw rows (only the files holding them,
// when the statistics say which).
type TailSplit struct {
	Part   string `json:"part"`
	Rollup string `json:"rollup"`
	// FromRollup are the partition keys answered from the rollup.
	FromRollup []string `json:"from_rollup"`
	// FromRaw are the ranges of time labels read raw, "[from, to)", and
	// "NULL times" for the rows without a time.
	FromRaw []string `json:"from_raw"`
	// RawFiles are the fact files the tail reads, relative to the project;
	// empty when it reads the whole source.
	RawFiles []string `json:"raw_files,omitempty"`
}

// tails lists the split of every part served with a tail.
func (s *Project) tails(ctx context.Context, p *plan.Plan) ([]TailSplit, error) {
	var out []TailSplit
	for _, pt := range p.Parts {
		r := pt.Rollup
		if r == nil || len(r.Stale) == 0 {
			continue
		}
		parts, err := s.m.Partitions(ctx, r.Name)
		if err != nil {
			return nil, err
		}
		ts := TailSplit{Part: pt.ID, Rollup: r.Name, FromRollup: []string{}}
		nullStale := false
		for _, rg := range r.Stale {
			if rg.IsNull() {
				nullStale = true
				ts.FromRaw = append(ts.FromRaw, "NULL times")
				continue
			}
			ts.FromRaw = append(ts.FromRaw, "["+rg.From+", "+rg.To+")")
		}
		nullKept := false
		for _, ps := range parts {
			if ps.Key == "null" {
				nullKept = !nullStale
				continue
			}
			if !inRanges(ps.Key, r.Stale) {
				ts.FromRollup = append(ts.FromRollup, ps.Key)
			}
		}
		sort.Strings(ts.FromRollup)
		if nullKept {
			ts.FromRollup = append(ts.FromRollup, "NULL times")
		}
		for _, f := range r.StaleFiles {
			if rel, err := filepath.Rel(s.Project.Dir, f); err == nil && !strings.HasPrefix(rel, "..") {
				f = rel
			}
			ts.RawFiles = append(ts.RawFiles, f)
		}
		out = append(out, ts)
	}
	return out, nil
}

func inRanges(key string, rs []plan.Range) bool {
	for _, rg := range rs {
		if !rg.IsNull() && key >= rg.From && key < rg.To {
			return true
		}
	}
	return false
}

// text renders the split for explain's text output: counts and the first
// and last partition (a rollup holds hundreds), every raw range.
func (t TailSplit) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tail of %s (%s+tail):\n", t.Part, t.Rollup)
	fmt.Fprintf(&b, "  from %s: %s\n", t.Rollup, span(t.FromRollup))
	fmt.Fprintf(&b, "  from raw rows: %s\n", strings.Join(t.FromRaw, ", "))
	if len(t.RawFiles) > 0 {
		fmt.Fprintf(&b, "  raw files read: %s\n", strings.Join(t.RawFiles, ", "))
	}
	b.WriteString("\n")
	return b.String()
}

func span(keys []string) string {
	switch len(keys) {
	case 0:
		return "no partition"
	case 1:
		return "1 partition, " + keys[0]
	case 2:
		return "2 partitions, " + keys[0] + " and " + keys[1]
	}
	return fmt.Sprintf("%d partitions, %s … %s", len(keys), keys[0], keys[len(keys)-1])
}
