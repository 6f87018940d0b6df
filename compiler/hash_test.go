package compiler_test

import (
	"testing"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/model"
)

// TestRollupHashCoversEveryInput changes one input of the bank's rollups at a
// time — a column's type, a table's time zone, a source, the project's time
// zone, a computed dimension's expression, a metric's filter — and requires
// the hash of every rollup that reads it to change, so that a changed input
// can never serve numbers built from the old one.
func TestRollupHashCoversEveryInput(t *testing.T) {
	hashes := func(t *testing.T, edit func(p *model.Project)) map[string]string {
		t.Helper()
		p, diags := model.Load(bankProject)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if edit != nil {
			edit(p)
		}
		cat, diags := compiler.Check(p)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		out := map[string]string{}
		for _, r := range rollup.Definitions(cat) {
			out[r.Name] = r.Hash
		}
		return out
	}
	base := hashes(t, nil)
	if hashes(t, nil)["txn_daily"] != base["txn_daily"] {
		t.Fatal("the hash is not deterministic")
	}
	table := func(p *model.Project, name string) *model.Table { return p.Table(name) }
	cases := []struct {
		name    string
		rollups []string
		edit    func(p *model.Project)
	}{
		{"column type of a measure", []string{"txn_daily", "txn_monthly_segment"}, func(p *model.Project) {
			table(p, "transactions").Column("amount").Type = model.Type{Base: "decimal", Precision: 20, Scale: 4}
		}},
		{"column type of a dimension table", []string{"txn_monthly_segment"}, func(p *model.Project) {
			table(p, "customers").Column("birth_date").Type = model.Type{Base: "timestamp"}
		}},
		{"table time zone", []string{"txn_daily", "txn_monthly_segment"}, func(p *model.Project) {
			table(p, "transactions").Timezone = "America/New_York"
		}},
		{"source", []string{"txn_daily"}, func(p *model.Project) {
			table(p, "transactions").Source.Value = "data/other.parquet"
		}},
		{"project time zone", []string{"txn_daily", "balance_daily", "app_daily"}, func(p *model.Project) {
			p.Timezone = "UTC"
		}},
		{"metric filter", []string{"txn_daily"}, func(p *model.Project) {
			p.Metric("txn_amount").Filter.Text = "transactions.status <> 'reversed'"
		}},
	}
	t.Run("computed dimension expression", func(t *testing.T) {
		keep := func(p *model.Project) {
			r := p.Rollups[1] // txn_monthly_segment
			r.Dimensions = append(r.Dimensions, model.Str{Value: "customers.age_band"})
		}
		before := hashes(t, keep)
		after := hashes(t, func(p *model.Project) {
			keep(p)
			for _, d := range p.Dimensions {
				if d.Name == "customers.age_band" {
					d.Expr.Text = "CASE WHEN customers.birth_date > DATE '2000-01-01' THEN 'young' ELSE 'other' END"
				}
			}
		})
		if before["txn_monthly_segment"] == after["txn_monthly_segment"] {
			t.Errorf("txn_monthly_segment keeps its hash after customers.age_band's expression changed")
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := hashes(t, c.edit)
			for _, r := range c.rollups {
				if _, ok := base[r]; !ok {
					t.Fatalf("no rollup %s in the bank model", r)
				}
				if got[r] == base[r] {
					t.Errorf("rollup %s keeps hash %s after the %s changed", r, got[r], c.name)
				}
			}
		})
	}
}
