package rewrite

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// Apply moves each part of the plan onto the cheapest rollup that answers it
// exactly. It returns a new plan and leaves p as it was, so that one plan can
// be rewritten against several states; the parts' joins, filters and measures
// are shared with p, never modified.
//
// Algorithm, for every part and every rollup of the part's fact:
//  1. The rollup aggregates the part's fact. A rollup that aggregates none of
//     the query's facts is recorded once, as other_fact.
//  2. It is built, and from the model's current definition (same hash).
//  3. Every dimension of the query is a rollup dimension, or a grain of the
//     rollup's time field that its grain rolls up to (hour→day→week;
//     day→month→quarter→year; never month→week). A plain date field is served
//     by a day grain, whose label is the date itself.
//  4. Every filter term reads only such fields; a term on the rollup's time
//     field compares it with >= or < against a literal on a boundary of the
//     rollup's grain in the project's time zone (a date field kept by day is
//     exact under any comparison). A period-over-period part reads that term
//     with the time shifted forward: the shift must then move each of the
//     rollup's periods whole (a month rollup by months, never by weeks).
//     A cumulative part's windows start on boundaries of the rollup's grain:
//     to_date at a grain the rollup's grain rolls up to, a trailing window of
//     whole rollup periods (7 days from a day rollup, 3 months from a month
//     one; their ends are the query's period ends, which rule 3 aligns).
//  5. Every measure of the part is stored by the rollup (a stored measure is
//     the same definition: the hash covers it). A semi-additive measure also
//     needs its snapshot date kept by day and its `per` fields kept.
//  6. It is fresh: its sources have not changed since the build, or the build
//     is within the query's staleness tolerance.
//
// Among the rollups that pass, the one with the fewest rows wins; ties go to
// the first declared. Every other rollup is recorded with the rule it failed.
func Apply(p *plan.Plan, in Input) (*plan.Plan, []Decision) {
	np := *p
	np.Parts = make([]*plan.Part, len(p.Parts))
	var out []Decision
	read := map[*rollup.Rollup]bool{}
	for i, orig := range p.Parts {
		pt := *orig
		np.Parts[i] = &pt
		var best *rollup.Rollup
		var bestRows int64
		var cands []Decision
		for _, r := range in.Rollups {
			if r.Fact != pt.Fact {
				continue // rule 1: other facts' rollups are not candidates for this part
			}
			read[r] = true
			d := Decision{Rollup: r.Name, Part: pt.ID}
			if p.Query != nil && p.Query.NoRollup {
				d.Code, d.Reason = CodeNoRollup, "rollups are disabled for this query (no_rollup)"
			} else {
				d.Code, d.Reason = check(p, &pt, r, in)
			}
			if d.Code == "" {
				st := in.States[r.Name]
				d.Rows = st.Rows
				if best == nil || st.Rows < bestRows {
					best, bestRows = r, st.Rows
				}
			}
			cands = append(cands, d)
		}
		for i := range cands {
			if best != nil && cands[i].Rollup == best.Name {
				cands[i].Used, cands[i].Code = true, CodeUsed
			} else if cands[i].Code == "" {
				cands[i].Code = CodeCheaper
				cands[i].Reason = fmt.Sprintf("a cheaper rollup serves it (%s: %d rows against %d)", best.Name, bestRows, cands[i].Rows)
			}
		}
		out = append(out, cands...)
		if best != nil {
			st := in.States[best.Name]
			pt.Source = best.Name
			pt.Rollup = best.Source(st.Table, st.Rows)
			withTail(&pt, st)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Part < out[j].Part })
	for _, r := range in.Rollups {
		if !read[r] {
			out = append(out, Decision{Rollup: r.Name, Code: CodeOtherFact, Reason: fmt.Sprintf("aggregates %s, which the query does not read", r.Fact.Name())})
		}
	}
	return &np, out
}

