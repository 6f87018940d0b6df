package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/internal/banktest"
)

// TestValidateOLAPInexactDistinct: on StarRocks and Doris a rollup metric
// counting distinct non-integer values is a positioned validate error (the
// rollups file, line and column of the metric), not a refresh-time refusal;
// the same model on DuckDB validates.
func TestValidateOLAPInexactDistinct(t *testing.T) {
	for _, engineType := range []string{"starrocks", "doris", "duckdb"} {
		t.Run(engineType, func(t *testing.T) {
			dir := t.TempDir()
			if err := banktest.CopyModel(dir); err != nil {
				t.Fatal(err)
			}
			editModel(t, filepath.Join(dir, "models", "metrics.yaml"), "expr: app_events.customer_id", "expr: app_events.device")
			if engineType != "duckdb" {
				editModel(t, filepath.Join(dir, "strata.yaml"), "  type: duckdb\n  path: .strata/warehouse.duckdb", "  type: "+engineType+"\n  dsn: root@tcp(127.0.0.1:9030)/")
			}
			code, out, stderr := run("validate", "--project", dir)
			if engineType == "duckdb" {
				if code != 0 {
					t.Fatalf("exit %d on duckdb:\n%s%s", code, out, stderr)
				}
				return
			}
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", code, out, stderr)
			}
			for _, want := range []string{"rollups.yaml:", "metric app_users counts distinct values of a non-integer field", engineType + " rollup", "^"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func editModel(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
