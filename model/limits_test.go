package model_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/model"
)

// project writes a one-model-file project and returns its directory.
func project(t testing.TB, model string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "models"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "strata.yaml"), []byte("version: 1\nname: shop\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "models", "m.yaml"), []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHostileFiles loads files built to exhaust the parser, the stack or
// memory; each must come back as one positioned diagnostic with its code.
// The time each took is logged; BenchmarkDeepNesting measures it.
func TestHostileFiles(t *testing.T) {
	cases := []struct {
		name, src, code string
		line            int
	}{
		{"flow nesting 100000", "tables: " + strings.Repeat("[", 100_000) + "\n", "too-deep", 1},
		{"flow mapping nesting", "tables:\n  - " + strings.Repeat("{a: ", 5000) + "\n", "too-deep", 2},
		{"block nesting", blockNest(150), "too-deep", 101},
		{"list dashes on one line", "tables:\n" + strings.Repeat("- ", 500) + "x\n", "too-deep", 2},
		{"nesting after a quoted bracket", "tables: ['" + strings.Repeat("[", 500) + "']\nmetrics: " + strings.Repeat("[", 200) + "\n", "too-deep", 2},
		{"oversize", "tables: []\n" + strings.Repeat("# filler line of a model file\n", model.MaxFileBytes/30+10), "too-large", 0},
		{"self merge", "metrics:\n  - &a { <<: *a, name: m }\n", "yaml-alias", 2},
		{"merge through another", "metrics:\n  - &a\n    name: m\n    agg: sum\n    expr: x\n    filter: &b { <<: *a }\n", "wrong-type", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := project(t, c.src)
			start := time.Now()
			_, diags := model.Load(dir)
			t.Logf("%d bytes: %d diagnostics in %v", len(c.src), len(diags), time.Since(start))
			var hit *model.Diagnostic
			for _, d := range diags {
				if d.Code == c.code {
					hit = d
					break
				}
			}
			if hit == nil {
				t.Fatalf("no %s diagnostic; got:\n%s", c.code, diags.Error())
			}
			if hit.Pos.File != "models/m.yaml" || hit.Pos.Line != c.line {
				t.Errorf("%s at %s, want models/m.yaml line %d", c.code, hit.Pos, c.line)
			}
		})
	}
}

// blockNest writes n levels of block mappings, one per line.
func blockNest(n int) string {
	var b strings.Builder
	b.WriteString("tables:\n")
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}

// TestDepthBelowLimit keeps the depth check from rejecting a file that nests
// deep but within the limit, with brackets inside strings and comments.
func TestDepthBelowLimit(t *testing.T) {
	src := "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n" +
		"tables:\n  - name: orders\n    kind: fact\n    description: \"" + strings.Repeat("[", 300) + "\"\n" +
		"    columns: { id: bigint, amount: decimal(12,2) }\n" +
		"metrics:\n  - name: revenue\n    agg: sum\n    expr: |\n      amount + " + strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50) + "\n" +
		"    filter: " + strings.Repeat("[", 0) + "amount > 0\n"
	_, diags := model.Load(project(t, src))
	for _, d := range diags {
		if d.Code == "too-deep" {
			t.Fatalf("rejected a shallow file: %s", d)
		}
	}
}

// TestBOM reads a file that starts with a UTF-8 byte order mark as if it did
// not, positions included.
func TestBOM(t *testing.T) {
	src := "\xef\xbb\xbftables:\n  - name: orders\n    kind: fact\n    columns: { id: bigint }\n"
	p, diags := model.Load(project(t, src))
	if diags.HasErrors() {
		t.Fatalf("a BOM broke the file:\n%s", diags.Error())
	}
	if len(p.Tables) != 1 || p.Tables[0].Pos.Col != 11 {
		t.Fatalf("tables %d, first at %+v", len(p.Tables), p.Tables[0].Pos)
	}
}

// BenchmarkDeepNesting times the rejection of 100,000 nested brackets, which
// the YAML parser alone takes tens of seconds and gigabytes over.
func BenchmarkDeepNesting(b *testing.B) {
	dir := project(b, "tables: "+strings.Repeat("[", 100_000)+"\n")
	for b.Loop() {
		if _, diags := model.Load(dir); !diags.HasErrors() {
			b.Fatal("accepted")
		}
	}
}
