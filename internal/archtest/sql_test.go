package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// sqlHome are the directories where SQL text and dialect decisions belong.
var sqlHome = []string{"compiler/sqlgen", "engine"}

// exempt are directories outside the product's layers — the examples' own
// hand-written SQL (the benchmarks' DuckDB baseline) and test helpers — and
// compiler/expr, which hands user expressions to the TiDB parser inside a
// SELECT: parser input, never sent to an engine; likewise compiler/sqlfront,
// which reads users' SELECTs and explains in its messages which clauses a
// metric query cannot express. model/ names engine types
// when it decodes and defaults strata.yaml; it makes no dialect decision.
var (
	exemptSQL     = []string{"examples", "internal", "compiler/expr", "compiler/sqlfront"}
	exemptDialect = []string{"examples", "internal", "model"}
)

// sqlStatement matches a string literal that reads like a SQL statement or a
// clause of one: a statement keyword first, or a clause keyword inside.
var sqlStatement = regexp.MustCompile(`^\s*(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE|DROP|ALTER|WITH|DESCRIBE|ATTACH|COPY|PRAGMA|MERGE)\s|\s(FROM|JOIN|GROUP\s+BY|ORDER\s+BY|ON\s+CONFLICT|ON\s+DUPLICATE)\s`)

// dialectNames are the names a dialect or engine switch would compare with.
var dialectNames = map[string]bool{"duckdb": true, "mysql": true, "starrocks": true, "doris": true, "mariadb": true}

func under(rel string, dirs []string) bool {
	for _, d := range dirs {
		if rel == d || strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

// goFiles walks the repository's non-test Go files, by path from the root.
func goFiles(t *testing.T, visit func(rel string, f *ast.File, fset *token.FileSet)) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		fset := token.NewFileSet()
		f, perr := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if perr != nil {
			return perr
		}
		visit(rel, f, fset)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoSQLOutsideSQLGen fails on a string literal that looks like SQL in a
// Go file outside compiler/sqlgen and engine/: statements are rendered by the
// dialect there, so that adding an engine is adding a dialect.
func TestNoSQLOutsideSQLGen(t *testing.T) {
	goFiles(t, func(rel string, f *ast.File, fset *token.FileSet) {
		if under(filepath.Dir(rel), sqlHome) || under(rel, exemptSQL) {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if sqlStatement.MatchString(s) {
				t.Errorf("%s: SQL text outside compiler/sqlgen and engine/: %.60q; render it with a sqlgen function for the dialect", fset.Position(lit.Pos()), s)
			}
			return true
		})
	})
}

// TestNoDialectSwitchOutsideSQLGen fails on a comparison or switch case with
// a dialect or engine name outside compiler/sqlgen and engine/: what differs
// between engines is a Dialect method (or a registry entry), never an if.
func TestNoDialectSwitchOutsideSQLGen(t *testing.T) {
	isName := func(e ast.Expr) bool {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return false
		}
		s, _ := strconv.Unquote(lit.Value)
		return dialectNames[strings.ToLower(s)]
	}
	goFiles(t, func(rel string, f *ast.File, fset *token.FileSet) {
		if under(filepath.Dir(rel), sqlHome) || under(rel, exemptDialect) {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.BinaryExpr:
				if (x.Op == token.EQL || x.Op == token.NEQ) && (isName(x.X) || isName(x.Y)) {
					t.Errorf("%s: comparison with a dialect name outside compiler/sqlgen and engine/; make the difference a Dialect method", fset.Position(x.Pos()))
				}
			case *ast.CaseClause:
				for _, e := range x.List {
					if isName(e) {
						t.Errorf("%s: switch on a dialect name outside compiler/sqlgen and engine/; make the difference a Dialect method", fset.Position(e.Pos()))
					}
				}
			}
			return true
		})
	})
}
