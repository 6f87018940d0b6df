package compiler_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/model"
)

var update = flag.Bool("update", false, "rewrite the expected files of compiler/testdata/<case>/")

// goldenDialects are the dialects every successful case is rendered for; each
// has its own expected file, <dialect>.sql.
var goldenDialects = []string{"duckdb", "mysql", "starrocks"}

const bankProject = "../examples/bank"

// TestGolden compiles every case under testdata/ and compares the result with
// the files stored beside its query.
//
// A case is a directory testdata/<case>/ holding:
//
//	query.json       the query, exactly as the DataAPI receives it (plan.DecodeQuery)
//	project/         optional: a project of its own (strata.yaml + models/);
//	                 without it the case runs against examples/bank
//	rollups.json     optional: the rollups' built state (see goldenState); with
//	                 it the query goes through the rewrite, as in a warehouse
//	plan.txt         for a query that compiles: the plan (plan.Plan.String(),
//	                 of the duckdb compilation after the rewrite),
//	duckdb.sql       and its SQL for each dialect
//	mysql.sql
//	starrocks.sql
//	rewrite.txt      with rollups.json: every rollup's verdict, per dialect
//	errors.txt       for a query that fails: the error's Error() text with its
//	                 code before the message ("where offset 13: expr-not-allowed:
//	                 subqueries are …"), and for where/having a caret line
//
// A case has either errors.txt or the plan and SQL files, never both.
//
// Run one case:           go test ./compiler -run TestGolden/<case>
// Rewrite expected files: go test ./compiler -run TestGolden -update
// (then read the diff: the rewritten files are the review).
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "query.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no golden cases under testdata/")
	}
	projects := map[string]*logical.Catalog{}
	for _, qf := range dirs {
		dir := filepath.Dir(qf)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			proj := bankProject
			if fi, err := os.Stat(filepath.Join(dir, "project")); err == nil && fi.IsDir() {
				proj = filepath.Join(dir, "project")
			}
			cat := projects[proj]
			if cat == nil {
				cat = loadCatalog(t, proj)
				projects[proj] = cat
			}
			runCase(t, dir, cat)
		})
	}
}

// loadCatalog loads and checks a project; a project with errors fails the test.
func loadCatalog(t testing.TB, dir string) *logical.Catalog {
	t.Helper()
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		t.Fatalf("project %s does not load:\n%v", dir, diags)
	}
	cat, diags := compiler.Check(p)
	if diags.HasErrors() {
		t.Fatalf("project %s does not check:\n%v", dir, diags)
	}
	return cat
}

