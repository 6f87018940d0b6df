package compiler_test

import (
	"testing"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/rollup"
)

// The rewrite returns a new plan and leaves its input as it was: the same
// plan rewritten against two states gives each its own answer.
func TestRewriteKeepsItsInput(t *testing.T) {
	cat := loadCatalog(t, bankProject)
	p, err := plan.Build(cat, &plan.Query{Metrics: []string{"txn_amount", "app_users"}, Dimensions: []string{"customers.segment"}})
	if err != nil {
		t.Fatal(err)
	}
	before := p.String()
	defs := rollup.Definitions(cat)
	states := map[string]rewrite.State{}
	for _, r := range defs {
		states[r.Name] = rewrite.State{Table: "_strata.r_" + r.Name, Hash: r.Hash, Rows: 10}
	}
	served, decisions := rewrite.Apply(p, rewrite.Input{Rollups: defs, States: states, Now: goldenNow})
	if served == p {
		t.Fatal("Apply returned its input")
	}
	if got := p.String(); got != before {
		t.Fatalf("Apply changed its input plan:\n--- before\n%s--- after\n%s", before, got)
	}
	for _, pt := range p.Parts {
		if pt.Source != "raw" || pt.Rollup != nil {
			t.Fatalf("input part %s now reads %s", pt.ID, pt.Source)
		}
	}
	if got := served.ServedBy(); got != "txn_daily+app_daily" {
		t.Fatalf("rewritten plan served by %s", got)
	}
	raw, _ := rewrite.Apply(p, rewrite.Input{Rollups: defs, States: map[string]rewrite.State{}, Now: goldenNow})
	if got := raw.ServedBy(); got != "raw" {
		t.Fatalf("with nothing built, served by %s", got)
	}
	codes := map[string]bool{}
	for _, d := range decisions {
		codes[d.Code] = true
		if d.Code == "" || (!d.Used && d.Reason == "") {
			t.Errorf("decision without a code or reason: %+v", d)
		}
	}
	if !codes[rewrite.CodeUsed] || !codes[rewrite.CodeOtherFact] {
		t.Errorf("verdicts %v: want used and other_fact among them", codes)
	}
}