// check returns "" when the rollup can serve the part, else the code and
// prose of the first rule it fails.
func check(p *plan.Plan, pt *plan.Part, r *rollup.Rollup, in Input) (code, reason string) {
	st, built := in.States[r.Name]
	switch {
	case !built || st.Table == "":
		return CodeNotBuilt, "not built yet (run `strata refresh " + r.Name + "`)"
	case st.Hash != r.Hash:
		return CodeOutdated, "built from an older definition; it is rebuilt by the next refresh"
	}
	for _, d := range p.Dims {
		if why := covers(r, d.Field, d.Grain, pt.Fact.Field(d.Field).Type); why != "" {
			return CodeDimension, why
		}
	}
	for _, s := range pt.Semi {
		if !r.HasDim(s.Field) {
			return CodeAudience, fmt.Sprintf("the audience restricts %s, which the rollup does not keep", s.Field)
		}
	}
	if c := pt.Cumulative; c != nil {
		if why := windowAligned(c, r); why != "" {
			return CodeWindow, why
		}
	}
	for _, c := range pt.Where {
		if code, why := filterCovered(p, r, c, pt); why != "" {
			return code, why
		}
	}
	for _, m := range pt.Measures {
		if r.Measure(m.Metric.Name) == nil {
			return CodeMeasure, fmt.Sprintf("measure %s not in rollup", m.Metric.Name)
		}
		if na := m.Metric.NonAdditive; na != nil {
			f := pt.Fact.Field(na.Time)
			if r.TimeField != na.Time || r.Grain != "day" || f.Type.Family() != model.FamDate {
				return CodeSemiAdditive, fmt.Sprintf("semi-additive %s needs %s kept by day", m.Metric.Name, na.Time)
			}
			for _, per := range na.Per {
				if !r.HasDim(per) {
					return CodeSemiAdditive, fmt.Sprintf("semi-additive %s needs its per field %s in the rollup", m.Metric.Name, per)
				}
			}
		}
	}
	if st.SourceChanged && !tailServes(st) {
		age := in.Now.Sub(st.BuiltAt).Round(time.Second)
		why := ""
		if st.StaleWhy != "" {
			why = " (" + st.StaleWhy + ")"
		}
		if p.Freshness <= 0 {
			return CodeStale, fmt.Sprintf("stale: its sources changed since it was built %s ago%s, and the query tolerates no staleness", age, why)
		}
		if age > p.Freshness {
			return CodeStale, fmt.Sprintf("stale: built %s ago, its sources changed since%s, and the query tolerates %s", age, why, p.Freshness)
		}
	}
	return "", ""
}

// windowAligned checks that every window of a cumulative part is a union of
// whole periods of the rollup: its start is a boundary of the rollup's grain.
func windowAligned(c *plan.Cumulative, r *rollup.Rollup) string {
	if c.ToDate != "" {
		for _, g := range rollsUp[r.Grain] {
			if g == c.ToDate {
				return ""
			}
		}
		return fmt.Sprintf("%s to date cannot be read from the rollup's %s periods", c.ToDate, r.Grain)
	}
	if !shiftKeepsPeriods(c.Window, r.Grain) {
		return fmt.Sprintf("a %s window splits the rollup's %s periods", c.Window, r.Grain)
	}
	return ""
}

// rollsUp says which query grains a rollup grain can compute.
var rollsUp = map[string][]string{
	"hour":    {"hour", "day", "week", "month", "quarter", "year"},
	"day":     {"day", "week", "month", "quarter", "year"},
	"week":    {"week"},
	"month":   {"month", "quarter", "year"},
	"quarter": {"quarter", "year"},
	"year":    {"year"},
}

// shiftKeepsPeriods reports whether shifting by p maps every period of the
// grain onto exactly one period of the grain, so that a filter on the shifted
// period labels selects what it selects on each raw row's shifted time (with
// bounds on the grain's boundaries): whole hours for an hour
// grain; whole days for a day grain (calendar months and years move a date
// to a date); whole weeks for a week; whole months, quarters, years for those.
func shiftKeepsPeriods(p model.Period, grain string) bool {
	n, unit := p.N, p.Unit
	switch unit {
	case "week":
		n, unit = 7*n, "day"
	case "quarter":
		n, unit = 3*n, "month"
	case "year":
		n, unit = 12*n, "month"
	}
	if unit == "hour" && grain != "hour" {
		if n%24 != 0 {
			return false
		}
		n, unit = n/24, "day"
	}
	switch grain {
	case "hour":
		return true
	case "day":
		return unit == "day" || unit == "month"
	case "week":
		return unit == "day" && n%7 == 0
	case "month":
		return unit == "month"
	case "quarter":
		return unit == "month" && n%3 == 0
	case "year":
		return unit == "month" && n%12 == 0
	}
	return false
}

func covers(r *rollup.Rollup, field, grain string, t model.Type) string {
	if r.HasDim(field) && grain == "" {
		return ""
	}
	if field != r.TimeField {
		if grain != "" {
			return fmt.Sprintf("dimension %s.%s not in rollup", field, grain)
		}
		return fmt.Sprintf("dimension %s not in rollup", field)
	}
	if grain == "" {
		if t.Family() == model.FamDate && r.Grain == "day" {
			return ""
		}
		return fmt.Sprintf("dimension %s is kept only by %s", field, r.Grain)
	}
	for _, g := range rollsUp[r.Grain] {
		if g == grain {
			return ""
		}
	}
	return fmt.Sprintf("grain %s cannot be computed from the rollup's %s grain", grain, r.Grain)
}

