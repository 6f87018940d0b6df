package cli_test

import (
	"encoding/csv"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInit writes a project, validates it, queries it (raw and after a
// refresh, which must agree), and refuses to write over it.
func TestInit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-shop")
	code, out, errs := run("init", dir)
	if code != 0 || !strings.Contains(out, "wrote") {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = run("validate", "--project", dir)
	if code != 0 || !strings.HasPrefix(out, "ok: my_shop") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errs)
	}
	// 120.50 + 80.00 + 210.00 + 15.75 paid; FR: 330.50, DE: 95.75.
	query := []string{"query", "--project", dir, "-m", "revenue,order_count", "-d", "customers.country", "--order", "customers.country", "--format", "csv"}
	want := [][]string{{"customers.country", "revenue", "order_count"}, {"DE", "95.75", "2"}, {"FR", "330.50", "3"}}
	code, out, errs = run(query...)
	if code != 0 || !sameCSV(out, want) {
		t.Fatalf("query: exit %d\ngot:\n%s\nwant: %v\n%s", code, out, want, errs)
	}
	if code, out, errs = run("refresh", "--project", dir); code != 0 {
		t.Fatalf("refresh: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs = run(query...); code != 0 || !sameCSV(out, want) {
		t.Fatalf("query after refresh: exit %d\ngot:\n%s%s", code, out, errs)
	}

	before, _ := os.ReadFile(filepath.Join(dir, "models", "shop.yaml"))
	if err := os.WriteFile(filepath.Join(dir, "strata.yaml"), []byte("version: 1\nname: kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = run("init", dir)
	if code != 1 || !strings.Contains(errs, "already exists") {
		t.Fatalf("init over a project: exit %d, stderr %q", code, errs)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "models", "shop.yaml"))
	settings, _ := os.ReadFile(filepath.Join(dir, "strata.yaml"))
	if string(before) != string(after) || string(settings) != "version: 1\nname: kept\n" {
		t.Fatal("init wrote over an existing project")
	}
}

// sameCSV compares a CSV answer cell by cell; numbers compare as exact
// rationals, so 330.5 equals 330.50.
func sameCSV(got string, want [][]string) bool {
	rows, err := csv.NewReader(strings.NewReader(got)).ReadAll()
	if err != nil || len(rows) != len(want) {
		return false
	}
	for i := range rows {
		if len(rows[i]) != len(want[i]) {
			return false
		}
		for j := range rows[i] {
			a, okA := new(big.Rat).SetString(rows[i][j])
			b, okB := new(big.Rat).SetString(want[i][j])
			if okA && okB {
				if a.Cmp(b) != 0 {
					return false
				}
			} else if rows[i][j] != want[i][j] {
				return false
			}
		}
	}
	return true
}
