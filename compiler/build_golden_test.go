package compiler_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
)

// TestRollupBuildGolden renders the statement that builds each of the bank's
// rollups in every golden dialect and compares it with
// testdata/rollup_build/<rollup>.<dialect>.sql. On MySQL, which has no
// mergeable sets, distinct counts are left out of the build.
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
			got += "\n"
			path := filepath.Join(dir, r.Name+"."+name+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if string(want) != got {
				t.Errorf("%s differs (run with -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
			}
		}
	}
}
