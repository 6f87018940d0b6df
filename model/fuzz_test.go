package model_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/model"
)

// FuzzLoad feeds arbitrary bytes to the loader as a model file, then runs the
// expression checks the way `strata validate` does. Whatever the input, it
// must not panic, and every diagnostic must name its file and carry a code.
// The seeds are the example project's model files and every error case.
//
//	go test ./model -run '^$' -fuzz FuzzLoad -fuzztime 10s -fuzzminimizetime 100x
//
// (a load takes milliseconds, so the default minimization budget of 60 s per
// new input would stall a short run).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "examples", "bank", "models", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(errorsDir, "*", "models", "*.yaml"))
	for _, path := range append(seeds, more...) {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("metrics:\n  - &a { <<: *a }\n"))
	f.Add([]byte("tables: [[[[[[[[[[[[[[[[[[\n"))
	f.Add([]byte("\xef\xbb\xbftables: []\n"))
	// One project directory for the whole run: each input overwrites its
	// model file (a fresh directory per input costs more than the load).
	dir := f.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "models"), 0o755); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "strata.yaml"), []byte("version: 1\nname: fuzz\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := os.WriteFile(filepath.Join(dir, "models", "m.yaml"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		p, diags := model.Load(dir)
		_, diags = logical.Validate(p, diags)
		for _, d := range diags {
			if d.Code == "" || !strings.HasPrefix(d.Pos.File, "models/m.yaml") && d.Pos.File != model.SettingsFile {
				t.Fatalf("diagnostic without code or file: %+v", d)
			}
		}
		_ = diags.Format(p.Sources, 0) // the caret renderer must cope too
	})
}
