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
	paths, err := filepath.Glob(pattern)
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
