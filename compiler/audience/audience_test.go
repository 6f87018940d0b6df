package audience_test

import (
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/internal/banktest"
)

func bankCatalog(t *testing.T) *logical.Catalog {
	t.Helper()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestCompileErrors checks that bad audiences are refused with a code, a
// message that helps, and the offset of the offending part.
func TestCompileErrors(t *testing.T) {
	cat := bankCatalog(t)
	deep := strings.Repeat("NOT (", 40) + "high_value" + strings.Repeat(")", 40)
	long := "high_value" + strings.Repeat(" OR high_value", 700)
	cases := []struct {
		expr, code, msg string
		offset          int
	}{
		{"high_valu AND segment = 'mass'", "unknown-tag", `unknown tag "high_valu"; did you mean "high_value"?`, 0},
		{"high_value AND mobile_active_3d", "unknown-tag", `did you mean "mobile_active_30d"?`, 15},
		{"branches.region = 'North'", "audience-foreign-field", "field branches.region belongs to branches, not to customers", 0},
		{"high_value AND transactions.amount > 5", "audience-foreign-field", "transactions.amount belongs to transactions", 15},
		{"segment", "audience-categorical-tag", "tag segment is categorical", 0},
		{"high_value = 'x'", "audience-boolean-tag", "tag high_value is not categorical", 0},
		{"segment != 'staff'", "audience-tag-operator", "write NOT segment = …", 0},
		{"high_value + 1 > 2", "audience-tag-operator", "tag high_value can only be combined", 0},
		{"customers.aum", "audience-not-boolean", "not a condition", 0},
		{"customers.aum > (SELECT 1)", "expr-not-allowed", "subqueries are not allowed", 16},
		{"high_value AND", "expr-syntax", "unexpected end of expression", 14},
		{"sleep(1) > 0", "unknown-function", "function sleep() is not allowed", 0},
		{"", "audience-empty", "the audience expression is empty", 0},
		{deep, "audience-too-deep", "the limit is 32", -1},
		{long, "audience-too-long", "the limit is 8192", 8192},
		{"customers.aum_tiers = 'mass'", "unknown-field", `did you mean "customers.aum_tier"?`, 0},
	}
	for _, c := range cases {
		name := c.expr
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := audience.Compile(cat, c.expr, "")
			if err == nil {
				t.Fatalf("compiled; want error %s", c.code)
			}
			if err.Code != c.code || !strings.Contains(err.Msg, c.msg) {
				t.Errorf("error %s %q; want %s containing %q", err.Code, err.Msg, c.code, c.msg)
			}
			if c.offset >= 0 && err.Offset != c.offset {
				t.Errorf("offset %d; want %d (%q)", err.Offset, c.offset, c.expr[min(err.Offset, len(c.expr)):])
			}
		})
	}
}

// TestCompileShape checks the tree an audience compiles to.
func TestCompileShape(t *testing.T) {
	cat := bankCatalog(t)
	a, err := audience.Compile(cat, "high_value AND (segment IN ('mass', 'staff') OR NOT customers.aum > 10) AND mobile_active_30d", "")
	if err != nil {
		t.Fatal(err)
	}
	and, ok := a.Root.(audience.And)
	if !ok || len(and.Terms) != 3 {
		t.Fatalf("root %#v; want an AND of three terms", a.Root)
	}
	or, ok := and.Terms[1].(audience.Or)
	if !ok || len(or.Terms) != 2 {
		t.Fatalf("second term %#v; want an OR of two", and.Terms[1])
	}
	if ts, ok := or.Terms[0].(*audience.TagSet); !ok || ts.Tag.Name != "segment" || strings.Join(ts.Values, ",") != "mass,staff" {
		t.Errorf("first OR term %#v; want segment IN (mass, staff)", or.Terms[0])
	}
	if n, ok := or.Terms[1].(audience.Not); !ok {
		t.Errorf("second OR term %#v; want NOT predicate", or.Terms[1])
	} else if p, ok := n.X.(*audience.Predicate); !ok || p.Offset != 52 {
		t.Errorf("NOT's operand %#v; want the predicate at offset 52", n.X)
	}
	if a.Scope.Entity.Name != "customers" || len(a.Tags) != 3 || len(a.Predicates) != 1 {
		t.Errorf("entity %s, %d tags, %d predicates; want customers, 3, 1", a.Scope.Entity.Name, len(a.Tags), len(a.Predicates))
	}
	// A long chain of one operator is one level deep.
	chain := "high_value" + strings.Repeat(" AND high_value", 100)
	if _, err := audience.Compile(cat, chain, ""); err != nil {
		t.Errorf("a chain of 101 ANDs: %v", err)
	}
}
