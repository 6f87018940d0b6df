package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	yaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// SettingsFile is the name of the project file at a project's root.
const SettingsFile = "strata.yaml"

// FindProject returns the directory holding strata.yaml: dir itself if it holds
// one, else the nearest parent that does.
func FindProject(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, SettingsFile)); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s in %s or any parent directory; run `strata init` or pass --project", SettingsFile, abs)
		}
	}
}

// Load reads the project at dir: strata.yaml, then every .yaml/.yml file under
// its `models:` paths (default: models/), in lexical order. It returns the
// project and every diagnostic found; the project is usable only when the
// diagnostics hold no error.
func Load(dir string) (*Project, Diagnostics) {
	var diags Diagnostics
	abs, err := filepath.Abs(dir)
	if err != nil {
		diags.Add(ErrInvalid(Pos{File: dir}, "project", err.Error()))
		return nil, diags
	}
	p := &Project{Dir: abs, Version: 1, Timezone: "UTC", Location: time.UTC, Sources: map[string][]byte{}}
	root, ok := readYAML(p, SettingsFile, &diags)
	if !ok {
		return p, diags
	}
	d := &decoder{file: SettingsFile, src: p.Sources[SettingsFile], diags: &diags}
	d.decodeFile(root, p, true)
	if p.Engine.Type == "" {
		p.Engine.Type = "duckdb"
	}
	if p.Engine.Type == "duckdb" && p.Engine.Path == "" {
		p.Engine.Path = ".strata/warehouse.duckdb"
	}
	if len(p.Models) == 0 {
		p.Models = []string{"models/"}
	}
	for _, f := range modelFiles(p, &diags) {
		if root, ok := readYAML(p, f, &diags); ok {
			d := &decoder{file: f, src: p.Sources[f], diags: &diags}
			d.decodeFile(root, p, false)
		}
	}
	validate(p, &diags)
	diags.Sort()
	return p, diags
}

// modelFiles lists the model files named by the project's models: paths,
// relative to the project root, sorted and without duplicates.
func modelFiles(p *Project, diags *Diagnostics) []string {
	seen := map[string]bool{SettingsFile: true}
	var out []string
	for _, m := range p.Models {
		full := filepath.Join(p.Dir, m)
		info, err := os.Stat(full)
		if err != nil {
			diags.Add(ErrInvalid(Pos{File: SettingsFile}, "models", fmt.Sprintf("%s does not exist", m)))
			continue
		}
		if !info.IsDir() {
			rel, _ := filepath.Rel(p.Dir, full)
			if !seen[rel] {
				seen[rel] = true
				out = append(out, filepath.ToSlash(rel))
			}
			continue
		}
		_ = filepath.WalkDir(full, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			ext := strings.ToLower(filepath.Ext(path))
			if ext != ".yaml" && ext != ".yml" {
				return nil
			}
			rel, _ := filepath.Rel(p.Dir, path)
			rel = filepath.ToSlash(rel)
			if !seen[rel] {
				seen[rel] = true
				out = append(out, rel)
			}
			return nil
		})
	}
	sort.Strings(out)
	return out
}

// readYAML reads and parses one file; a file may hold one document.
func readYAML(p *Project, rel string, diags *Diagnostics) (ast.Node, bool) {
	src, err := os.ReadFile(filepath.Join(p.Dir, rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && rel == SettingsFile {
			diags.Add(ErrInvalid(Pos{File: rel}, SettingsFile, fmt.Sprintf("not found in %s; a project needs one (try `strata init`)", p.Dir)))
		} else {
			diags.Add(ErrInvalid(Pos{File: rel}, rel, err.Error()))
		}
		return nil, false
	}
	p.Sources[rel] = src
	// Duplicate keys are left to the decoder, which names what is duplicated
	// (a column, a key of a table…) and goes on checking the rest of the file.
	f, err := parser.ParseBytes(src, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		pos := Pos{File: rel, Line: 1, Col: 1}
		msg := err.Error()
		var se *yaml.SyntaxError
		if errors.As(err, &se) {
			msg = se.Message
			if se.Token != nil && se.Token.Position != nil {
				pos.Line, pos.Col = se.Token.Position.Line, se.Token.Position.Column
			}
		}
		diags.Add(ErrYAMLSyntax(pos, msg))
		return nil, false
	}
	var docs []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc.Body)
		}
	}
	switch len(docs) {
	case 0:
		return &ast.NullNode{}, true
	case 1:
		return docs[0], true
	default:
		diags.Add(ErrInvalid(Pos{File: rel, Line: docs[1].GetToken().Position.Line, Col: 1}, rel, "a model file holds one YAML document; split the others into files of their own"))
		return docs[0], true
	}
}
