package ssb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/cli"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/examples/ssb"
	"github.com/strata-metrics/strata/examples/ssb/generate/ssbgen"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

const (
	testSF = 0.01
	// testSeed gives rows to 12 of the 13 queries at SF 0.01. With only 20
	// suppliers, Q3.2 and Q4.3 (a supplier in the United States) and Q3.3
	// (one in UNITED KI1 or KI5) are empty for many seeds. Q3.4 (two cities
	// on each side, one month) is empty at this size whatever the seed;
	// extraQueries covers its month filter.
	testSeed = 43
)

// servedBy is the rollup each query must be served by: the smallest one that
// keeps all of its fields (see models/rollups.yaml).
var servedBy = map[string]string{
	"q1.1": "q1_year", "q1.2": "q1_month", "q1.3": "q1_week",
	"q2.1": "q2_brand", "q2.2": "q2_brand", "q2.3": "q2_brand",
	"q3.1": "q3_nation", "q3.2": "q3_city", "q3.3": "q3_city", "q3.4": "q3_city_month",
	"q4.1": "q4_nation", "q4.2": "q4_category", "q4.3": "q4_brand",
}

// extraQueries widen the queries that are empty at SF 0.01.
var extraQueries = []ssb.Query{{
	Name: "q3.4-any-city",
	Metric: &plan.Query{
		Metrics:    []string{"revenue"},
		Dimensions: []string{"customer.c_city", "supplier.s_city", "date.d_year"},
		Where:      "date.d_yearmonth = 'Dec1997'",
		Order:      []string{"date.d_year", "-revenue", "customer.c_city", "supplier.s_city"},
	},
	SQL: `SELECT c_city, s_city, d_year, sum(lo_revenue) AS revenue
FROM customer, lineorder, supplier, "date"
WHERE lo_custkey = c_custkey AND lo_suppkey = s_suppkey AND lo_orderdate = d_datekey
  AND d_yearmonth = 'Dec1997'
GROUP BY c_city, s_city, d_year
ORDER BY d_year ASC, revenue DESC, c_city, s_city`,
}}

// TestQueriesAgree answers the 13 SSB queries at SF 0.01 on every path —
// the hand-written star-join SQL on DuckDB, Strata on the raw tables, Strata
// through its rollups, and the CLI — and checks that the answers are equal
// cell by cell, and that every query is served by a rollup.
func TestQueriesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("generates data and builds rollups")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if err := ssb.CopyProject(".", dir, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ssbgen.Generate(ctx, filepath.Join(dir, "data"), ssbgen.Options{SF: testSF, Seed: testSeed}); err != nil {
		t.Fatal(err)
	}
	queries, err := ssb.LoadQueries(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) != 13 {
		t.Fatalf("%d queries, want the 13 of SSB", len(queries))
	}

	p, diags := model.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("model:\n%s", diags.Format(p.Sources, 0))
	}
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		t.Fatalf("catalog:\n%s", cdiags.Format(p.Sources, 0))
	}
	w, err := service.Open(ctx, cat, service.Options{Memory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	built, err := w.Refresh(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range built {
		if r.Err != nil {
			t.Fatalf("rollup %s: %v", r.Name, r.Err)
		}
	}

	// The CLI opens the project's own warehouse file, under the temp dir.
	var stdout, stderr bytes.Buffer
	if code := cli.Main([]string{"refresh", "-q", "--project", dir}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("strata refresh: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".strata", "warehouse.duckdb")); err != nil {
		t.Fatalf("the CLI's warehouse is not in the project copy: %v", err)
	}

	// The extra queries run through the CLI from files, like the others.
	for i := range extraQueries {
		q := &extraQueries[i]
		data, err := json.Marshal(q.Metric)
		if err != nil {
			t.Fatal(err)
		}
		q.JSONPath = filepath.Join(dir, q.Name+".json")
		if err := os.WriteFile(q.JSONPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	nonEmpty := 0
	for _, q := range append(queries, extraQueries...) {
		t.Run(q.Name, func(t *testing.T) {
			want, err := w.Engine.Query(ctx, q.SQL)
			if err != nil {
				t.Fatalf("hand-written SQL: %v", err)
			}
			if len(want.Rows) > 0 && servedBy[q.Name] != "" {
				nonEmpty++
			}
			if len(want.Rows) == 0 && servedBy[q.Name] == "" {
				t.Errorf("extra query has no rows")
			}

			raw := *q.Metric
			raw.NoRollup = true
			res, err := w.Query(ctx, &raw)
			if err != nil {
				t.Fatalf("strata raw: %v", err)
			}
			if res.Meta.ServedBy != "raw" {
				t.Errorf("strata raw: served by %q, want raw", res.Meta.ServedBy)
			}
			if err := ssb.CompareRows(want.Rows, res.Rows); err != nil {
				t.Errorf("strata raw differs from the hand-written SQL: %v\n%s", err, res.Meta.SQL)
			}

			res, err = w.Query(ctx, q.Metric)
			if err != nil {
				t.Fatalf("strata via rollup: %v", err)
			}
			if res.Meta.ServedBy == "raw" || res.Meta.ServedBy == "" {
				t.Errorf("served by %q, want a rollup", res.Meta.ServedBy)
			} else if want := servedBy[q.Name]; want != "" && res.Meta.ServedBy != want {
				t.Errorf("served by %s, want %s", res.Meta.ServedBy, want)
			}
			if err := ssb.CompareRows(want.Rows, res.Rows); err != nil {
				t.Errorf("strata via %s differs from the hand-written SQL: %v\n%s", res.Meta.ServedBy, err, res.Meta.SQL)
			}
			rollup := res.Meta.ServedBy

			stdout.Reset()
			stderr.Reset()
			args := []string{"query", "--project", dir, "-f", q.JSONPath, "--format", "json"}
			if code := cli.Main(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("strata query: exit %d\n%s", code, stderr.String())
			}
			rows, servedBy, err := ssb.CLIRows(stdout.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if servedBy != rollup {
				t.Errorf("CLI: served by %q, in-process by %q", servedBy, rollup)
			}
			if err := ssb.CompareRows(want.Rows, rows); err != nil {
				t.Errorf("the CLI's answer differs from the hand-written SQL: %v", err)
			}
		})
	}
	if nonEmpty < 12 {
		t.Errorf("only %d of 13 queries have rows at SF %v", nonEmpty, testSF)
	}
}
