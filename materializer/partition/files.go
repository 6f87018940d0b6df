package partition

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// File is one source file's fingerprint.
type File struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
	// Min and Max bound the time column's values in the file, as local
	// wall times in the project's time zone; valid when HasRange.
	Min      time.Time `json:"min,omitzero"`
	Max      time.Time `json:"max,omitzero"`
	HasRange bool      `json:"has_range,omitempty"`
	Rows     int64     `json:"rows"`
	// Nulls counts the rows whose time is NULL; NullsKnown says the
	// statistics recorded it (unknown counts as possibly some).
	Nulls      int64 `json:"nulls,omitempty"`
	NullsKnown bool  `json:"nulls_known,omitempty"`
}

// Same reports whether two fingerprints describe the same bytes.
func (f File) Same(g File) bool {
	return f.Path == g.Path && f.Size == g.Size && f.ModTime.Equal(g.ModTime)
}

// Undated reports whether the file holds no row with a time: no rows, or
// every time NULL. It reaches no dated partition.
func (f File) Undated() bool {
	return f.Rows == 0 || (f.NullsKnown && f.Rows == f.Nulls)
}

// IsPattern reports whether a source names several files: a glob, or a
// directory (written with a trailing slash) of hive-style partitions.
func IsPattern(source string) bool {
	return strings.ContainsAny(source, "*?[") || strings.HasSuffix(source, "/")
}

// Glob is the file pattern a source reads: the source itself for a file or
// a glob, and every parquet file below the matched directories for a
// directory source (data/transactions/dt=*/ reads dt=*/*.parquet).
func Glob(source string) string {
	if strings.HasSuffix(source, "/") {
		return source + "*.parquet"
	}
	return source
}

// Hive reports whether the source is a directory of key=value partitions.
func Hive(source string) bool {
	return strings.HasSuffix(source, "/") && strings.Contains(source, "=")
}

// List stats the files a source reads, sorted by path; dir resolves
// relative sources. A pattern matching no file is not an error: a lake
// directory may be empty before the first load.
func List(dir, source string) ([]File, error) {
	pattern := Glob(source)
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(dir, pattern)
	}
	paths, err := glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("source %s: %v", source, err)
	}
	if !IsPattern(source) && len(paths) == 0 {
		return nil, fmt.Errorf("source %s: %w", source, fs.ErrNotExist)
	}
	out := make([]File, 0, len(paths))
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			// Removed between the glob and the stat: it is gone.
			continue
		}
		if st.IsDir() {
			continue
		}
		out = append(out, File{Path: p, Size: st.Size(), ModTime: st.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// glob expands a pattern as DuckDB's read_parquet does, which is what reads
// it: filepath.Glob's syntax, plus a "**" path segment, which matches any
// number of directories, none included, once in a pattern (data/txn/**/*.parquet reads
// data/txn/a.parquet and data/txn/y=2025/m=01/b.parquet alike). Symbolic
// links to directories are not followed, as DuckDB does not follow them.
func glob(pattern string) ([]string, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, err
	}
	segs := strings.Split(filepath.ToSlash(pattern), "/")
	switch n := strings.Count(pattern, "**"); {
	case n == 0:
		return filepath.Glob(pattern)
	case n > 1:
		return nil, fmt.Errorf("a pattern may hold one %q (DuckDB reads no more); write e.g. data/txn/**/*.parquet", "**")
	}
	// Walk from the longest leading run of literal segments.
	i := 0
	for i < len(segs) && !strings.ContainsAny(segs[i], "*?[\\") {
		i++
	}
	root := filepath.FromSlash(strings.Join(segs[:i], "/"))
	if i == 0 {
		root = "."
	} else if root == "" {
		root = "/"
	}
	rest := segs[i:]
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return fs.SkipAll // no such directory: no match
			}
			return nil
		}
		if d.IsDir() || path == root {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return nil
		}
		if matchSegments(rest, strings.Split(filepath.ToSlash(rel), "/")) {
			out = append(out, path)
		}
		return nil
	})
	return out, err
}

// matchSegments matches path segments against pattern segments, a "**"
// pattern segment standing for zero or more path segments.
func matchSegments(pat, path []string) bool {
	if len(pat) == 0 {
		return len(path) == 0
	}
	if pat[0] == "**" {
		for k := 0; k <= len(path); k++ {
			if matchSegments(pat[1:], path[k:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 {
		return false
	}
	ok, _ := filepath.Match(pat[0], path[0])
	return ok && matchSegments(pat[1:], path[1:])
}

// Carry copies the time ranges of unchanged files from a previous listing,
// so that only new or rewritten files need their statistics read. It
// returns the files still lacking a range.
func Carry(files []File, previous []File) []int {
	prev := make(map[string]File, len(previous))
	for _, f := range previous {
		prev[f.Path] = f
	}
	var need []int
	for i := range files {
		if p, ok := prev[files[i].Path]; ok && p.Same(files[i]) {
			files[i] = p
			continue
		}
		need = append(need, i)
	}
	return need
}

// Newest is the latest modification time among the files.
func Newest(files []File) time.Time {
	var t time.Time
	for _, f := range files {
		if f.ModTime.After(t) {
			t = f.ModTime
		}
	}
	return t
}
