package cli

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// skeleton is the project `strata init` writes: settings, one model file and
// a few rows of sample data, so that validate, describe and query work at once.
//
//go:embed all:skeleton
var skeleton embed.FS

func init() {
	extraCommands = append(extraCommands, (*env).initCmd)
}

func (e *env) initCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Write a minimal, commented project into DIR (default: the current directory)",
		Long: `Write a minimal project: strata.yaml, models/shop.yaml (two tables, a
relationship, three metrics and a rollup, each commented) and sample data
under data/. Nothing is overwritten: if any of these files exists, init
writes nothing and says which.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			files, err := e.initProject(dir)
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintln(e.stdout, "wrote", filepath.ToSlash(filepath.Join(dir, f)))
			}
			fmt.Fprintf(e.stdout, "next: strata validate --project %s\n", dir)
			return nil
		},
	}
}

// initProject writes the skeleton into dir and returns the files written,
// relative to dir. It checks every target before writing the first.
func (e *env) initProject(dir string) ([]string, error) {
	var files []string
	err := fs.WalkDir(skeleton, "skeleton", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, strings.TrimPrefix(path, "skeleton/"))
		}
		return err
	})
	if err != nil {
		return nil, fail("%v", err)
	}
	for _, f := range files {
		if _, err := os.Lstat(filepath.Join(dir, f)); err == nil {
			return nil, fail("%s already exists in %s; init never overwrites (choose an empty directory: strata init DIR)", f, dir)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fail("%v", err)
	}
	name := projectName(filepath.Base(abs))
	for _, f := range files {
		b, err := skeleton.ReadFile("skeleton/" + f)
		if err != nil {
			return nil, fail("%v", err)
		}
		if f == "strata.yaml" {
			b = []byte(strings.ReplaceAll(string(b), "{{NAME}}", name))
		}
		full := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, fail("%v", err)
		}
		// O_EXCL: a file created since the check above is still not overwritten.
		fh, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, fail("%v", err)
		}
		_, werr := fh.Write(b)
		if cerr := fh.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fail("write %s: %v", full, werr)
		}
	}
	return files, nil
}

// projectName turns a directory name into a project name: letters, digits
// and _ only, not starting with a digit.
func projectName(base string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r == '_', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
		case b.Len() > 0:
			b.WriteByte('_')
		}
	}
	if s := strings.Trim(b.String(), "_"); s != "" {
		return s
	}
	return "my_project"
}
