package logical

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

// checkRollups resolves each rollup's fields and checks that it aggregates one fact.
func (c *Catalog) checkRollups(diags *model.Diagnostics) {
	for _, r := range c.Project.Rollups {
		facts := map[string]bool{}
		for _, ms := range r.Metrics {
			lm := c.Metrics[ms.Value]
			if lm == nil {
				continue
			}
			if lm.Kind == model.MetricOffset {
				diags.Add(model.ErrInvalid(ms.Pos, "metrics", fmt.Sprintf("%s is period over period; a rollup stores its base %q, and the offset is read from it", lm.Name, lm.Def.Base.Value)))
				continue
			}
			if lm.Kind == model.MetricCumulative {
				diags.Add(model.ErrInvalid(ms.Pos, "metrics", fmt.Sprintf("%s is cumulative; a rollup stores its base %q, and the window is read from it", lm.Name, lm.Def.Base.Value)))
				continue
			}
			for _, b := range c.Measures(ms.Value) {
				if b.Fact != nil {
					facts[b.Fact.Fact.Name] = true
				}
			}
		}
		if len(facts) > 1 {
			diags.Add(model.ErrInvalid(r.Pos, "rollup "+r.Name, fmt.Sprintf("its metrics come from several facts (%s); a rollup aggregates one fact", strings.Join(model.SortedKeys(facts), ", "))))
			continue
		}
		var fact *WideTable
		for f := range facts {
			fact = c.wide[f]
		}
		check := func(s model.Str) *Field {
			if s.Value == "" {
				return nil // a missing or malformed field is reported by the loader
			}
			q, err := c.Resolve(s.Value)
			if err != nil {
				diags.Add(about(model.ErrExpr(s.Pos, err.Code, "%s", err.Msg), s.Value))
				return nil
			}
			if fact != nil && fact.fields[q] == nil {
				diags.Add(about(model.ErrUnreachable(s.Pos, q, fact.Fact.Name), q))
				return nil
			}
			return c.AnyField(q)
		}
		for _, d := range r.Dimensions {
			check(d)
		}
		if r.Time != nil && r.Time.Field.Value != "" {
			if f := check(r.Time.Field); f != nil {
				if !f.IsTime() {
					diags.Add(model.ErrInvalid(r.Time.Field.Pos, "time.field", fmt.Sprintf("%s is %s, not a date or timestamp", f.Name, f.Type)))
				} else if g := r.Time.Grain.Value; g != "" && !slices.Contains(f.Grains(), g) {
					diags.Add(model.ErrInvalid(r.Time.Grain.Pos, "time.grain", fmt.Sprintf("%s is a date; it has no %s grain", f.Name, g)))
				}
			}
		}
	}
}

// checkTags resolves each tag's fields from its entity table.
func (c *Catalog) checkTags(diags *model.Diagnostics) {
	for _, t := range c.Project.Tags {
		ent := c.Project.Table(t.Entity.Value)
		if ent == nil {
			continue
		}
		reach := c.reachableFrom(ent.Name)
		// inEntity checks a field of the tag; a where filter may read a time
		// field at a grain, as a query's where does.
		inEntity := func(pos model.Pos, name string, grains bool) {
			if name == "" {
				return
			}
			q, err := c.Resolve(name)
			if grains {
				q, _, err = c.ResolveGrain(name)
			}
			if err != nil {
				diags.Add(about(model.ErrExpr(pos, err.Code, "%s", err.Msg), name))
				return
			}
			alias, _, _ := strings.Cut(q, ".")
			if !reach[alias] {
				diags.Add(about(model.ErrExpr(pos, "unreachable-field", "field %q cannot be reached from entity %q", q, ent.Name), q))
			}
		}
		if !t.Where.IsZero() {
			if n, d := expr.ParseModel(t.Where); d != nil {
				diags.Add(d)
			} else if addExprErrors(t.Where, expr.Check(n, "a tag"), diags) {
				for _, col := range expr.Columns(n) {
					inEntity(expr.Pos(t.Where, expr.NodeOffset(col)), expr.Name(col.Name), true)
				}
				resolved := func(col *ast.ColumnName) (model.Type, bool) {
					q, grain, err := c.ResolveGrain(expr.Name(col))
					if err != nil {
						return model.Type{}, false
					}
					return GrainType(c.AnyField(q).Type, grain), true
				}
				addExprErrors(t.Where, expr.TypeCheck(n, "a tag", resolved, true), diags)
			}
		}
		if t.Value.Value != "" {
			inEntity(t.Value.Pos, t.Value.Value, false)
		}
		if wm := t.WhereMetric; wm != nil && !wm.Filter.IsZero() {
			lm := c.Metrics[wm.Metric.Value]
			if n, d := expr.ParseModel(wm.Filter); d != nil {
				diags.Add(d)
			} else if addExprErrors(wm.Filter, expr.Check(n, "a tag filter"), diags) && lm != nil && lm.Fact != nil {
				names, _ := c.qualify(wm.Filter, n, diags)
				for i, q := range names {
					if lm.Fact.fields[q] == nil {
						diags.Add(about(model.ErrUnreachable(expr.Pos(wm.Filter, expr.NodeOffset(expr.Columns(n)[i])), q, lm.Fact.Fact.Name), q))
					}
				}
			}
		}
	}
}

// reachableFrom lists the table aliases reachable from a table along forward edges.
func (c *Catalog) reachableFrom(table string) map[string]bool {
	seen := map[string]bool{table: true}
	queue := []string{table}
	edges := c.Project.ForwardEdges()
	for len(queue) > 0 {
		t := queue[0]
		queue = queue[1:]
		for _, e := range edges {
			if e.From.Table == t {
				alias := e.To.Table
				if e.Rel.As.Value != "" {
					alias = e.Rel.As.Value
				}
				if !seen[alias] {
					seen[alias] = true
					queue = append(queue, e.To.Table)
				}
			}
		}
	}
	return seen
}

// about records which field a resolution error is about (see Validate).
func about(d *model.Diagnostic, field string) *model.Diagnostic {
	d.Field = field
	return d
}
