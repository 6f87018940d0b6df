package model

import (
	"errors"
	"fmt"
	"io"
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
	decode(p, SettingsFile, root, &diags, true)
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
			decode(p, f, root, &diags, false)
		}
	}
	validate(p, &diags)
	diags.Sort()
	return p, diags
}

// decode reads one parsed file into the project. A file that spends its alias
// budget is dropped whole — its definitions and its other diagnostics — and
// reported by that one error: what was read of it is arbitrary.
func decode(p *Project, rel string, root ast.Node, diags *Diagnostics, isSettings bool) {
	before := *p
	nd := len(*diags)
	d := &decoder{file: rel, src: p.Sources[rel], diags: diags}
	d.decodeFile(root, p, isSettings)
	if d.stopped {
		budget := (*diags)[len(*diags)-1]
		*diags = append((*diags)[:nd], budget)
		p.Tables, p.Relationships, p.Dimensions = before.Tables, before.Relationships, before.Dimensions
		p.Metrics, p.Rollups, p.Tags = before.Metrics, before.Rollups, before.Tags
	}
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
	src, err := readLimited(filepath.Join(p.Dir, rel))
	if err != nil {
		var big *tooBig
		switch {
		case errors.As(err, &big):
			diags.Add(sizeError(rel, big.size))
		case errors.Is(err, fs.ErrNotExist) && rel == SettingsFile:
			diags.Add(ErrInvalid(Pos{File: rel}, SettingsFile, fmt.Sprintf("not found in %s; a project needs one (try `strata init`)", p.Dir)))
		default:
			diags.Add(ErrInvalid(Pos{File: rel}, rel, ioReason(err)))
		}
		return nil, false
	}
	src = stripBOM(src)
	p.Sources[rel] = src
	if d := checkDepth(rel, src); d != nil {
		diags.Add(d)
		return nil, false
	}
	// Duplicate keys are left to the decoder, which names what is duplicated
	// (a column, a key of a table…) and goes on checking the rest of the file.
	f, err := parseYAML(src)
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

// tooBig is the error of a file over MaxFileBytes.
type tooBig struct{ size int64 }

func (e *tooBig) Error() string { return "file too large" }

// readLimited reads a file of at most MaxFileBytes; a larger one is not read.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > MaxFileBytes {
		return nil, &tooBig{size: info.Size()}
	}
	// The size may change between Stat and read (or not be known, for a pipe).
	src, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxFileBytes {
		return nil, &tooBig{size: int64(len(src))}
	}
	return src, nil
}

// ioReason words a read error without the absolute path the os error carries:
// the diagnostic's position already names the file, relative to the project.
func ioReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrPermission) {
			return "cannot be read: permission denied"
		}
		return "cannot be read: " + pe.Err.Error()
	}
	return "cannot be read: " + err.Error()
}

// parseYAML runs the YAML parser, turning a panic of the parser on some odd
// input into a syntax error: a model file must never take the process down.
func parseYAML(src []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser could not read this file (%v)", r)
		}
	}()
	return parser.ParseBytes(src, 0, parser.AllowDuplicateMapKey())
}
