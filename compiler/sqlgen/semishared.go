package sqlgen

import (
	"fmt"
	"strings"

	"github.com/strata-metrics/strata/compiler/plan"
)

// Shared semi-additive read.
//
// Each semi-additive part reads its fact twice: once for the period edges,
// once for the rows at those edges. A query asking for several semi-additive
// metrics of one fact (closing, opening and per-account balances) would read
// the fact twice per metric. Raw semi-additive parts that read the same rows —
// the same fact, joins, filter and dimensions — instead share one CTE holding
// only the columns they need: the dimensions d0…dn, each snapshot time t0…,
// each `per` field k0…, each value v0…, and per part its metric filter. Each
// part then aggregates its edges from that CTE and joins them back to it, the
// shape a hand-written query takes (one read into a CTE, edges, joins on the
// edge time). Parts without `per` or a metric filter on the same snapshot
// time (closing and opening balances) share one edges CTE holding both the
// last and the first time of each period.
//
// Per-entity `last` keeps the aggregate-and-join shape rather than arg_max:
// arg_max keeps one row of an entity's last snapshot where the metric
// aggregates every row at that time, so only the join is exact when an
// entity has two rows at one time; MySQL has no arg_max either.
//
// Algorithm: group the raw, unshifted, non-cumulative semi-additive parts by
// the rendered FROM, WHERE and dimensions; a group of two or more parts gets
// the CTE, emitted just before its first part. A lone part keeps the direct
// shape: reading its fact twice costs less than materialising it once.

// semiGroup is one shared read: the CTE's name, its columns, and for each
// part the column names of its value, filter, time and `per` fields.
type semiGroup struct {
	name    string
	body    string
	emitted bool
	cols    map[*plan.Part]semiCols
	// edges are the shared period edges (last and first) of the parts
	// without `per` or a metric filter, by time column: closing and opening
	// balances aggregate the edges once.
	edges     map[string]string // time column → CTE name
	edgeOrder []string
	edgeBody  map[string]string
}

// ctes are the group's CTEs: the shared read, then its shared edges.
func (g *semiGroup) ctes(w *writer) []string {
	out := []string{w.q(g.name) + " AS (\n" + indent(g.body) + "\n)"}
	for _, t := range g.edgeOrder {
		out = append(out, w.q(g.edges[t])+" AS (\n"+indent(g.edgeBody[t])+"\n)")
	}
	return out
}

type semiCols struct {
	value, filter, time string
	per                 []string
}

// sharedSemi groups the plan's raw semi-additive parts; it returns the group
// of each part that shares a read.
func (w *writer) sharedSemi() (map[*plan.Part]*semiGroup, error) {
	type member struct {
		pt  *plan.Part
		key string
	}
	var members []member
	count := map[string]int{}
	for _, pt := range w.p.Parts {
		if pt.NonAdditive == nil || pt.Rollup != nil || !pt.Shift.IsZero() || pt.Cumulative != nil {
			continue
		}
		where, err := w.where(pt)
		if err != nil {
			return nil, err
		}
		key := pt.Fact.Name() + "\x00" + w.from(pt) + "\x00" + where
		for _, d := range w.p.Dims {
			s, err := w.dim(pt, d)
			if err != nil {
				return nil, err
			}
			key += "\x00" + s
		}
		members = append(members, member{pt, key})
		count[key]++
	}
	groups := map[string]*semiGroup{}
	byPart := map[*plan.Part]*semiGroup{}
	var order []string
	for _, m := range members {
		if count[m.key] < 2 {
			continue
		}
		g := groups[m.key]
		if g == nil {
			g = &semiGroup{name: fmt.Sprintf("snap%d", len(order)), cols: map[*plan.Part]semiCols{},
				edges: map[string]string{}, edgeBody: map[string]string{}}
			groups[m.key] = g
			order = append(order, m.key)
		}
		byPart[m.pt] = g
	}
	for _, key := range order {
		g := groups[key]
		var parts []*plan.Part
		for _, m := range members {
			if m.key == key {
				parts = append(parts, m.pt)
			}
		}
		if err := w.semiGroupBody(g, parts); err != nil {
			return nil, err
		}
	}
	return byPart, nil
}

