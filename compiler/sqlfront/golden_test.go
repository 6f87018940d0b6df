package sqlfront_test

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlfront"
	"github.com/strata-metrics/strata/model"
)

var update = flag.Bool("update", false, "rewrite the expected files of testdata/<case>/")

// TestGolden translates every testdata/<case>/query.sql against the example
// bank and compares the outcome with the files beside it:
//
//	query.json   for a statement that translates and plans: the metric query
//	             it became and its output columns (name and source)
//	errors.txt   for one that fails: "line:col: code: message" and the caret
//
// Run one case:           go test ./compiler/sqlfront -run TestGolden/<case>
// Rewrite expected files: go test ./compiler/sqlfront -run TestGolden -update
func TestGolden(t *testing.T) {
	cat := bankCatalog(t)
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "query.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 30 {
		t.Fatalf("only %d golden cases under testdata/", len(dirs))
	}
	for _, f := range dirs {
		dir := filepath.Dir(f)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, name := outcome(cat, string(src))
			path := filepath.Join(dir, name)
			other := filepath.Join(dir, map[string]string{"query.json": "errors.txt", "errors.txt": "query.json"}[name])
			if *update {
				_ = os.Remove(other)
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if _, err := os.Stat(other); err == nil {
				t.Fatalf("expected %s, got %s:\n%s", filepath.Base(other), name, got)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it); got:\n%s", err, got)
			}
			if string(want) != got {
				t.Errorf("%s differs\n--- want\n%s\n--- got\n%s", name, want, got)
			}
		})
	}
}

// outcome translates and plans a statement: the query JSON, or the error.
func outcome(cat *logical.Catalog, sql string) (string, string) {
	st, err := sqlfront.Translate(cat, sql)
	if err == nil {
		if _, perr := plan.Build(cat, st.Query); perr != nil {
			err = st.Locate(perr)
		}
	}
	if err != nil {
		var se *sqlfront.Error
		if !errors.As(err, &se) {
			return "not a positioned error: " + err.Error() + "\n", "errors.txt"
		}
		return se.Error()[len("line "):] + "\n" + "code: " + se.Code + "\n" + se.Caret(sql), "errors.txt"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(struct {
		Table   string            `json:"table"`
		Query   *plan.Query       `json:"query"`
		Columns []sqlfront.Column `json:"columns"`
	}{st.Table, st.Query, st.Columns})
	return b.String(), "query.json"
}

func bankCatalog(t testing.TB) *logical.Catalog {
	t.Helper()
	p, diags := model.Load("../../examples/bank")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	cat, diags := compiler.Check(p)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cat
}
