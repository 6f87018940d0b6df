package rewritetest

import (
	"context"
	"flag"
	"github.com/strata-metrics/strata/internal/banktest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

var update = flag.Bool("update", false, "rewrite the golden explain outputs in testdata/explain")

// explainCases says, for every golden case, what must serve the query: a
// golden rewritten with -update still has to show what its case is about.
// Cases whose name starts with "stale" run on a warehouse whose transactions
// source was touched after its rollups were built; those starting with
// "more" on the model with moreRollupsModel's rollups too.
var explainCases = map[string]string{
	"dimension_not_in_rollup":     "raw",
	"grain_not_computable":        "txn_daily",
	"hour_grain":                  "raw",
	"unaligned_month_bound":       "txn_daily",
	"unaligned_day_bound":         "raw",
	"filter_field_not_in_rollup":  "raw",
	"measure_not_in_rollup":       "txn_daily",
	"semi_additive_balance_daily": "balance_daily",
	"semi_additive_per_raw":       "raw+balance_daily",
	"cheaper_rollup":              "txn_monthly_segment",
	"no_rollup":                   "raw",
	"drill_across_partial":        "txn_daily+raw",
	"period_over_period":          "txn_monthly_segment",
	"stale":                       "raw",
	"stale_with_freshness":        "txn_daily",
	"more_shifted_filter_splits":  "txn_monthly_segment+txn_daily",
	"more_week_rollup_month_pop":  "txn_weekly_age",
}

// volatile matches what changes from build to build in an explanation: the
// rollup tables' version suffix (definition hash and build time) and the age
// of a stale build.
var (
	tableVersion = regexp.MustCompile(`\br_([a-z0-9_]+)_[0-9a-f]{8}_[0-9]{6,}\b`)
	buildAge     = regexp.MustCompile(`built [0-9hms.µ]+ ago`)
)

func normalizeExplain(s string) string {
	s = tableVersion.ReplaceAllString(s, "r_${1}_<version>")
	return buildAge.ReplaceAllString(s, "built <age> ago")
}

// TestExplainGolden compares explain's text for hand-picked queries, one per
// reason a rollup serves a query or not, with testdata/explain/<case>/explain.txt.
// Run with -update to rewrite the goldens.
func TestExplainGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "explain", "*"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		found[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := explainCases[name]
			if !ok {
				t.Fatalf("no expectation for case %s: add it to explainCases", name)
			}
			data, err := os.ReadFile(filepath.Join(dir, "query.json"))
			if err != nil {
				t.Fatal(err)
			}
			q, err := plan.DecodeQuery(data)
			if err != nil {
				t.Fatalf("query.json: %v", err)
			}
			w, _ := sharedWarehouse(t)
			switch {
			case strings.HasPrefix(name, "stale"):
				w = staleWarehouse(t)
			case strings.HasPrefix(name, "more"):
				w = moreRollupsWarehouse(t)
			}
			ctx := context.Background()
			x, err := w.Explain(ctx, q)
			if err != nil {
				t.Fatalf("explain: %v", err)
			}
			if x.ServedBy != want {
				t.Errorf("served by %s, want %s", x.ServedBy, want)
			}
			// The explanation must agree with what running the query does.
			res, err := w.Query(ctx, q)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if res.Meta.ServedBy != x.ServedBy {
				t.Errorf("explain says %s, the query was served by %s", x.ServedBy, res.Meta.ServedBy)
			}
			got := normalizeExplain(x.Text())
			golden := filepath.Join(dir, "explain.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantText, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(wantText) {
				t.Errorf("explain output differs from %s (run with -update to accept):\n%s", golden, lineDiff(string(wantText), got))
			}
		})
	}
	var missing []string
	for name := range explainCases {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("cases without a testdata/explain directory: %s", strings.Join(missing, ", "))
	}
}

// lineDiff shows the lines that differ between two texts.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g + "\n")
		}
	}
	return b.String()
}

var stale struct {
	once sync.Once
	w    *service.Project
	err  error
}

// staleWarehouse is a copy of the shared data set whose rollups were built
// before its transactions source changed (its modification time moved on).
func staleWarehouse(t *testing.T) *service.Project {
	t.Helper()
	_, src := sharedWarehouse(t)
	stale.once.Do(func() {
		dir := filepath.Join(testRoot, "stale")
		if stale.err = banktest.CopyTree(src, dir); stale.err != nil {
			return
		}
		ctx := context.Background()
		if stale.w, stale.err = openBuilt(ctx, dir); stale.err != nil {
			return
		}
		later := time.Now().Add(time.Minute)
		stale.err = os.Chtimes(filepath.Join(dir, "data", "transactions.parquet"), later, later)
	})
	if stale.err != nil {
		t.Fatalf("stale data set: %v", stale.err)
	}
	return stale.w
}