// semiGroupBody renders the shared CTE of a group's parts.
func (w *writer) semiGroupBody(g *semiGroup, parts []*plan.Part) error {
	first := parts[0]
	var sel []string
	for i, d := range w.p.Dims {
		s, err := w.dim(first, d)
		if err != nil {
			return err
		}
		sel = append(sel, s+" AS "+w.q(dimCol(i)))
	}
	// Snapshot times, `per` fields and values are shared by the parts that
	// read the same expression.
	named := map[string]string{}
	column := func(prefix, s string) string {
		if c, ok := named[prefix+s]; ok {
			return c
		}
		n := 0
		for k := range named {
			if strings.HasPrefix(k, prefix) {
				n++
			}
		}
		c := fmt.Sprintf("%s%d", prefix, n)
		named[prefix+s] = c
		sel = append(sel, s+" AS "+w.q(c))
		return c
	}
	for i, pt := range parts {
		m := pt.NonAdditive
		var c semiCols
		t, err := w.field(pt, m.NonAdditive.Time)
		if err != nil {
			return err
		}
		c.time = column("t", t)
		for _, f := range m.NonAdditive.Per {
			s, err := w.field(pt, f)
			if err != nil {
				return err
			}
			c.per = append(c.per, column("k", s))
		}
		v := "1"
		if m.Expr != nil {
			if v, err = w.exprIn(pt, m.Expr); err != nil {
				return err
			}
		}
		c.value = column("v", v)
		if m.Filter != nil {
			f, err := w.exprIn(pt, m.Filter)
			if err != nil {
				return err
			}
			c.filter = fmt.Sprintf("f%d", i)
			sel = append(sel, f+" AS "+w.q(c.filter))
		}
		g.cols[pt] = c
	}
	// Parts without `per` or a filter read the same edges of a time column;
	// two or more of them share one aggregation of both edges.
	plain := map[string]int{}
	for _, pt := range parts {
		if c := g.cols[pt]; len(c.per) == 0 && c.filter == "" {
			plain[c.time]++
		}
	}
	for _, pt := range parts {
		c := g.cols[pt]
		if len(c.per) > 0 || c.filter != "" || plain[c.time] < 2 || g.edges[c.time] != "" {
			continue
		}
		name := fmt.Sprintf("%s_edges%d", g.name, len(g.edgeOrder))
		g.edges[c.time] = name
		g.edgeOrder = append(g.edgeOrder, c.time)
		body := fmt.Sprintf("SELECT MAX(%s) AS %s, MIN(%s) AS %s\nFROM %s", w.q(c.time), w.q("t_last"), w.q(c.time), w.q("t_first"), w.q(g.name))
		if group := w.timeDimCols(pt); len(group) > 0 {
			body += "\nGROUP BY " + strings.Join(group, ", ")
		}
		g.edgeBody[c.time] = body
	}
	where, err := w.where(first)
	if err != nil {
		return err
	}
	g.body = "SELECT " + strings.Join(sel, ", ") + "\n" + w.from(first) + where
	return nil
}

// semiFromShared writes a part of a group over the group's CTE: the edges
// of each period (per entity with `per`) over the rows its filter keeps, the
// rows at those edges joined back on the time and the `per` fields (NULL
// matching NULL), aggregated to the query's dimensions.
func (w *writer) semiFromShared(pt *plan.Part, g *semiGroup) string {
	na := pt.NonAdditive.NonAdditive
	c := g.cols[pt]
	src := w.q(g.name)
	e := w.q("e")
	var edgeSel, on, inner, outer []string
	for i := range w.p.Dims {
		col := w.q(dimCol(i))
		inner = append(inner, src+"."+col)
		outer = append(outer, col)
	}
	if name := g.edges[c.time]; name != "" && len(c.per) == 0 && c.filter == "" {
		col := "t_last"
		if na.Take == "first" {
			col = "t_first"
		}
		inner = append(inner, src+"."+w.q(c.value)+" AS "+w.q("v"))
		sub := "SELECT " + strings.Join(inner, ", ") + "\nFROM " + src +
			"\nJOIN " + w.q(name) + " AS " + e + " ON " + src + "." + w.q(c.time) + " = " + e + "." + w.q(col)
		outer = append(outer, w.agg(pt.NonAdditive.Agg, w.q("v"))+" AS "+w.q(measureCol(pt, pt.Measures[0])))
		return "SELECT " + strings.Join(outer, ", ") + "\nFROM (\n" + indent(sub) + "\n) AS " + w.q("s") + w.groupBy()
	}
	group := w.timeDimCols(pt)
	for i, k := range c.per {
		col := w.q(fmt.Sprintf("k%d", i))
		group = append(group, w.q(k))
		edgeSel = append(edgeSel, w.q(k)+" AS "+col)
		on = append(on, w.d.NullSafeEqual(src+"."+w.q(k), e+"."+col))
	}
	edge := "MAX"
	if na.Take == "first" {
		edge = "MIN"
	}
	where := ""
	if c.filter != "" {
		where = "\nWHERE " + src + "." + w.q(c.filter)
	}
	edgeSel = append(edgeSel, fmt.Sprintf("%s(%s) AS %s", edge, w.q(c.time), w.q("t_edge")))
	edges := "SELECT " + strings.Join(edgeSel, ", ") + "\nFROM " + src + where
	if len(group) > 0 {
		edges += "\nGROUP BY " + strings.Join(group, ", ")
	}
	on = append([]string{src + "." + w.q(c.time) + " = " + e + "." + w.q("t_edge")}, on...)
	inner = append(inner, src+"."+w.q(c.value)+" AS "+w.q("v"))
	sub := "SELECT " + strings.Join(inner, ", ") + "\nFROM " + src +
		"\nJOIN (\n" + indent(edges) + "\n) AS " + e + " ON " + strings.Join(on, " AND ") + where
	outer = append(outer, w.agg(pt.NonAdditive.Agg, w.q("v"))+" AS "+w.q(measureCol(pt, pt.Measures[0])))
	return "SELECT " + strings.Join(outer, ", ") + "\nFROM (\n" + indent(sub) + "\n) AS " + w.q("s") + w.groupBy()
}

// timeDimCols are the shared read's columns of the query's dimensions on the
// part's snapshot time: the periods its edges are taken in.
func (w *writer) timeDimCols(pt *plan.Part) []string {
	var group []string
	for i, d := range w.p.Dims {
		if d.Field == pt.NonAdditive.NonAdditive.Time {
			group = append(group, w.q(dimCol(i)))
		}
	}
	return group
}
