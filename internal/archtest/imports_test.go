package archtest

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/strata-metrics/strata"

// layers says which of the module's top-level packages each may import
// (besides its own subpackages). Packages not listed (examples/, internal/,
// cmd/) are free; a new top-level package must be placed here.
var layers = map[string][]string{
	"model":        {},
	"compiler":     {"model"},
	"engine":       {},
	"materializer": {"compiler", "model", "engine"},
	"service":      {"compiler", "model", "engine", "materializer"},
	"api":          {"service", "materializer", "compiler", "model", "engine", "web"},
	"cli":          {"api", "service", "materializer", "compiler", "model", "engine"},
	"web":          {}, // the explorer page's embedded bundle: imports nothing of Strata's
}

// notInCompiler are packages the compiler must not depend on, even
// indirectly: it never opens a database.
var notInCompiler = []string{"database/sql", "github.com/duckdb/", "github.com/go-sql-driver/"}

type pkg struct {
	path    string
	imports []string
	deps    []string
}

// list runs `go list` over the module's packages (tests excluded: a test may
// reach up to set things up).
func list(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}|{{join .Imports \" \"}}|{{join .Deps \" \"}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		pkgs = append(pkgs, pkg{path: parts[0], imports: strings.Fields(parts[1]), deps: strings.Fields(parts[2])})
	}
	return pkgs
}

// top is the module's top-level package a path belongs to ("" outside the module).
func top(path string) string {
	rest, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(rest, "/")
	return first
}

// TestImportDirection fails when a package imports a layer above it or
// beside it that it may not reach, or when the compiler depends on a database.
func TestImportDirection(t *testing.T) {
	for _, p := range list(t) {
		from := top(p.path)
		allowed, constrained := layers[from]
		if !constrained {
			continue
		}
		for _, imp := range p.imports {
			to := top(imp)
			if to == "" || to == from {
				continue
			}
			ok := false
			for _, a := range allowed {
				ok = ok || a == to
			}
			if !ok {
				t.Errorf("%s imports %s: %s/ may import only %v (imports point cli/api → service/materializer → compiler → model; engine/ imports neither)",
					strings.TrimPrefix(p.path, module+"/"), strings.TrimPrefix(imp, module+"/"), from, allowed)
			}
		}
		if from != "compiler" {
			continue
		}
		for _, d := range p.deps {
			for _, bad := range notInCompiler {
				if strings.HasPrefix(d, bad) {
					t.Errorf("%s depends on %s: the compiler never opens a database", strings.TrimPrefix(p.path, module+"/"), d)
				}
			}
		}
	}
}
