package schemas

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schemaURL = "https://github.com/strata-metrics/strata/schemas/strata.schema.json"

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(ModelSchema))
	if err != nil {
		t.Fatalf("strata.schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatalf("strata.schema.json does not compile: %v", err)
	}
	return s
}

// validateFile reads a YAML file into plain values, as a JSON document would
// decode, and validates them against the schema.
func validateFile(t *testing.T, s *jsonschema.Schema, path string) error {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s.Validate(v)
}

// projectFiles lists a project's strata.yaml and every YAML file under its
// models/ directory.
func projectFiles(t *testing.T, dir string) []string {
	t.Helper()
	files := []string{filepath.Join(dir, "strata.yaml")}
	err := filepath.WalkDir(filepath.Join(dir, "models"), func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestExamplesMatchSchema validates every file of every project under examples/.
func TestExamplesMatchSchema(t *testing.T) {
	s := compile(t)
	projects, err := filepath.Glob(filepath.Join("..", "examples", "*", "strata.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(projects) == 0 {
		t.Fatal("no examples/*/strata.yaml")
	}
	for _, p := range projects {
		files := projectFiles(t, filepath.Dir(p))
		if len(files) < 2 {
			t.Errorf("%s: no model files under models/", filepath.Dir(p))
		}
		for _, f := range files {
			name, _ := filepath.Rel("..", f)
			t.Run(filepath.ToSlash(name), func(t *testing.T) {
				if err := validateFile(t, s, f); err != nil {
					t.Errorf("%s does not match strata.schema.json:\n%v", f, err)
				}
			})
		}
	}
}

// TestSchemaRejectsUnknownKeys checks that files the loader rejects for an
// unknown key (model/testdata/errors) are rejected by the schema too, and that
// the schema's error names the key.
func TestSchemaRejectsUnknownKeys(t *testing.T) {
	s := compile(t)
	cases := []struct{ file, key string }{
		{"unknown-top-level-key/models/metrics.yaml", "metric"},
		{"unknown-table-key/models/physical.yaml", "primary_keys"},
		{"unknown-metric-key/models/metrics.yaml", "filters"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			err := validateFile(t, s, filepath.Join("..", "model", "testdata", "errors", filepath.FromSlash(c.file)))
			if err == nil {
				t.Fatalf("the schema accepts %s, which has the unknown key %q", c.file, c.key)
			}
			if !strings.Contains(err.Error(), "'"+c.key+"'") {
				t.Errorf("the schema's error does not name %q:\n%v", c.key, err)
			}
		})
	}
}

// TestSchemaRejectsBadValues spot-checks enums and patterns on small documents.
func TestSchemaRejectsBadValues(t *testing.T) {
	s := compile(t)
	for _, doc := range []string{
		"version: 2",
		"tables: [{name: t, kind: fakt, columns: {id: bigint}}]",
		"metrics: [{name: m, agg: total, expr: t.x}]",
		"metrics: [{name: m, base: n}]",
		"metrics: [{name: m, label: M}]",
		"metrics: [{name: m, base: n, offset: 1 fortnight}]",
		"relationships: [a.b => c.d]",
		"rollups: [{name: r, metrics: [m], time: {field: t.ts, grain: minute}}]",
		"tags: [{name: g, entity: c, where: c.x = 1, value: c.y}]",
		"tags: [{name: g, entity: c, where_metric: {metric: m, op: '=>', value: 3}}]",
	} {
		var v any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if err := s.Validate(v); err == nil {
			t.Errorf("the schema accepts %q", doc)
		}
	}
}