func runCase(t *testing.T, dir string, cat *logical.Catalog) {
	data, err := os.ReadFile(filepath.Join(dir, "query.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	rollups, err := readRollups(dir, cat)
	if err != nil {
		t.Fatal(err)
	}
	q, err := plan.DecodeQuery(data)
	if err == nil {
		var p *plan.Plan
		p, err = compileAll(cat, q, rollups, got)
		if err == nil {
			got["plan.txt"] = p.String()
		}
	}
	if err != nil {
		clear(got)
		got["errors.txt"] = errorText(err, q)
	}
	compareCase(t, dir, got)
}

// compileAll compiles the query for every golden dialect. Without rollups the
// plan does not depend on the dialect; with them the rewrite may choose
// differently where a dialect cannot store a measure (MySQL's distinct
// sets), which rewrite.txt shows. The first dialect's plan is returned.
func compileAll(cat *logical.Catalog, q *plan.Query, rollups *rewrite.Input, got map[string]string) (*plan.Plan, error) {
	var first *plan.Plan
	var verdicts strings.Builder
	for _, name := range goldenDialects {
		d, err := sqlgen.Get(name)
		if err != nil {
			return nil, err
		}
		c, err := compiler.Compile(cat, q, rollups, d)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = c.Plan
		}
		got[name+".sql"] = c.SQL + "\n"
		if rollups != nil {
			fmt.Fprintf(&verdicts, "%s: served by %s\n", name, c.Plan.ServedBy())
			for _, dc := range c.Decisions {
				part := dc.Part
				if part == "" {
					part = "-"
				}
				fmt.Fprintf(&verdicts, "  %s %s: %s", part, dc.Rollup, dc.Code)
				if dc.Used {
					fmt.Fprintf(&verdicts, " (%d rows)\n", dc.Rows)
				} else {
					fmt.Fprintf(&verdicts, ": %s\n", dc.Reason)
				}
			}
		}
	}
	if rollups != nil {
		got["rewrite.txt"] = verdicts.String()
	}
	return first, nil
}

// goldenNow is the time rollup-path cases are compiled at, so that ages in
// reasons are stable.
var goldenNow = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// goldenState is one rollup's entry in a case's rollups.json. A listed rollup
// is built from its current definition into table _strata.r_<name> unless
// outdated is set; built_ago and source_changed describe its freshness. A
// rollup not listed is not built.
type goldenState struct {
	Rows          int64  `json:"rows"`
	Outdated      bool   `json:"outdated"`
	SourceChanged bool   `json:"source_changed"`
	BuiltAgo      string `json:"built_ago"`
}

// readRollups reads a case's rollups.json into the rewrite's input; nil
// without one.
func readRollups(dir string, cat *logical.Catalog) (*rewrite.Input, error) {
	data, err := os.ReadFile(filepath.Join(dir, "rollups.json"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var given map[string]goldenState
	if err := json.Unmarshal(data, &given); err != nil {
		return nil, fmt.Errorf("%s/rollups.json: %w", dir, err)
	}
	in := &rewrite.Input{Rollups: rollup.Definitions(cat), States: map[string]rewrite.State{}, Now: goldenNow}
	known := map[string]*rollup.Rollup{}
	for _, r := range in.Rollups {
		known[r.Name] = r
	}
	for name, g := range given {
		r := known[name]
		if r == nil {
			return nil, fmt.Errorf("%s/rollups.json: no rollup %q in the model", dir, name)
		}
		st := rewrite.State{Table: "_strata.r_" + name, Hash: r.Hash, Rows: g.Rows, BuiltAt: goldenNow.Add(-time.Hour), SourceChanged: g.SourceChanged}
		if g.Outdated {
			st.Hash = "0000000000000000"
		}
		if g.BuiltAgo != "" {
			ago, err := time.ParseDuration(g.BuiltAgo)
			if err != nil {
				return nil, fmt.Errorf("%s/rollups.json: %s: built_ago: %w", dir, name, err)
			}
			st.BuiltAt = goldenNow.Add(-ago)
		}
		in.States[name] = st
	}
	return in, nil
}

// errorText renders a failure as its Error() text with the code put before
// the message — "where offset 13: expr-not-allowed: subqueries are not…" —
// and, for where/having, the caret line that shows what the offset points at.
func errorText(err error, q *plan.Query) string {
	var pe *plan.Error
	if !errors.As(err, &pe) {
		return "error (not a *plan.Error): " + err.Error() + "\n"
	}
	s := strings.TrimSuffix(pe.Error(), pe.Msg) + pe.Code + ": " + pe.Msg + "\n"
	if q != nil {
		s += pe.Caret(q)
	}
	return s
}

// expectedFiles are every file a case may hold besides its inputs.
var expectedFiles = []string{"plan.txt", "duckdb.sql", "mysql.sql", "starrocks.sql", "rewrite.txt", "errors.txt"}

func compareCase(t *testing.T, dir string, got map[string]string) {
	t.Helper()
	for _, name := range expectedFiles {
		path := filepath.Join(dir, name)
		g, produced := got[name]
		if *update {
			if produced {
				if err := os.WriteFile(path, []byte(g), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		switch {
		case os.IsNotExist(err) && produced:
			t.Errorf("%s: missing; got:\n%s\n(run with -update to write it)", path, g)
		case os.IsNotExist(err):
		case err != nil:
			t.Fatal(err)
		case !produced:
			t.Errorf("%s: expected, but the case produced %s instead:\n%s", path, producedNames(got), strings.Join(values(got), "\n"))
		case string(want) != g:
			t.Errorf("%s differs (run with -update to accept):\n--- want\n%s\n--- got\n%s", path, want, g)
		}
	}
}

func producedNames(got map[string]string) string {
	var names []string
	for _, n := range expectedFiles {
		if _, ok := got[n]; ok {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

func values(got map[string]string) []string {
	var out []string
	for _, n := range expectedFiles {
		if v, ok := got[n]; ok {
			out = append(out, v)
		}
	}
	return out
}
