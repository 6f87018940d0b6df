// Package banktest sets up the example bank for tests: a copy of its model in
// a temporary project whose sources are freshly generated data, and an
// in-memory warehouse over it for queries. Only tests import it.
package banktest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
	"github.com/strata-metrics/strata/service"
)

// RepoRoot finds the module root by walking up from the working directory
// (tests run in their package's directory) to the go.mod. runtime.Caller
// cannot serve: builds with -trimpath record module paths, not files.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// CopyModel copies examples/bank/strata.yaml and models/ into dir, so that the
// project resolves its sources under dir/data.
func CopyModel(dir string) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	src := filepath.Join(root, "examples", "bank")
	if err := CopyFile(filepath.Join(src, "strata.yaml"), filepath.Join(dir, "strata.yaml")); err != nil {
		return err
	}
	return CopyTree(filepath.Join(src, "models"), filepath.Join(dir, "models"))
}

// CopyTree copies the regular files under from into to.
func CopyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		return CopyFile(path, filepath.Join(to, rel))
	})
}

// CopyFile copies one file, creating the directories it needs.
func CopyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// Load loads and checks the project in dir.
func Load(dir string) (*model.Project, *logical.Catalog, error) {
	p, diags := model.Load(dir)
	if diags.HasErrors() {
		return nil, nil, fmt.Errorf("load %s: %s", dir, diags.Format(p.Sources, 10))
	}
	cat, cdiags := logical.Build(p)
	if cdiags.HasErrors() {
		return nil, nil, fmt.Errorf("build %s: %s", dir, cdiags.Format(p.Sources, 10))
	}
	return p, cat, nil
}

// Open loads the project in dir and opens an in-memory warehouse over it for queries.
func Open(ctx context.Context, dir string, opts service.Options) (*service.Project, error) {
	_, cat, err := Load(dir)
	if err != nil {
		return nil, err
	}
	opts.Memory = true
	return service.Open(ctx, cat, opts)
}
