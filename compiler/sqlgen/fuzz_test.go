package sqlgen_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// FuzzWhereLiterals renders every where string the checker accepts for the
// MySQL dialect, parses the SQL back with the TiDB parser, and requires every
// literal value of the input to come back unchanged (the writer may add
// literals of its own, such as the 0 of NULLIF(x, 0), never change one). It
// also requires the writer's indentation to leave the SQL's literals alone.
//
// Run the seeds:  go test ./compiler/sqlgen -run FuzzWhereLiterals
// Fuzz:           go test ./compiler/sqlgen -run '^$' -fuzz FuzzWhereLiterals -fuzztime 60s
func FuzzWhereLiterals(f *testing.F) {
	for _, s := range []string{
		"a = 'x'",
		`a = 'a\nb' OR b = 'tab\there'`,
		`a IN ('it''s', 'back\\slash', "dq", 'quote\"d', '\Z', '\r\n')`,
		"a = 'ünïcødé ✓' AND b LIKE '%\\_%'",
		"a BETWEEN 1.50 AND 2e3 AND b <> -7",
		"d >= DATE '2024-02-29' AND t < TIMESTAMP '2024-12-31 23:59:59.999999'",
		"CASE WHEN a > 1 THEN 'big' ELSE 'small' END = 'big'",
		"concat(a, '\n', b) = 'x\ny'",
		"t >= DATE '2024-01-01' + INTERVAL 3 MONTH",
		"a = 18446744073709551615 OR a = -9223372036854775808",
		"coalesce(a, 'none') = 'none' AND NOT b IS NULL",
	} {
		f.Add(s)
	}
	cols := func(c *ast.ColumnName) (string, error) { return sqlgen.MySQL{}.QuoteIdent(c.Name.O), nil }
	f.Fuzz(func(t *testing.T, where string) {
		n, perr := expr.Parse(where)
		if perr != nil || len(expr.Check(n, "a where filter")) > 0 {
			return
		}
		in := literals(n)
		sql, err := sqlgen.Expr(sqlgen.MySQL{}, n, cols, "UTC")
		if err != nil {
			t.Fatalf("render %q: %v", where, err)
		}
		if strings.ContainsAny(sql, "\n\r") {
			t.Fatalf("rendered SQL holds a raw line break: %q", sql)
		}
		back, perr := expr.Parse(sql)
		if perr != nil {
			t.Fatalf("rendered %q as %q, which does not parse: %v", where, sql, perr.Msg)
		}
		out := map[string]int{}
		for _, l := range literals(back) {
			out[l]++
		}
		for _, l := range in {
			if out[l] == 0 {
				t.Fatalf("literal %q of %q is lost in %q (literals back: %v)", l, where, sql, keys(out))
			}
			out[l]--
		}
	})
}

// literals lists an expression's literal values as text, type-tagged.
func literals(n ast.ExprNode) []string {
	v := &litVisitor{}
	n.Accept(v)
	return v.out
}

type litVisitor struct{ out []string }

func (v *litVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if x, ok := n.(*test_driver.ValueExpr); ok {
		d := x.Datum
		switch d.Kind() {
		case test_driver.KindString, test_driver.KindBytes:
			v.out = append(v.out, "s:"+d.GetString())
		case test_driver.KindNull:
			v.out = append(v.out, "null")
		default:
			s := fmt.Sprint(x.GetValue())
			if d.Kind() == test_driver.KindMysqlDecimal {
				s = d.GetMysqlDecimal().String()
			}
			// A negative number renders as -(n): compare magnitudes.
			v.out = append(v.out, "n:"+strings.TrimPrefix(s, "-"))
		}
	}
	return n, false
}

func (v *litVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func keys(m map[string]int) []string {
	var out []string
	for k, c := range m {
		if c > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
