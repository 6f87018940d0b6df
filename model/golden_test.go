package model_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

var update = flag.Bool("update", false, "rewrite the errors.txt and caret.txt golden files of testdata/errors")

const errorsDir = "testdata/errors"

// check loads the project at dir the way `strata validate` does: model.Load,
// then logical.Validate for the expression checks, also past loading errors.
// The diagnostics of both phases come back sorted together.
func check(t *testing.T, dir string) (*model.Project, model.Diagnostics) {
	t.Helper()
	p, diags := model.Load(dir)
	_, diags = logical.Validate(p, diags)
	return p, diags
}

// TestErrors runs every case directory under testdata/errors/. Each case is a
// small, complete project (strata.yaml and models/) with one kind of mistake;
// errors.txt holds the diagnostics it must produce, one `file:line:col: message`
// per line, in the sorted order the loader reports them.
//
// Run one case:
//
//	go test ./model -run TestErrors/<case>
//
// Rewrite the expected files after an intended change of wording or position
// (and read the diff: every caret must still point at the offending token):
//
//	go test ./model -update
func TestErrors(t *testing.T) {
	cases, err := os.ReadDir(errorsDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(errorsDir, c.Name())
		t.Run(c.Name(), func(t *testing.T) {
			_, diags := check(t, dir)
			if len(diags) == 0 {
				t.Fatal("the case produced no diagnostics; an error case must hold a mistake")
			}
			var b strings.Builder
			for _, d := range diags {
				b.WriteString(d.Error() + "\n")
			}
			golden(t, filepath.Join(dir, "errors.txt"), b.String())
		})
	}
	if n < 20 {
		t.Errorf("found %d cases under %s; expected at least 20", n, errorsDir)
	}
}

// TestCarets checks the terminal rendering — message, source line, caret — of
// every case that holds a caret.txt. The caret must sit under the offending
// token, including inside expressions written as quoted strings or block scalars.
func TestCarets(t *testing.T) {
	matches, err := filepath.Glob(filepath.Join(errorsDir, "*", "caret.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) == 0 {
		t.Fatalf("no caret.txt under %s", errorsDir)
	}
	for _, m := range matches {
		dir := filepath.Dir(m)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, diags := check(t, dir)
			if p == nil {
				t.Fatal("model.Load returned no project")
			}
			golden(t, m, diags.Format(p.Sources, 0))
		})
	}
}

// TestExampleBankIsValid keeps the example project free of any diagnostic,
// warnings included.
func TestExampleBankIsValid(t *testing.T) {
	p, diags := check(t, filepath.Join("..", "examples", "bank"))
	if len(diags) > 0 {
		t.Fatalf("examples/bank has diagnostics:\n%s", diags.Format(p.Sources, 0))
	}
	if len(p.Tables) == 0 || len(p.Metrics) == 0 {
		t.Fatalf("examples/bank loaded %d tables and %d metrics", len(p.Tables), len(p.Metrics))
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./model -update` to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run `go test ./model -update` to rewrite it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}