// filterCovered checks rule 4 for one filter term.
func filterCovered(p *plan.Plan, r *rollup.Rollup, c ast.ExprNode, pt *plan.Part) (code, reason string) {
	onTime := false
	for _, col := range expr.Columns(c) {
		q, grain := logical.FieldRef(col.Name)
		if r.HasDim(q) && grain == "" {
			continue
		}
		if q != r.TimeField && p.IsScope(c) {
			return CodeScopeField, fmt.Sprintf("the key's scope filters on %s, which the rollup does not keep", q)
		}
		if q != r.TimeField {
			if grain != "" {
				return CodeFilterField, fmt.Sprintf("filter field %s.%s not in rollup", q, grain)
			}
			return CodeFilterField, fmt.Sprintf("filter field %s not in rollup", q)
		}
		if grain != "" {
			// A grain the rollup's grain rolls up to is computed from its
			// period labels exactly, under any comparison.
			if why := covers(r, q, grain, pt.Fact.Field(q).Type); why != "" {
				return CodeFilterField, "filter on " + q + "." + grain + ": " + why
			}
			continue
		}
		onTime = true
	}
	if !onTime {
		if !pt.Shift.IsZero() && pt.TimeFields[r.TimeField] && !shiftKeepsPeriods(pt.Shift, r.Grain) && readsTime(c, r.TimeField) {
			return CodeShiftSplits, fmt.Sprintf("filter on %s, moved %s forward for period over period, splits the rollup's %s periods", r.TimeField, pt.Shift, r.Grain)
		}
		return "", ""
	}
	f := pt.Fact.Field(r.TimeField)
	if f.Type.Family() == model.FamDate && r.Grain == "day" {
		return "", ""
	}
	if !pt.Shift.IsZero() && pt.TimeFields[r.TimeField] && !shiftKeepsPeriods(pt.Shift, r.Grain) {
		return CodeShiftSplits, fmt.Sprintf("filter on %s, moved %s forward for period over period, splits the rollup's %s periods", r.TimeField, pt.Shift, r.Grain)
	}
	if why := boundOK(c, r); why != "" {
		return CodeFilterBound, why
	}
	return "", ""
}

// boundOK accepts `field >= literal` and `field < literal` (either side) with
// the literal on a boundary of the rollup's grain.
func boundOK(c ast.ExprNode, r *rollup.Rollup) string {
	bad := fmt.Sprintf("filter on %s must be >= or < a %s boundary to be answered at %s grain", r.TimeField, r.Grain, r.Grain)
	b, ok := unparen(c).(*ast.BinaryOperationExpr)
	if !ok {
		return bad
	}
	var lit ast.ExprNode
	switch op := b.Op; {
	case isField(b.L) && (op == opcode.GE || op == opcode.LT):
		lit = b.R
	case isField(b.R) && (op == opcode.LE || op == opcode.GT):
		lit = b.L
	default:
		return bad
	}
	t, ok := literalTime(lit)
	if !ok {
		return fmt.Sprintf("filter on %s compares it with something other than a date or timestamp literal", r.TimeField)
	}
	if !onBoundary(t, r.Grain) {
		return fmt.Sprintf("filter bound %s is not on a %s boundary", t.Format("2006-01-02 15:04:05"), r.Grain)
	}
	return ""
}

// readsTime reports whether a filter term reads the field, at any grain.
func readsTime(c ast.ExprNode, field string) bool {
	for _, col := range expr.Columns(c) {
		if q, _ := logical.FieldRef(col.Name); q == field {
			return true
		}
	}
	return false
}

func unparen(n ast.ExprNode) ast.ExprNode {
	for {
		p, ok := n.(*ast.ParenthesesExpr)
		if !ok {
			return n
		}
		n = p.Expr
	}
}

func isField(n ast.ExprNode) bool {
	_, ok := unparen(n).(*ast.ColumnNameExpr)
	return ok
}

var timeLayouts = []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05.000"}

// literalTime reads a string, DATE '…' or TIMESTAMP '…' literal as wall time.
func literalTime(n ast.ExprNode) (time.Time, bool) {
	n = unparen(n)
	if f, ok := n.(*ast.FuncCallExpr); ok {
		name := expr.FuncName(f)
		if (name == "dateliteral" || name == "timestampliteral") && len(f.Args) == 1 {
			n = f.Args[0]
		}
	}
	v, ok := n.(ast.ValueExpr)
	if !ok {
		return time.Time{}, false
	}
	s, ok := v.GetValue().(string)
	if !ok {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func onBoundary(t time.Time, grain string) bool {
	if grain == "hour" {
		return t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
		return false
	}
	switch grain {
	case "week":
		return t.Weekday() == time.Monday
	case "month":
		return t.Day() == 1
	case "quarter":
		return t.Day() == 1 && (t.Month()-1)%3 == 0
	case "year":
		return t.Day() == 1 && t.Month() == time.January
	}
	return true
}
