package plan

import (
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/model"
)

// windowBound turns a bound of the query's time filter into the bound a
// cumulative part's rows need, or nil when the term is not a plain bound.
//
// The part drops the query's time filter: its windows reach before the first
// reported period. But they reach only so far. With the filter
// field >= L, every reported period starts at or after floor(L) (the query's
// grain), and each window starts at or after the window start of that first
// period, so the part's rows need field >= start(floor(L)). With field < U,
// every window ends by ceil(U), so field < ceil(U). The bounds are literals,
// so the engine prunes the fact scan (and a rollup's) as for any filter, and
// the answer is the same: no row outside them falls in a reported window.
//
// A window of months, quarters or years ends on a day that calendar
// arithmetic may clamp (March 31 − 1 month is February 29 in SQL); the bound
// is taken from the first of that month, which is never later.
func (b *builder) windowBound(pt *Part, c ast.ExprNode) ast.ExprNode {
	x, ok := unparen(c).(*ast.BinaryOperationExpr)
	if !ok || (x.Op != opcode.GE && x.Op != opcode.LT) {
		return nil
	}
	field, grain, typ, ok := b.timeField(x.L)
	d := b.p.Dims[pt.TimeDim]
	if !ok || grain != "" || field != d.Field {
		return nil
	}
	s, ok := literalString(x.R)
	if !ok {
		return nil
	}
	tl, err := expr.ParseTimeLiteral(s)
	if err != nil || tl.HasOffset {
		return nil
	}
	g := d.Grain
	if x.Op == opcode.LT {
		return bound(field, typ, opcode.LT, ceilTo(tl.Time, g))
	}
	first := floorTo(tl.Time, g)
	return bound(field, typ, opcode.GE, windowStart(pt.Cumulative, first, g))
}

// windowStart is the start of the window of the period starting at p.
func windowStart(c *Cumulative, p time.Time, g string) time.Time {
	if c.ToDate != "" {
		return model.GrainStart(p, c.ToDate)
	}
	end := nextPeriod(p, g)
	switch c.Window.Unit {
	case "month", "quarter", "year":
		end = model.GrainStart(end, "month")
	}
	return c.Window.Before(end)
}
