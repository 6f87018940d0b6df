package logical

import (
	"sort"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

// checkAPIKeys checks each API key's scope: its where filter parses, is a
// filter, and reads known fields; its metrics exist. The filter is applied to
// every query the key makes, so a field that no fact reaches would lock the
// key out of everything: the plan reports that per query.
func (c *Catalog) checkAPIKeys(diags *model.Diagnostics) {
	var known []string
	for name := range c.Metrics {
		known = append(known, name)
	}
	sort.Strings(known)
	for _, k := range c.Project.API.Keys {
		if !k.Where.IsZero() {
			if n, d := expr.ParseModel(k.Where); d != nil {
				diags.Add(d)
			} else if addExprErrors(k.Where, expr.Check(n, "a key's scope"), diags) {
				// Typed as a query's where is: a scope that is no condition,
				// or compares a field with a value of another type, would
				// filter by the engine's casts or fail every query.
				if _, ok := c.qualify(k.Where, n, diags); ok {
					addExprErrors(k.Where, expr.TypeCheck(n, "a key's scope", c.fieldType, true), diags)
				}
			}
		}
		for _, m := range k.Metrics {
			if c.Metrics[m.Value] == nil {
				diags.Add(model.ErrUnknownMetric(m.Pos, m.Value, known))
			}
		}
	}
}
