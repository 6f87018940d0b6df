package service_test

import (
	"slices"
	"testing"

	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// The catalog view lists a metric under every fact its measures read, in the
// metrics list (/v1/catalog) and in the wide tables (`strata describe`) alike:
// amount_per_user divides a transactions metric by an app_events one.
func TestCatalogTwoFactMetric(t *testing.T) {
	root, err := banktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(root + "/examples/bank")
	if err != nil {
		t.Fatal(err)
	}
	c := service.NewCatalog(cat)
	var facts []string
	for _, m := range c.Metrics {
		if m.Name == "amount_per_user" {
			facts = m.Facts
		}
	}
	if !slices.Equal(facts, []string{"transactions", "app_events"}) {
		t.Fatalf("amount_per_user facts in the metrics list: %v", facts)
	}
	for _, w := range c.Wide {
		listed := slices.Contains(w.Metrics, "amount_per_user")
		if want := slices.Contains(facts, w.Fact); listed != want {
			t.Errorf("wide table %s lists amount_per_user: %v, want %v", w.Fact, listed, want)
		}
	}
	if len(c.Wide) != len(cat.Wide) {
		t.Fatalf("%d wide tables, want %d", len(c.Wide), len(cat.Wide))
	}
}
