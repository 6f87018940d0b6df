package sqlgen_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/expr"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/internal/banktest"
)

var updateKeyDict = flag.Bool("update", false, "rewrite testdata/keydict/<dialect>.sql")

// textKeyCatalog is the bank with customer_id declared varchar.
func textKeyCatalog(t *testing.T) *logical.Catalog {
	t.Helper()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	phys := filepath.Join(dir, "models", "physical.yaml")
	b, err := os.ReadFile(phys)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(phys, []byte(strings.ReplaceAll(string(b), "customer_id: bigint", "customer_id: varchar")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestKeyDictionaryGolden shows every statement of a text-keyed entity's
// tags and audiences in the DuckDB, MySQL, StarRocks and Doris dialects: the dictionary's DDL
// and sync, the packed scan, predicates and behaviour aggregation joining it,
// and a query's semi-join through it. The statements run in the service's
// and the MariaDB tests; this golden shows their text (for StarRocks and
// Doris, checked against their documented syntax: primary-key and
// merge-on-write unique-key tables, INSERT … SELECT with ROW_NUMBER() OVER). `go test
// ./compiler/sqlgen -run TestKeyDictionaryGolden -update` rewrites it.
func TestKeyDictionaryGolden(t *testing.T) {
	cat := textKeyCatalog(t)
	s, err := audience.EntityScope(cat, "customers")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Dictionary() {
		t.Fatal("a varchar key must take its ids from a dictionary")
	}
	pred, perr := expr.Parse("branches.region = 'North'")
	if perr != nil {
		t.Fatal(perr.Msg)
	}
	for _, col := range expr.Columns(pred) {
		logical.SetQualified(col.Name, expr.Name(col.Name))
	}
	for _, d := range []sqlgen.Dialect{sqlgen.DuckDB{}, sqlgen.MySQL{}, sqlgen.StarRocks{}, sqlgen.Doris{}} {
		t.Run(d.Name(), func(t *testing.T) {
			var b strings.Builder
			add := func(title, sql string) { b.WriteString("-- " + title + "\n" + sql + ";\n\n") }
			add("KeyDictDDL", sqlgen.KeyDictDDL(d, s))
			add("KeyDictSync", sqlgen.KeyDictSync(d, s))
			add("KeyDictRead", sqlgen.KeyDictRead(d, s))
			add("EntityKeys", sqlgen.EntityKeys(d, s, "Asia/Shanghai"))
			packed, _, err := sqlgen.EntityPacked(d, s, []*sqlgen.PackedTerm{{Pred: pred}, {Field: "customers.segment", Values: []string{"mass", "private"}}}, "Asia/Shanghai")
			if err != nil {
				t.Fatal(err)
			}
			add("EntityPacked", packed)
			preds, err := sqlgen.EntityPredicates(d, s, []ast.ExprNode{pred}, "Asia/Shanghai")
			if err != nil {
				t.Fatal(err)
			}
			add("EntityPredicates", preds)
			tests, _, _, err := sqlgen.PackedTests(d, s, "SELECT customer_id AS `k`, 1 AS `n`", "k", []sqlgen.MetricTest{{Metric: "n", Op: ">=", Value: 5}})
			if err != nil {
				t.Fatal(err)
			}
			add("PackedTests", tests)
			p, perr := plan.Build(cat, &plan.Query{Metrics: []string{"txn_count"}, Dimensions: []string{"customers.segment"},
				Semi: []plan.SemiJoin{{Field: "customers.customer_id", Table: "_strata.audience_ids", Dict: sqlgen.KeyDictTable(s)}}})
			if perr != nil {
				t.Fatal(perr)
			}
			q, err := sqlgen.Generate(p, d)
			if err != nil {
				t.Fatal(err)
			}
			add("audience-restricted query", q)
			path := filepath.Join("testdata", "keydict", d.Name()+".sql")
			if *updateKeyDict {
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("%s differs (run with -update and review the diff); got:\n%s", path, b.String())
			}
		})
	}
}
