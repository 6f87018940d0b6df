package service_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// TestDoctorOnDuckDB: on the embedded engine doctor reads every source
// file's columns (from its footer, with a throwaway in-memory DuckDB) and
// reports, each with a fix, a missing file, a declared column the file lacks
// and a declared type the file's column does not read as; the healthy
// sources and the project's time zone pass.
func TestDoctorOnDuckDB(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 300, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	physical := filepath.Join(dir, "models", "physical.yaml")
	b, err := os.ReadFile(physical)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "columns: { channel_id: integer, name: varchar, kind: varchar }", "columns: { channel_id: integer, name: varchar, kind: varchar, opened: date }", 1)
	s = strings.Replace(s, "columns: { product_id: integer, name: varchar, category: varchar }", "columns: { product_id: integer, name: varchar, category: date }", 1)
	if s == string(b) {
		t.Fatal("the model did not change: physical.yaml no longer has the columns this test edits")
	}
	if err := os.WriteFile(physical, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "data", "branches.parquet")); err != nil {
		t.Fatal(err)
	}
	_, cat, err := banktest.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"source channels": "no column opened",
		"source products": "column category is varchar, declared date",
		"source branches": "does not exist",
	}
	seen := map[string]bool{}
	for _, c := range service.Doctor(ctx, cat) {
		substr, expected := want[c.Name]
		if !expected {
			if !c.OK {
				t.Errorf("unexpected problem %s: %s", c.Name, c.Detail)
			}
			continue
		}
		seen[c.Name] = true
		if c.OK || !strings.Contains(c.Detail, substr) || c.Fix == "" {
			t.Errorf("%s: ok=%v %q (fix %q); want a problem saying %q with a fix", c.Name, c.OK, c.Detail, c.Fix, substr)
		}
		if strings.Contains(c.Detail, dir) {
			t.Errorf("%s names the project's absolute path: %s", c.Name, c.Detail)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("no check %s", name)
		}
	}
}
