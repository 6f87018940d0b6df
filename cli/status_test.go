package cli_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-metrics/strata/internal/banktest"
)

// Before any build, `strata status --format json` (what GET /v1/rollups
// serves) already holds every rollup's schedule fields — state, rows,
// staleness, SLA, cron, next run — and no invented build time: a rollup
// never built has no built_at, not the year 1.
func TestStatusJSONBeforeAnyBuild(t *testing.T) {
	src := bankProject(t)
	dir := t.TempDir()
	for _, sub := range []string{"models", "data"} {
		if err := banktest.CopyTree(filepath.Join(src, sub), filepath.Join(dir, sub)); err != nil {
			t.Fatal(err)
		}
	}
	if err := banktest.CopyFile(filepath.Join(src, "strata.yaml"), filepath.Join(dir, "strata.yaml")); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run("status", "--project", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errs)
	}
	var st struct {
		Rollups []map[string]any `json:"rollups"`
		Tags    []map[string]any `json:"tags"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(st.Rollups) == 0 || len(st.Tags) == 0 {
		t.Fatalf("status lists %d rollups and %d tags:\n%s", len(st.Rollups), len(st.Tags), out)
	}
	for _, r := range append(st.Rollups, st.Tags...) {
		name := r["name"]
		if b, ok := r["built_at"]; ok {
			t.Errorf("%s was never built, yet has built_at %v", name, b)
		}
		if r["state"] != "never built" {
			t.Errorf("%s: state %v, want never built", name, r["state"])
		}
	}
	for _, r := range st.Rollups {
		name := r["name"]
		for _, k := range []string{"rows", "staleness_seconds", "duration_ms", "fresh", "model_hash"} {
			if _, ok := r[k]; !ok {
				t.Errorf("%s: no %s before the first build", name, k)
			}
		}
		if name != "txn_daily" {
			continue
		}
		if r["freshness_sla"] != "15m0s" || r["cron"] != "*/10 * * * *" {
			t.Errorf("txn_daily: SLA %v, cron %v", r["freshness_sla"], r["cron"])
		}
		next, _ := r["next_run"].(string)
		if at, err := time.Parse(time.RFC3339Nano, next); err != nil || at.Year() < 2000 {
			t.Errorf("txn_daily: next_run %q (%v): a rollup never built is due at once", next, err)
		}
	}
}
