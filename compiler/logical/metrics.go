package logical

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

// Metric is a metric checked against the catalog.
type Metric struct {
	Def  *model.Metric
	Name string
	Kind model.MetricKind
	Type model.Type

	// Simple metrics.
	Agg    string
	Fact   *WideTable
	Expr   ast.ExprNode // the aggregated expression; nil for COUNT(*); for derived metrics the formula
	Filter ast.ExprNode
	// Semi-additive.
	NonAdditive *NonAdditive

	// Derived metrics: the metrics the formula names, in order of first use.
	Refs []string
	// Period over period.
	Base   *Metric
	Offset model.Period
	// Cumulative: the base over a window ending with each period.
	ToDate string       // a grain: from the start of its period containing P
	Window model.Period // a span: [end of P − Window, end of P)
}

// NonAdditive is a checked semi-additive rule.
type NonAdditive struct {
	Time string   // qualified time field
	Take string   // last | first
	Per  []string // qualified fields
}

func (c *Catalog) buildMetrics(diags *model.Diagnostics) {
	for _, m := range c.Project.Metrics {
		if c.Metrics[m.Name] != nil {
			continue // duplicate, reported by the model
		}
		lm := &Metric{Def: m, Name: m.Name, Kind: m.Kind, Offset: m.Offset, ToDate: m.ToDate.Value, Window: m.Window}
		c.Metrics[m.Name] = lm
		switch m.Kind {
		case model.MetricSimple:
			c.simpleMetric(lm, diags)
		case model.MetricDerived:
			c.derivedMetric(lm, diags)
		}
	}
	for _, lm := range c.Metrics {
		if lm.Kind == model.MetricOffset || lm.Kind == model.MetricCumulative {
			lm.Base = c.Metrics[lm.Def.Base.Value]
			lm.Refs = []string{lm.Def.Base.Value}
			if lm.Base != nil {
				lm.Type = lm.Base.Type
			}
		}
	}
	c.metricCycles(diags)
	for _, m := range c.Project.Metrics {
		if lm := c.Metrics[m.Name]; lm != nil && lm.Kind == model.MetricCumulative && lm.Def == m {
			c.checkCumulative(lm, diags)
		}
	}
}

// qualify resolves every column reference of a model expression in place,
// reporting those that do not resolve; it returns the qualified names.
func (c *Catalog) qualify(e model.Expr, n ast.ExprNode, diags *model.Diagnostics) ([]string, bool) {
	ok := true
	var names []string
	for _, col := range expr.Columns(n) {
		// A field, or a time field at a grain (transactions.txn_time.month),
		// as in a query's where.
		q, grain, err := c.ResolveGrain(expr.Name(col.Name))
		if err != nil {
			diags.Add(about(model.ErrExpr(expr.Pos(e, expr.NodeOffset(col)), err.Code, "%s", err.Msg), expr.Name(col.Name)))
			ok = false
			continue
		}
		SetQualifiedGrain(col.Name, q, grain)
		names = append(names, q)
	}
	if ok {
		ok = addExprErrors(e, GrainLabels(n, func(c *ast.ColumnName) string { _, g := FieldRef(c); return g }), diags)
	}
	return names, ok
}

// SetQualified rewrites a column reference to the qualified field name.
func SetQualified(col *ast.ColumnName, qualified string) {
	alias, name, _ := strings.Cut(qualified, ".")
	col.Schema = ast.NewCIStr("")
	col.Table = ast.NewCIStr(alias)
	col.Name = ast.NewCIStr(name)
}

// SetQualifiedGrain rewrites a column reference to a time field read at a
// grain: alias.column.grain, held in the reference's three parts (schema,
// table, name) so that a printed expression reads as the user wrote it.
// FieldRef reads it back; every reader of a qualified reference goes through
// FieldRef, never through the parts.
func SetQualifiedGrain(col *ast.ColumnName, qualified, grain string) {
	if grain == "" {
		SetQualified(col, qualified)
		return
	}
	alias, name, _ := strings.Cut(qualified, ".")
	col.Schema = ast.NewCIStr(alias)
	col.Table = ast.NewCIStr(name)
	col.Name = ast.NewCIStr(grain)
}

// FieldRef reads a qualified column reference: the field it names and the
// grain it is read at ("" for the field itself).
func FieldRef(col *ast.ColumnName) (field, grain string) {
	if col.Schema.O != "" {
		return col.Schema.O + "." + col.Table.O, col.Name.O
	}
	return col.Table.O + "." + col.Name.O, ""
}

