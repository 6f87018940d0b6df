package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed dist
var dist embed.FS

// Files is the built bundle: index.html, assets/ and SOURCE_HASH.
func Files() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded at compile time
	}
	return sub
}

// BuildHash is the source hash the committed bundle was built from.
func BuildHash() string {
	b, err := fs.ReadFile(Files(), "SOURCE_HASH")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Handler serves the page at / and its assets under /assets/. The bundle's
// names do not change between builds, so caches revalidate by ETag (the
// source hash) rather than keep a stale page.
func Handler() http.Handler {
	files := http.FileServer(http.FS(Files()))
	etag := `"` + BuildHash() + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/SOURCE_HASH" {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		h.Set("X-Content-Type-Options", "nosniff")
		if match := r.Header.Get("If-None-Match"); match == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// SourceFiles are the inputs of the bundle, relative to the web directory:
// everything under src/, the page's HTML, the build script and the npm
// manifest and lockfile. build.mjs hashes the same list the same way.
func SourceFiles(webDir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(filepath.Join(webDir, "src"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(webDir, path)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	out = append(out, "build.mjs", "package.json", "package-lock.json")
	sort.Strings(out)
	return out, nil
}

// SourceHash hashes the bundle's inputs: sha256 over, for each file in sorted
// order, its path, a newline, the hex sha256 of its bytes and a newline.
func SourceHash(webDir string) (string, error) {
	files, err := SourceFiles(webDir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(webDir, filepath.FromSlash(f)))
		if err != nil {
			return "", fmt.Errorf("hash the page's sources: %w", err)
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(h, "%s\n%s\n", f, hex.EncodeToString(sum[:]))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
