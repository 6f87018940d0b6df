package plan_test

import (
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/plan"
)

// TestExprStringQuotesLiterals: the plan text (explain, rollup definitions)
// prints each string literal quoted and escaped on one line, and the text
// parses back to the same values.
func TestExprStringQuotesLiterals(t *testing.T) {
	for _, lit := range []string{"plain", "O'Brien", "a\nb", "tab\there", `back\slash`, "cr\rlf", `\n is two characters`, "'", ""} {
		n, err := expr.Parse("t.c = " + mysqlQuote(lit) + " OR t.c IN ('x', " + mysqlQuote(lit) + ")")
		if err != nil {
			t.Fatalf("%q: %v", lit, err)
		}
		s := plan.ExprString(n)
		if strings.ContainsAny(s, "\n\r\t") {
			t.Errorf("%q: plan text has a raw control character: %q", lit, s)
		}
		back, err := expr.Parse(s)
		if err != nil {
			t.Fatalf("%q: plan text %q does not parse: %v", lit, s, err)
		}
		if got, want := literals(back), []string{lit, "x", lit}; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: plan text %q reads back as %q", lit, s, got)
		}
	}
}

func mysqlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "'", "''", "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return "'" + r.Replace(s) + "'"
}

type litVisitor struct{ out []string }

func (v *litVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*test_driver.ValueExpr); ok && x.Datum.Kind() == test_driver.KindString {
		v.out = append(v.out, x.Datum.GetString())
	}
	return n, false
}
func (v *litVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func literals(n ast.ExprNode) []string {
	v := &litVisitor{}
	n.Accept(v)
	return v.out
}