func (c *Catalog) simpleMetric(lm *Metric, diags *model.Diagnostics) {
	m := lm.Def
	lm.Agg = m.Agg.Value
	var refs []string
	ok := true
	parse := func(e model.Expr, what string, cond bool) ast.ExprNode {
		if e.IsZero() {
			return nil
		}
		n, d := expr.ParseModel(e)
		if d != nil {
			diags.Add(d)
			ok = false
			return nil
		}
		if !addExprErrors(e, expr.Check(n, what), diags) {
			ok = false
			return nil
		}
		names, good := c.qualify(e, n, diags)
		ok = ok && good
		refs = append(refs, names...)
		if good && !addExprErrors(e, expr.TypeCheck(n, what, c.fieldType, cond), diags) {
			ok = false
		}
		return n
	}
	lm.Expr = parse(m.Expr, "a metric's expr", false)
	lm.Filter = parse(m.Filter, "a metric's filter", true)
	if lm.Expr != nil && ok && (lm.Agg == model.AggSum || lm.Agg == model.AggAvg) {
		t := InferType(lm.Expr, func(col *ast.ColumnName) model.Type { t, _ := c.fieldType(col); return t })
		if f := t.Family(); f != model.FamNumber && f != model.FamAny {
			diags.Add(model.ErrExpr(m.Expr.Pos, "type-mismatch", "%s needs a number to add up, and %s is %s", lm.Agg, m.Expr.Text, t))
			ok = false
		}
	}
	var naFields []model.Str
	if na := m.NonAdditive; na != nil {
		naFields = append([]model.Str{na.Time}, na.Per...)
		lm.NonAdditive = &NonAdditive{Take: na.Take}
		for i, s := range naFields {
			if s.Value == "" {
				ok = false // a missing or malformed field is reported by the loader
				continue
			}
			q, err := c.Resolve(s.Value)
			if err != nil {
				diags.Add(about(model.ErrExpr(s.Pos, err.Code, "%s", err.Msg), s.Value))
				ok = false
				continue
			}
			refs = append(refs, q)
			if i == 0 {
				lm.NonAdditive.Time = q
				if f := c.AnyField(q); f != nil && !f.IsTime() {
					diags.Add(model.ErrInvalid(s.Pos, "non_additive.time", fmt.Sprintf("%s is %s, not a date or timestamp", q, f.Type)))
					ok = false
				}
			} else {
				lm.NonAdditive.Per = append(lm.NonAdditive.Per, q)
			}
		}
	}
	if !ok {
		return
	}
	lm.Fact = c.factFor(refs)
	if lm.Fact == nil {
		reason := "its fields are not all reachable from one fact"
		if len(refs) == 0 {
			reason = "give `expr` or `filter` so that Strata knows which fact it counts"
		} else if cands := c.factsHolding(refs); len(cands) > 1 {
			reason = fmt.Sprintf("its fields are reachable from several facts (%s); reference a column of the fact it measures", strings.Join(cands, ", "))
		}
		diags.Add(model.ErrMetricShape(m.Pos, m.Name, reason))
		return
	}
	lm.Type = c.aggType(lm)
}

