package logical

import (
	"sort"
	"strings"

	"github.com/strata-metrics/strata/model"
)

// Validate is what `strata validate` runs: the expression checks of Build on
// top of the diagnostics model.Load found, in one pass. Build runs even when
// loading found errors, so that a mistake in one stage (an unknown base
// metric) does not hide the mistakes of the next (a field a filter misspells).
//
// A loading error can make later checks fail for its sake alone: a table whose
// columns are malformed has no fields, so every expression naming them would
// be "unknown". Such cascades are dropped:
//  1. every definition (table, relationship, dimension, metric, rollup, tag)
//     spans the lines from its start to the next definition's start in its
//     file; a loading error inside that span taints the definition;
//  2. a field error of Build (Diagnostic.Field set) is dropped when its field
//     belongs to a tainted table, or names a column its table declares while a
//     table or relationship is tainted (the field exists; a broken join or fact
//     hid it), or is a bare name while a table is tainted;
//  3. a Build error at the very position of a loading error is dropped: the
//     loading error already says what is wrong there.
//
// The catalog is returned only when there is no error at all.
func Validate(p *model.Project, loaded model.Diagnostics) (*Catalog, model.Diagnostics) {
	diags := append(model.Diagnostics{}, loaded...)
	if p == nil {
		return nil, diags
	}
	cat, more := Build(p)
	if loaded.HasErrors() {
		more = dropCascades(p, loaded, more)
	}
	diags = append(diags, more...)
	diags.Sort()
	if diags.HasErrors() {
		return nil, diags
	}
	return cat, diags
}

type span struct {
	pos   model.Pos
	table *model.Table        // set for a table
	rel   *model.Relationship // set for a relationship
}

func dropCascades(p *model.Project, loaded, built model.Diagnostics) model.Diagnostics {
	var spans []span
	for _, t := range p.Tables {
		spans = append(spans, span{pos: t.Pos, table: t})
	}
	for _, r := range p.Relationships {
		spans = append(spans, span{pos: r.Pos, rel: r})
	}
	for _, d := range p.Dimensions {
		spans = append(spans, span{pos: d.Pos})
	}
	for _, m := range p.Metrics {
		spans = append(spans, span{pos: m.Pos})
	}
	for _, r := range p.Rollups {
		spans = append(spans, span{pos: r.Pos})
	}
	for _, t := range p.Tags {
		spans = append(spans, span{pos: t.Pos})
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].pos.Before(spans[j].pos) })

	taintedTables := map[string]bool{}
	relTainted := false
	errAt := map[model.Pos]bool{}
	for _, d := range loaded {
		if d.Severity == model.SevWarning {
			continue
		}
		errAt[d.Pos] = true
		// The last definition starting at or before the error, in its file.
		i := sort.Search(len(spans), func(k int) bool { return d.Pos.Before(spans[k].pos) }) - 1
		if i < 0 || spans[i].pos.File != d.Pos.File {
			continue
		}
		switch s := spans[i]; {
		case s.table != nil:
			taintedTables[s.table.Name] = true
		case s.rel != nil:
			relTainted = true
		}
	}
	anyTainted := relTainted || len(taintedTables) > 0
	cascade := func(field string) bool {
		alias, col, qualified := strings.Cut(field, ".")
		if !qualified {
			return len(taintedTables) > 0
		}
		t := tableOf(p, alias)
		switch {
		case t == nil:
			// An unknown table or role: a broken relationship may be what
			// would have defined it.
			return relTainted
		case taintedTables[t.Name]:
			return true
		default:
			return anyTainted && t.Column(col) != nil
		}
	}
	out := built[:0:0]
	for _, d := range built {
		if errAt[d.Pos] || (d.Field != "" && cascade(d.Field)) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// tableOf finds the table an alias names: the table itself, or the target of
// the relationship whose role it is.
func tableOf(p *model.Project, alias string) *model.Table {
	if t := p.Table(alias); t != nil {
		return t
	}
	for _, r := range p.Relationships {
		if r.As.Value == alias {
			return p.Table(r.To.Table)
		}
	}
	return nil
}
