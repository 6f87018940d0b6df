package compiler

import (
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// Cap bounds what a compiled query may return to rows+1 rows, writing the
// bound into the SQL as its LIMIT, so that the engine stops there: a caller
// that allows rows rows learns that a result is over by seeing one more,
// without reading (or holding) the rest. A query whose own limit is already
// within the cap is left as it is. It reports whether the SQL changed.
func Cap(c *Compiled, rows int, d sqlgen.Dialect) (bool, error) {
	if rows <= 0 || (c.Plan.Limit > 0 && c.Plan.Limit <= rows) {
		return false, nil
	}
	p := *c.Plan
	p.Limit = rows + 1
	s, err := sqlgen.Generate(&p, d)
	if err != nil {
		return false, err
	}
	c.Plan, c.SQL = &p, s
	return true, nil
}
