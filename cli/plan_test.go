package cli_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/internal/banktest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// planCases edit a built copy of the bank project; `strata plan` must then
// print testdata/plan/<case>/plan.txt and exit 2. Refresh the goldens with
// go test ./cli -run TestPlanGolden -update; run one with -run TestPlanGolden/<case>.
var planCases = []struct {
	name       string
	file       string
	old, new   string
	wantOutput bool
}{
	{"new_rollup", "models/rollups.yaml", "\ntags:", `
  - name: txn_hourly_channel
    metrics: [txn_count]
    dimensions: [channels.name]
    time: { field: transactions.txn_time, grain: hour }

tags:`, true},
	{"changed_metric_filter", "models/metrics.yaml", "    filter: transactions.status = 'posted'\n    format: currency", "    filter: transactions.status IN ('posted', 'pending')\n    format: currency", true},
	{"changed_table_timezone", "models/physical.yaml", "    time: txn_time\n", "    time: txn_time\n    timezone: Asia/Tokyo\n", true},
	{"removed_rollup", "models/rollups.yaml", `  - name: app_daily
    metrics: [app_events, app_users, logins]
    dimensions: [app_events.device, customers.segment]
    time: { field: app_events.event_time, grain: day }
    partition: month
`, "", true},
}

func TestPlanGolden(t *testing.T) {
	src := bankProject(t)
	for _, c := range planCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, sub := range []string{"models", "data"} {
				if err := banktest.CopyTree(filepath.Join(src, sub), filepath.Join(dir, sub)); err != nil {
					t.Fatal(err)
				}
			}
			if err := banktest.CopyFile(filepath.Join(src, "strata.yaml"), filepath.Join(dir, "strata.yaml")); err != nil {
				t.Fatal(err)
			}
			if code, _, errs := run("refresh", "--project", dir); code != 0 {
				t.Fatalf("refresh: exit %d: %s", code, errs)
			}
			if code, out, errs := run("plan", "--project", dir); code != 0 {
				t.Fatalf("plan right after a refresh: exit %d\n%s%s", code, out, errs)
			}
			path := filepath.Join(dir, c.file)
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(text), c.old) {
				t.Fatalf("%s no longer holds %q; update the case", c.file, c.old)
			}
			if err := os.WriteFile(path, []byte(strings.Replace(string(text), c.old, c.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := run("plan", "--project", dir)
			if code != 2 {
				t.Fatalf("plan: exit %d, want 2\n%s%s", code, out, errs)
			}
			golden := filepath.Join("testdata", "plan", c.name, "plan.txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out != string(want) {
				t.Fatalf("plan output differs from %s (run with -update to accept):\n--- got\n%s--- want\n%s", golden, out, want)
			}
			// The refresh carries the plan out: afterwards nothing is left to do.
			if code, _, errs := run("refresh", "--project", dir); code != 0 {
				t.Fatalf("refresh after the change: exit %d: %s", code, errs)
			}
			if code, out, errs := run("plan", "--project", dir); code != 0 {
				t.Fatalf("plan after the refresh: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}
