package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every error code the compiler, the model, the service or the API can give
// is in the table, so that its status is chosen, never defaulted. The codes
// are read from the sources: each `Code: "…"` field of a composite literal,
// each literal code passed to newError or badData, and the SQL front end's
// Code constants.
func TestEveryCodeIsInTheTable(t *testing.T) {
	fset := token.NewFileSet()
	found := map[string]string{} // code → where it is given
	for _, dir := range []string{"../compiler", "../model", "../service", "."} {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			note := func(lit ast.Expr) {
				if bl, ok := lit.(*ast.BasicLit); ok && bl.Kind == token.STRING {
					if c, err := strconv.Unquote(bl.Value); err == nil {
						found[c] = fset.Position(bl.Pos()).String()
					}
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Code" {
						note(n.Value)
					}
				case *ast.ValueSpec: // the SQL front end's named codes (CodeSyntax = "sql-syntax")
					if strings.Contains(filepath.ToSlash(path), "compiler/sqlfront/") {
						for i, id := range n.Names {
							if strings.HasPrefix(id.Name, "Code") && i < len(n.Values) {
								note(n.Values[i])
							}
						}
					}
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "newError" || id.Name == "badData") && len(n.Args) > 0 {
						note(n.Args[0])
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(found) < 40 {
		t.Fatalf("found only %d codes in the sources; the scan is broken", len(found))
	}
	for c, at := range found {
		if _, ok := codes[c]; !ok {
			t.Errorf("%s: code %q is not in api/codes.go", at, c)
		}
	}
}
