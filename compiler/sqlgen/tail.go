package sqlgen

import (
	"fmt"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// Partition ranges: the SQL that reads a rollup by partition.
//
// A partitioned rollup's partitions are ranges of its time labels (the
// rollup's time column, in the project's time zone). Three statements use them:
//  1. RollupBuildRanges: the rollup's build over only the raw rows whose
//     time label falls in the ranges. Besides the exact test on the label, a
//     looser bound on the raw column itself (two days before, nine after:
//     any time zone offset and a week label's days) lets the engine skip
//     files and row groups by their statistics.
//  2. RollupKeep: the stored rows outside the ranges, for a rebuild that
//     copies the unchanged partitions into the new version.
//  3. The lambda tail (from, when the part's RollupSource lists Stale
//     ranges): RollupKeep UNION ALL RollupBuildRanges over the same ranges,
//     read by the part as if it were the rollup table.
// A zero Range stands for the rows whose time is NULL: they form a
// partition of their own, so that no change to them is lost.

// RollupBuildRanges renders the rollup's build restricted to the ranges, and
// returns its column names in the order the stored table has them.
// When files are given they are the only fact files that can hold rows in
// the ranges (their statistics say so), and the build reads just them.
func RollupBuildRanges(cat *logical.Catalog, r *rollup.Rollup, d Dialect, ranges []plan.Range, files []string) (string, []string, error) {
	if len(ranges) == 0 {
		return "", nil, fmt.Errorf("internal: a ranged build of %s needs ranges", r.Name)
	}
	return rollupBuild(cat, r, d, ranges, files)
}

// fileList reads exactly the given parquet files, as the fact's source.
func fileList(d Dialect, files []string) (string, error) { return parquetList(d, files, false) }

// parquetList reads a list of parquet files or globs, their columns matched
// by position (files of one schema) or by name.
func parquetList(d Dialect, files []string, byName bool) (string, error) {
	if d.Name() != "duckdb" {
		return "", fmt.Errorf("reading a list of parquet files needs the duckdb engine, not %s", d.Name())
	}
	list := make([]string, len(files))
	for i, f := range files {
		list[i] = d.QuoteString(f)
	}
	opts := ""
	if byName {
		opts = ", union_by_name = true"
	}
	return "read_parquet([" + strings.Join(list, ", ") + "]" + opts + ")", nil
}

// RollupKeep renders the stored rows of table outside the ranges.
func RollupKeep(d Dialect, r *rollup.Rollup, table string, cols []string, ranges []plan.Range) string {
	w := &writer{d: d}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = w.q(c)
	}
	label := w.q(r.TimeColumn())
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + Table(w.d, table) + "\nWHERE NOT (" + w.labelIn(label, r.Grain, ranges) + ")"
}

// labelIn is true for a label in any of the ranges; it is never NULL, so
// that NOT (labelIn) keeps the rows of every other partition.
func (w *writer) labelIn(label, grain string, ranges []plan.Range) string {
	var or []string
	for _, rg := range ranges {
		if rg.IsNull() {
			or = append(or, label+" IS NULL")
			continue
		}
		or = append(or, fmt.Sprintf("(%s >= %s AND %s < %s)", label, w.dateLit(rg.From, grain), label, w.dateLit(rg.To, grain)))
	}
	return "COALESCE(" + strings.Join(or, " OR ") + ", false)"
}

// dateLit is a date literal compared with a label of the grain: hour labels
// are timestamps, the others dates.
func (w *writer) dateLit(day, grain string) string {
	typ := model.Type{Base: "date"}
	if grain == "hour" {
		typ = model.Type{Base: "timestamp"}
		day += " 00:00:00"
	}
	return fmt.Sprintf("CAST(%s AS %s)", w.d.QuoteString(day), w.d.Type(typ))
}

// rangeTerms are the WHERE terms of a ranged build: the exact test on the
// time label and, for a time field that is a plain column of the fact, the
// loose bound on the raw column.
func (w *writer) rangeTerms(pt *plan.Part, r *rollup.Rollup, ranges []plan.Range) ([]string, error) {
	label, err := w.dim(pt, &plan.Dim{Field: r.TimeField, Grain: r.Grain})
	if err != nil {
		return nil, err
	}
	terms := []string{w.labelIn(label, r.Grain, ranges)}
	f := pt.Fact.Field(r.TimeField)
	if f == nil || f.Computed != nil || f.Alias != pt.Fact.Name() {
		return terms, nil
	}
	var lo, hi string
	for _, rg := range ranges {
		if rg.IsNull() {
			return terms, nil // NULL times have no bound
		}
		if lo == "" || rg.From < lo {
			lo = rg.From
		}
		if rg.To > hi {
			hi = rg.To
		}
	}
	from, err1 := time.Parse(time.DateOnly, lo)
	to, err2 := time.Parse(time.DateOnly, hi)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("internal: partition range %s..%s is not a pair of dates", lo, hi)
	}
	raw := w.q(f.Alias) + "." + w.q(f.Column)
	typ := model.Type{Base: "date"}
	if f.Type.Family() != model.FamDate {
		typ = model.Type{Base: "timestamp"}
	}
	bound := func(t time.Time) string {
		s := t.Format(time.DateOnly)
		if typ.Base == "timestamp" {
			s += " 00:00:00"
		}
		return fmt.Sprintf("CAST(%s AS %s)", w.d.QuoteString(s), w.d.Type(typ))
	}
	terms = append(terms, fmt.Sprintf("%s >= %s", raw, bound(from.AddDate(0, 0, -2))), fmt.Sprintf("%s < %s", raw, bound(to.AddDate(0, 0, 9))))
	return terms, nil
}

// tails renders, before the rest of the statement, the FROM of every part
// served by a rollup with stale partitions: its current rows outside them
// UNION ALL the raw rows inside them.
func (w *writer) tails() error {
	var defs []*rollup.Rollup
	for _, pt := range w.p.Parts {
		rs := pt.Rollup
		if rs == nil || len(rs.Stale) == 0 {
			continue
		}
		if defs == nil {
			defs = rollup.Definitions(w.p.Catalog)
		}
		var def *rollup.Rollup
		for _, r := range defs {
			if r.Name == rs.Name {
				def = r
			}
		}
		if def == nil {
			return fmt.Errorf("internal: rollup %s serves part %s but has no definition", rs.Name, pt.ID)
		}
		build, cols, err := rollupBuild(w.p.Catalog, def, w.d, rs.Stale, rs.StaleFiles)
		if err != nil {
			return err
		}
		if w.tail == nil {
			w.tail = map[*plan.Part]string{}
		}
		keep := RollupKeep(w.d, def, rs.Table, cols, rs.Stale)
		w.tail[pt] = "FROM (\n" + keep + "\nUNION ALL\n" + build + "\n) AS " + w.q("r")
	}
	return nil
}
