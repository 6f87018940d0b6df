package plan

import (
	"fmt"
	"sync"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// timeRanges reads the where filter's time terms as the ranges they mean, so
// that the raw path compares the column itself and the rollup rewrite sees
// period boundaries.
//
// Algorithm:
//  1. Every timestamp literal with an offset (…Z, …-05:00) compared with a
//     time field, anywhere in the filter, becomes the wall time of that instant
//     in the project's time zone: the time fields are read as wall time there.
//  2. Each top-level term `f op L` or `f BETWEEN A AND B`, where f is a time
//     field at a grain (transactions.txn_time.month) or a DATE column (read at
//     day grain: its value is its own day) and the bounds are date or
//     timestamp literals, becomes half-open bounds on the field itself, with
//     floor and ceil at the grain g of the literal's wall time L:
//     g(t) >= L ⇔ t >= ceil(L);  g(t) > L ⇔ t >= next(floor(L));
//     g(t) <= L ⇔ t < next(floor(L));  g(t) < L ⇔ t < ceil(L);
//     g(t) = L ⇔ floor(L) = L ∧ L <= t < next(L) — a label that is not the start
//     of a period matches nothing, and is an error that names the start.
//  3. Every other term is kept as written; a grain field in it is computed
//     from the field (and by a rollup whose grain rolls up to it).
func (b *builder) timeRanges(terms []ast.ExprNode) ([]ast.ExprNode, *Error) {
	loc, err := location(b.p.TZ)
	if err != nil {
		return nil, &Error{Field: "where", Code: "bad-timezone", Msg: err.Error()}
	}
	var out []ast.ExprNode
	for _, t := range terms {
		t.Accept(&offsetVisitor{b: b, loc: loc})
		rs, rerr := b.termRange(t)
		if rerr != nil {
			return nil, rerr
		}
		if rs == nil {
			out = append(out, t)
			continue
		}
		out = append(out, rs...)
	}
	return out, nil
}

var locations sync.Map

func location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	if l, ok := locations.Load(tz); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("the project's time zone %q is unknown: %v", tz, err)
	}
	locations.Store(tz, l)
	return l, nil
}

