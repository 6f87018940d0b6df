package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// TestRollupBuildGolden renders the statement that builds each of the bank's
// rollups in every golden dialect and compares it with
// testdata/rollup_build/<rollup>.<dialect>.sql. On MySQL, which has no set
// type, distinct counts are left out of the build and each is built into its
// key table instead: <rollup>.mysql.k<i>.sql.
//
// Run: go test ./compiler -run TestRollupBuildGolden (-update rewrites them).
func TestRollupBuildGolden(t *testing.T) {
	cat := loadCatalog(t, bankProject)
	dir := filepath.Join("testdata", "rollup_build")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rollup.Definitions(cat) {
		for _, name := range goldenDialects {
			d, err := sqlgen.Get(name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sqlgen.RollupBuild(cat, r, d)
			if err != nil {
				t.Fatalf("%s on %s: %v", r.Name, name, err)
			}
			compareFile(t, filepath.Join(dir, r.Name+"."+name+".sql"), got+"\n")
			if d.SetColumns() {
				continue
			}
			for i, m := range r.SetMeasures() {
				got, err := sqlgen.RollupKeys(cat, r, m, d)
				if err != nil {
					t.Fatalf("%s key table %d on %s: %v", r.Name, i, name, err)
				}
				compareFile(t, filepath.Join(dir, fmt.Sprintf("%s.%s.k%d.sql", r.Name, name, i)), got+"\n")
			}
		}
	}
}

// compareFile compares a rendered statement with its golden file, or writes
// it under -update.
func compareFile(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run with -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