// factFor picks the fact a measure belongs to: the one wide table holding every
// referenced field, preferring a fact whose own columns are referenced.
func (c *Catalog) factFor(refs []string) *WideTable {
	var cands []*WideTable
	for _, w := range c.Wide {
		all := true
		for _, r := range refs {
			if w.fields[r] == nil {
				all = false
				break
			}
		}
		if all && len(refs) > 0 {
			cands = append(cands, w)
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	for _, w := range cands {
		for _, r := range refs {
			if strings.HasPrefix(r, w.Fact.Name+".") {
				return w
			}
		}
	}
	return nil
}

func (c *Catalog) factsHolding(refs []string) []string {
	var out []string
	for _, w := range c.Wide {
		all := true
		for _, r := range refs {
			all = all && w.fields[r] != nil
		}
		if all {
			out = append(out, w.Fact.Name)
		}
	}
	return out
}

func (c *Catalog) aggType(lm *Metric) model.Type {
	switch lm.Agg {
	case model.AggCount, model.AggCountDistinct, model.AggApproxCountDistinct:
		return tBigint
	case model.AggAvg:
		return tDouble
	}
	t := InferType(lm.Expr, func(col *ast.ColumnName) model.Type {
		f, grain := FieldRef(col)
		return GrainType(lm.Fact.fields[f].Type, grain)
	})
	if lm.Agg == model.AggSum && t.Base == "decimal" {
		return model.Type{Base: "decimal", Precision: 38, Scale: t.Scale}
	}
	return t
}

func (c *Catalog) derivedMetric(lm *Metric, diags *model.Diagnostics) {
	m := lm.Def
	if m.Expr.IsZero() {
		return // an empty or malformed formula is reported by the loader
	}
	n, d := expr.ParseModel(m.Expr)
	if d != nil {
		diags.Add(d)
		return
	}
	if !addExprErrors(m.Expr, expr.Check(n, "a metric formula"), diags) {
		return
	}
	lm.Expr = n
	lm.Type = tDouble
	seen := map[string]bool{}
	for _, col := range expr.Columns(n) {
		name := expr.Name(col.Name)
		pos := expr.Pos(m.Expr, expr.NodeOffset(col))
		if col.Name.Table.O != "" {
			diags.Add(model.ErrExpr(pos, "field-in-formula", "a formula combines metrics, and %q is a field; define a metric for it", name))
			continue
		}
		if c.Project.Metric(name) == nil {
			diags.Add(model.ErrUnknownMetric(pos, name, c.Project.MetricNames()))
			continue
		}
		if !seen[name] {
			seen[name] = true
			lm.Refs = append(lm.Refs, name)
		}
	}
}

// metricCycles reports each metric that reaches itself through formulas or bases.
func (c *Catalog) metricCycles(diags *model.Diagnostics) {
	state := map[string]int{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		lm := c.Metrics[name]
		if lm == nil {
			return
		}
		state[name] = 1
		stack = append(stack, name)
		for _, r := range lm.Refs {
			switch state[r] {
			case 1:
				i := len(stack) - 1
				for stack[i] != r {
					i--
				}
				diags.Add(model.ErrMetricCycle(c.Metrics[r].Def.Pos, append(append([]string{}, stack[i:]...), r)))
			case 0:
				visit(r)
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = 2
	}
	for _, m := range c.Project.Metrics {
		if state[m.Name] == 0 {
			visit(m.Name)
		}
	}
}

// Measures lists the simple metrics a metric is computed from, depth first,
// without duplicates. Offset metrics contribute their base's measures.
func (c *Catalog) Measures(name string) []*Metric {
	var out []*Metric
	seen := map[string]bool{}
	var walk func(n string, depth int)
	walk = func(n string, depth int) {
		lm := c.Metrics[n]
		if lm == nil || seen[n] || depth > 64 {
			return
		}
		seen[n] = true
		if lm.Kind == model.MetricSimple {
			out = append(out, lm)
			return
		}
		for _, r := range lm.Refs {
			walk(r, depth+1)
		}
	}
	walk(name, 0)
	return out
}

// fieldType types a qualified reference for the type checker: a grain reads
// as the start of its period.
func (c *Catalog) fieldType(col *ast.ColumnName) (model.Type, bool) { return c.refType(col) }

// checkCumulative rejects what a cumulative metric cannot accumulate exactly:
// a semi-additive base (its value is a snapshot, not a sum over a window), a
// base that is itself shifted or cumulative (the windows would compose in more
// than one reasonable way), and windows that are not a positive span.
func (c *Catalog) checkCumulative(lm *Metric, diags *model.Diagnostics) {
	m := lm.Def
	if m.Window.N == 0 && m.ToDate.Value == "" || m.Base.Value == "" {
		return // the model reported the missing or invalid key
	}
	if m.Window.N < 0 {
		diags.Add(model.ErrInvalid(m.Window.Pos, "window", "a window is a positive span such as 7 days"))
		return
	}
	seen := map[string]bool{}
	var walk func(x *Metric, depth int) string
	walk = func(x *Metric, depth int) string {
		if x == nil || seen[x.Name] || depth > 64 {
			return ""
		}
		seen[x.Name] = true
		switch {
		case x.NonAdditive != nil:
			return fmt.Sprintf("%s is semi-additive (a snapshot per period); a cumulative metric adds up its base over a window", x.Name)
		case x != lm && x.Kind == model.MetricOffset:
			return fmt.Sprintf("%s is period over period; accumulate its base and shift the cumulative metric instead", x.Name)
		case x != lm && x.Kind == model.MetricCumulative:
			return fmt.Sprintf("%s is already cumulative", x.Name)
		}
		for _, r := range x.Refs {
			if why := walk(c.Metrics[r], depth+1); why != "" {
				return why
			}
		}
		return ""
	}
	if why := walk(lm, 0); why != "" {
		diags.Add(model.ErrMetricShape(m.Base.Pos, m.Name, why))
	}
}