// timeField reports the time field and grain a node references, if any.
func (b *builder) timeField(n ast.ExprNode) (field, grain string, t model.Type, ok bool) {
	c, isCol := unparen(n).(*ast.ColumnNameExpr)
	if !isCol {
		return "", "", model.Type{}, false
	}
	field, grain = logical.FieldRef(c.Name)
	f := b.cat.AnyField(field)
	if f == nil || !f.IsTime() {
		return "", "", model.Type{}, false
	}
	return field, grain, f.Type, true
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

// literalString returns the text of a string, DATE '…' or TIMESTAMP '…' literal.
func literalString(n ast.ExprNode) (string, bool) {
	n = unparen(n)
	if f, ok := n.(*ast.FuncCallExpr); ok {
		name := expr.FuncName(f)
		if (name == "dateliteral" || name == "timestampliteral") && len(f.Args) == 1 {
			n = f.Args[0]
		}
	}
	v, ok := n.(*test_driver.ValueExpr)
	if !ok || v.Datum.Kind() != test_driver.KindString {
		return "", false
	}
	return v.Datum.GetString(), true
}

// offsetVisitor rewrites step 1 in place.
type offsetVisitor struct {
	b   *builder
	loc *time.Location
}

func (v *offsetVisitor) Enter(n ast.Node) (ast.Node, bool) {
	switch x := n.(type) {
	case *ast.BinaryOperationExpr:
		if _, _, _, ok := v.b.timeField(x.L); ok {
			x.R = v.wall(x.R)
		}
		if _, _, _, ok := v.b.timeField(x.R); ok {
			x.L = v.wall(x.L)
		}
	case *ast.BetweenExpr:
		if _, _, _, ok := v.b.timeField(x.Expr); ok {
			x.Left, x.Right = v.wall(x.Left), v.wall(x.Right)
		}
	case *ast.PatternInExpr:
		if _, _, _, ok := v.b.timeField(x.Expr); ok {
			for i := range x.List {
				x.List[i] = v.wall(x.List[i])
			}
		}
	}
	return n, false
}

func (v *offsetVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// wall turns a literal instant into a TIMESTAMP literal of its wall time in
// the project's zone; other nodes are returned as they are.
func (v *offsetVisitor) wall(n ast.ExprNode) ast.ExprNode {
	s, ok := literalString(n)
	if !ok {
		return n
	}
	tl, err := expr.ParseTimeLiteral(s)
	if err != nil || !tl.HasOffset {
		return n
	}
	return timestampLiteral(tl.Time.In(v.loc))
}

// termRange applies step 2 to one top-level term; nil when it does not apply.
func (b *builder) termRange(t ast.ExprNode) ([]ast.ExprNode, *Error) {
	switch x := unparen(t).(type) {
	case *ast.BinaryOperationExpr:
		op := x.Op
		col, lit := x.L, x.R
		if _, _, _, ok := b.timeField(col); !ok {
			col, lit = x.R, x.L
			switch op { // L op f  ⇔  f op' L
			case opcode.LT:
				op = opcode.GT
			case opcode.LE:
				op = opcode.GE
			case opcode.GT:
				op = opcode.LT
			case opcode.GE:
				op = opcode.LE
			}
		}
		field, grain, typ, ok := b.timeField(col)
		if !ok || !b.ranged(grain, typ) {
			return nil, nil
		}
		s, ok := literalString(lit)
		if !ok {
			return nil, nil
		}
		tl, err := expr.ParseTimeLiteral(s)
		if err != nil {
			return nil, nil // the type checker reports it
		}
		g := grainOrDay(grain)
		L := tl.Time
		switch op {
		case opcode.GE:
			return []ast.ExprNode{bound(field, typ, opcode.GE, ceilTo(L, g))}, nil
		case opcode.GT:
			return []ast.ExprNode{bound(field, typ, opcode.GE, nextPeriod(floorTo(L, g), g))}, nil
		case opcode.LE:
			return []ast.ExprNode{bound(field, typ, opcode.LT, nextPeriod(floorTo(L, g), g))}, nil
		case opcode.LT:
			return []ast.ExprNode{bound(field, typ, opcode.LT, ceilTo(L, g))}, nil
		case opcode.EQ:
			if start := floorTo(L, g); !start.Equal(L) {
				return nil, labelError(lit, s, field, grain, typ, start)
			}
			return []ast.ExprNode{bound(field, typ, opcode.GE, L), bound(field, typ, opcode.LT, nextPeriod(L, g))}, nil
		}
	case *ast.PatternInExpr:
		// Kept as written (step 3), but a label that is no period's start
		// would match nothing: it is the same error as under =.
		field, grain, typ, ok := b.timeField(x.Expr)
		if !ok || grain == "" {
			return nil, nil
		}
		for _, it := range x.List {
			s, ok := literalString(it)
			if !ok {
				continue
			}
			if tl, err := expr.ParseTimeLiteral(s); err == nil {
				if start := floorTo(tl.Time, grain); !start.Equal(tl.Time) {
					return nil, labelError(it, s, field, grain, typ, start)
				}
			}
		}
		return nil, nil
	case *ast.BetweenExpr:
		if x.Not {
			return nil, nil
		}
		field, grain, typ, ok := b.timeField(x.Expr)
		if !ok || !b.ranged(grain, typ) {
			return nil, nil
		}
		lo, ok1 := literalString(x.Left)
		hi, ok2 := literalString(x.Right)
		if !ok1 || !ok2 {
			return nil, nil
		}
		tlo, err1 := expr.ParseTimeLiteral(lo)
		thi, err2 := expr.ParseTimeLiteral(hi)
		if err1 != nil || err2 != nil {
			return nil, nil
		}
		g := grainOrDay(grain)
		return []ast.ExprNode{
			bound(field, typ, opcode.GE, ceilTo(tlo.Time, g)),
			bound(field, typ, opcode.LT, nextPeriod(floorTo(thi.Time, g), g)),
		}, nil
	}
	return nil, nil
}

func labelError(lit ast.Node, s, field, grain string, typ model.Type, start time.Time) *Error {
	g := grainOrDay(grain)
	return &Error{Field: "where", Offset: max(expr.NodeOffset(lit), 0), Code: "bad-period-label",
		Msg: fmt.Sprintf("%s is not the start of a %s: %s labels each %s by its first %s, so write '%s'",
			s, g, refName(field, grain), g, firstUnit(g), formatWall(start, typ, g))}
}

// ranged reports whether a reference reads whole periods: a grain, or a DATE
// column (a day). A timestamp compared as it is keeps its meaning.
func (b *builder) ranged(grain string, t model.Type) bool {
	return grain != "" || t.Family() == model.FamDate
}

func grainOrDay(g string) string {
	if g == "" {
		return "day"
	}
	return g
}

func refName(field, grain string) string {
	if grain == "" {
		return field
	}
	return field + "." + grain
}

func firstUnit(g string) string {
	switch g {
	case "hour":
		return "instant"
	case "week":
		return "day (a Monday)"
	}
	return "day"
}

// bound builds `field op literal` over the field itself (no grain).
func bound(field string, t model.Type, op opcode.Op, at time.Time) ast.ExprNode {
	col := &ast.ColumnName{}
	logical.SetQualified(col, field)
	var lit ast.ExprNode
	if t.Family() == model.FamDate {
		lit = dateLiteral(at)
	} else {
		lit = timestampLiteral(at)
	}
	return &ast.BinaryOperationExpr{Op: op, L: &ast.ColumnNameExpr{Name: col}, R: lit}
}

// dateLiteral and timestampLiteral build literal nodes by parsing text Strata
// formats itself from a time value: the parser makes the node exactly as it
// makes the user's own DATE '…' and TIMESTAMP '…'.
func dateLiteral(t time.Time) ast.ExprNode {
	return mustParse("DATE '" + t.Format("2006-01-02") + "'")
}

func timestampLiteral(t time.Time) ast.ExprNode {
	return mustParse("TIMESTAMP '" + t.Format("2006-01-02 15:04:05.999999") + "'")
}

func mustParse(s string) ast.ExprNode {
	n, err := expr.Parse(s)
	if err != nil {
		panic("plan: a literal Strata formats does not parse: " + s)
	}
	return n
}

func formatWall(t time.Time, typ model.Type, g string) string {
	if typ.Family() == model.FamDate || g != "hour" {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04:05")
}

// floorTo is the start of the period of grain g holding wall time t, read
// as a UTC wall time (weeks start on Monday).
func floorTo(t time.Time, g string) time.Time {
	y, m, d := t.Date()
	wall := time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return model.GrainStart(wall, g)
}

// nextPeriod is the start of the period after the one starting at p.
func nextPeriod(p time.Time, g string) time.Time { return model.GrainNext(p, g) }

func ceilTo(t time.Time, g string) time.Time {
	if f := floorTo(t, g); !f.Equal(t) {
		return nextPeriod(f, g)
	}
	return t
}
