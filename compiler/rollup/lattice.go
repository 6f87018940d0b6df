package rollup

import (
	"fmt"

	"github.com/strata-metrics/strata/compiler/plan"
)

// The lattice: building a rollup from a finer rollup instead of the raw fact.
//
// Rollup S can produce rollup T exactly when every row of T is the
// re-aggregation of a set of S's rows, which holds when:
//  1. S aggregates T's fact;
//  2. every field T keeps, S keeps (a group of T is a union of S's groups; the
//     wide table's joins are many-to-one, so joining fewer tables neither
//     drops nor repeats fact rows);
//  3. T keeps no time, or keeps S's time field at a grain S's grain rolls up
//     to (hour→day→week; day→month→quarter→year; never month→week or
//     week→month, whose periods split each other);
//  4. every measure T stores, S stores with the same definition, in a
//     storage whose re-aggregation is exact: sums and counts summed, min and
//     max of mins and maxes, an average's sum and count parts summed,
//     distinct sets unioned (only where the engine keeps sets as columns);
//  5. a semi-additive measure is read per snapshot date: T keeps its date at
//     S's grain (a sum over dates of S's rows would be right for T's stored
//     column, but only the per-date rows keep its `rows` count meaningful, so
//     the lattice stays with what it can show is exact).
//
// The caller also checks that S's stored version is current and its sources
// unchanged since its build: a stale S gives a stale T.

// rollsUp says which grains a time label of a grain computes.
var rollsUp = map[string][]string{
	"hour":    {"hour", "day", "week", "month", "quarter", "year"},
	"day":     {"day", "week", "month", "quarter", "year"},
	"week":    {"week"},
	"month":   {"month", "quarter", "year"},
	"quarter": {"quarter", "year"},
	"year":    {"year"},
}

// GrainRollsUp reports whether periods of grain to are unions of periods of
// grain from.
func GrainRollsUp(from, to string) bool {
	for _, g := range rollsUp[from] {
		if g == to {
			return true
		}
	}
	return false
}

// DerivableFrom returns "" when target's rows can be computed exactly from
// source's stored rows (rules 1–5 above), else the first rule it fails.
// sets says whether the engine keeps distinct sets as columns.
func DerivableFrom(target, source *Rollup, sets bool) string {
	switch {
	case target == source || target.Name == source.Name:
		return "a rollup is not built from itself"
	case target.Fact != source.Fact:
		return fmt.Sprintf("%s aggregates %s, not %s", source.Name, source.Fact.Name(), target.Fact.Name())
	}
	for _, d := range target.Dims {
		if !source.HasDim(d) {
			return fmt.Sprintf("%s does not keep %s", source.Name, d)
		}
	}
	if target.TimeField != "" {
		if source.TimeField != target.TimeField {
			return fmt.Sprintf("%s does not keep %s", source.Name, target.TimeField)
		}
		if !GrainRollsUp(source.Grain, target.Grain) {
			return fmt.Sprintf("%s's %s periods do not compose %s periods", source.Name, source.Grain, target.Grain)
		}
	}
	for _, m := range target.Measures {
		sm := source.Measure(m.Name)
		if sm == nil {
			return fmt.Sprintf("%s does not store %s", source.Name, m.Name)
		}
		if plan.MeasureString(sm) != plan.MeasureString(m) {
			return fmt.Sprintf("%s stores %s with another definition", source.Name, m.Name)
		}
		if StoresSet(m) && !sets {
			return fmt.Sprintf("%s is kept as side tables of keys on this engine", m.Name)
		}
		if na := m.NonAdditive; na != nil {
			if target.TimeField != na.Time || target.Grain != source.Grain {
				return fmt.Sprintf("semi-additive %s is re-aggregated only per snapshot date at %s's grain", m.Name, source.Name)
			}
		}
	}
	return ""
}

// BuildOrder orders rollups so that each comes after every rollup it can be
// built from: the finer first. Two rollups that can be built from each other
// (the same fields and measures) keep their declaration order, the later
// built from the earlier.
func BuildOrder(rs []*Rollup, sets bool) []*Rollup {
	// before[t] are the rollups t can be built from that must come first.
	before := make([][]int, len(rs))
	for i, t := range rs {
		for j, s := range rs {
			if i == j || DerivableFrom(t, s, sets) != "" {
				continue
			}
			if DerivableFrom(s, t, sets) == "" && j > i {
				continue // equivalent: the earlier declared goes first
			}
			before[i] = append(before[i], j)
		}
	}
	done := make([]bool, len(rs))
	var out []*Rollup
	// Kahn's algorithm, taking the first declared ready rollup each time, so
	// that independent rollups keep their declaration order.
	for len(out) < len(rs) {
		progressed := false
		for i := range rs {
			if done[i] {
				continue
			}
			ready := true
			for _, j := range before[i] {
				if !done[j] {
					ready = false
					break
				}
			}
			if ready {
				done[i], progressed = true, true
				out = append(out, rs[i])
				break
			}
		}
		if !progressed {
			// Unreachable (derivability is a preorder broken by declaration
			// order), but never loop: append the rest as declared.
			for i := range rs {
				if !done[i] {
					done[i] = true
					out = append(out, rs[i])
				}
			}
		}
	}
	return out
}
