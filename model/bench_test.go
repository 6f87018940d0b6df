package model_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// writeLargeProject writes a generated model: 10 facts and 90 dimensions (100
// tables, 2,000 columns), each fact joined to 9 dimensions, and 500 metrics
// (simple, filtered, distinct, derived).
func writeLargeProject(b *testing.B) string {
	dir := b.TempDir()
	var y strings.Builder
	y.WriteString("tables:\n")
	for f := 0; f < 10; f++ {
		fmt.Fprintf(&y, "  - name: fact%d\n    kind: fact\n    source: data/fact%d.parquet\n    primary_key: id\n    time: ts\n    columns:\n      id: bigint\n      ts: timestamp\n", f, f)
		for d := 0; d < 9; d++ {
			fmt.Fprintf(&y, "      dim%d_id: bigint\n", f*9+d)
		}
		for c := 0; c < 9; c++ {
			fmt.Fprintf(&y, "      amount%d: decimal(18,2)\n", c)
		}
	}
	for d := 0; d < 90; d++ {
		fmt.Fprintf(&y, "  - name: dim%d\n    kind: dimension\n    primary_key: dim%d_id\n    columns:\n      dim%d_id: bigint\n", d, d, d)
		for c := 0; c < 19; c++ {
			fmt.Fprintf(&y, "      attr%d: varchar\n", c)
		}
	}
	y.WriteString("relationships:\n")
	for f := 0; f < 10; f++ {
		for d := 0; d < 9; d++ {
			fmt.Fprintf(&y, "  - fact%d.dim%d_id -> dim%d.dim%d_id\n", f, f*9+d, f*9+d, f*9+d)
		}
	}
	y.WriteString("metrics:\n")
	for m := 0; m < 500; m++ {
		f, c := m%10, m%9
		switch m % 4 {
		case 0:
			fmt.Fprintf(&y, "  - name: m%d\n    agg: sum\n    expr: fact%d.amount%d\n", m, f, c)
		case 1:
			fmt.Fprintf(&y, "  - name: m%d\n    agg: sum\n    expr: fact%d.amount%d\n    filter: dim%d.attr3 IN ('a', 'b') AND fact%d.amount0 > 10\n", m, f, c, f*9, f)
		case 2:
			fmt.Fprintf(&y, "  - name: m%d\n    agg: count_distinct\n    expr: fact%d.dim%d_id\n", m, f, f*9+1)
		default:
			fmt.Fprintf(&y, "  - name: m%d\n    expr: m%d / NULLIF(m%d, 0)\n", m, m-3, m-2)
		}
	}
	os.WriteFile(filepath.Join(dir, "strata.yaml"), []byte("version: 1\nname: large\nmodels: [models/]\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "models"), 0o755)
	os.WriteFile(filepath.Join(dir, "models", "model.yaml"), []byte(y.String()), 0o644)
	return dir
}

// BenchmarkLoadLarge loads and checks a model of 100 tables, 2,000 columns and
// 500 metrics: YAML decode, structural validation and the logical layer.
func BenchmarkLoadLarge(b *testing.B) {
	dir := writeLargeProject(b)
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		b.Fatal(diags.Format(p.Sources, 5))
	}
	cat, cd := logical.Build(p)
	if cd.HasErrors() {
		b.Fatal(cd.Format(p.Sources, 5))
	}
	fields := 0
	for _, t := range p.Tables {
		fields += len(t.Columns)
	}
	if len(p.Tables) != 100 || fields != 2000 || len(cat.Metrics) != 500 {
		b.Fatalf("generated %d tables, %d columns, %d metrics", len(p.Tables), fields, len(cat.Metrics))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, diags := model.Load(dir)
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		if _, cd := logical.Build(p); cd.HasErrors() {
			b.Fatal(cd.Error())
		}
	}
}
