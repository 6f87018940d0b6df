package compiler_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
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
//	plan.txt         for a query that compiles: the plan (plan.Plan.String()),
//	duckdb.sql       and its SQL for each dialect
//	mysql.sql
//	starrocks.sql
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
	q, err := plan.DecodeQuery(data)
	if err == nil {
		var p *plan.Plan
		p, err = compileAll(cat, q, got)
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

// compileAll compiles the query for every golden dialect; the plan must not
// depend on the dialect, so the first one is returned.
func compileAll(cat *logical.Catalog, q *plan.Query, got map[string]string) (*plan.Plan, error) {
	var first *plan.Plan
	for _, name := range goldenDialects {
		d, err := sqlgen.Get(name)
		if err != nil {
			return nil, err
		}
		c, err := compiler.Compile(cat, q, nil, d)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = c.Plan
		}
		got[name+".sql"] = c.SQL + "\n"
	}
	return first, nil
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
var expectedFiles = []string{"plan.txt", "duckdb.sql", "mysql.sql", "starrocks.sql", "errors.txt"}

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
