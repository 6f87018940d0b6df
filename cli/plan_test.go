package cli_test

import (
	"encoding/json"
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
	{"new_lattice_rollup", "models/rollups.yaml", "\ntags:", `
  - name: txn_monthly_channel
    metrics: [txn_count, txn_amount]
    dimensions: [channels.name]
    time: { field: transactions.txn_time, grain: month }

tags:`, true},
	{"changed_metric_filter", "models/metrics.yaml", "    filter: transactions.status = 'posted'\n    format: currency", "    filter: transactions.status IN ('posted', 'pending')\n    format: currency", true},
	{"changed_table_timezone", "models/physical.yaml", "    time: txn_time\n", "    time: txn_time\n    timezone: Asia/Tokyo\n", true},
	{"renamed_rollup", "models/rollups.yaml", "  - name: app_daily\n", "  - name: app_daily_by_device\n", true},
	{"changed_dimensions", "models/rollups.yaml", "    dimensions: [customers.segment]\n", "    dimensions: [customers.segment, customers.risk_level]\n", true},
	{"changed_grain", "models/rollups.yaml", "    time: { field: transactions.txn_time, grain: month }\n    partition: year\n", "    time: { field: transactions.txn_time, grain: week }\n    partition: year\n", true},
	{"changed_partition", "models/rollups.yaml", "    time: { field: transactions.txn_time, grain: day }\n    partition: month\n", "    time: { field: transactions.txn_time, grain: day }\n    partition: year\n", true},
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
			code, first, errs := run("refresh", "--project", dir)
			if code != 0 {
				t.Fatalf("refresh: exit %d: %s", code, errs)
			}
			lineage := builtFrom(first)
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
			// The refresh carries the plan out, reading each rollup from
			// where the plan said it would: afterwards nothing is left to do.
			_, js, _ := run("plan", "--project", dir, "--format", "json")
			var planned struct {
				Steps []struct {
					Action, Rollup string
					From           string `json:"built_from"`
				} `json:"steps"`
			}
			if err := json.Unmarshal([]byte(js), &planned); err != nil {
				t.Fatalf("plan --format json: %v\n%s", err, js)
			}
			code, rep, errs := run("refresh", "--project", dir)
			if code != 0 {
				t.Fatalf("refresh after the change: exit %d: %s", code, errs)
			}
			from := builtFrom(rep)
			for _, s := range planned.Steps {
				if s.Action == "drop" {
					delete(lineage, s.Rollup)
				}
				want := s.From
				if want == "" {
					want = "raw"
				}
				if s.Action != "drop" && from[s.Rollup] != want {
					t.Errorf("plan said %s is read from %q; the refresh read it from %q:\n%s", s.Rollup, want, from[s.Rollup], rep)
				}
			}
			// status's BUILT_FROM column names the same sources (the
			// rollups the plan left alone keep the first build's).
			for _, s := range planned.Steps {
				if s.Action != "drop" {
					lineage[s.Rollup] = from[s.Rollup]
				}
			}
			_, st, _ := run("status", "--project", dir)
			lines := strings.Split(st, "\n")
			col := strings.Index(lines[0], "BUILT_FROM")
			if col < 0 {
				t.Fatalf("status has no BUILT_FROM column:\n%s", st)
			}
			seen := 0
			for _, l := range lines[1:] {
				f := strings.Fields(l)
				if len(f) == 0 {
					break // the tags' table follows
				}
				want, ok := lineage[f[0]]
				if !ok {
					continue // dropped
				}
				seen++
				if got := strings.Fields(l[col:])[0]; got != want {
					t.Errorf("status says %s was built from %q, the refresh said %q:\n%s", f[0], got, want, st)
				}
			}
			if seen != len(lineage) {
				t.Errorf("status lists %d of the %d built rollups:\n%s", seen, len(lineage), st)
			}
			if code, out, errs := run("plan", "--project", dir); code != 0 {
				t.Fatalf("plan after the refresh: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}

// builtFrom reads a refresh report's rollup lines: each rollup built and
// the rollup it was read from, "raw" for the raw tables.
func builtFrom(report string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(report, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[2] != "rows" {
			continue
		}
		out[f[0]] = "raw"
		if f[len(f)-2] == "from" {
			out[f[0]] = f[len(f)-1]
		}
	}
	return out
}
