package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/web"
)

// TestBundleIsCurrent fails when the committed bundle was built from other
// sources than those in web/: run `make web` and commit web/dist.
func TestBundleIsCurrent(t *testing.T) {
	want, err := web.SourceHash(".")
	if err != nil {
		t.Fatal(err)
	}
	if got := web.BuildHash(); got != want {
		files, _ := web.SourceFiles(".")
		t.Fatalf("web/dist was built from other sources (bundle %.12s, sources %.12s over %d files): run `make web` and commit web/dist", got, want, len(files))
	}
}

func TestHandlerServesPageAndAssets(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	for path, want := range map[string]string{"/": "text/html", "/assets/app.js": "javascript", "/assets/app.css": "text/css"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), want) || len(b) == 0 {
			t.Errorf("GET %s: %d %q, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
		}
		if path == "/" && !strings.Contains(string(b), `src="assets/app.js"`) {
			t.Errorf("the page does not load its bundle:\n%s", b)
		}
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", path, resp.StatusCode)
		}
	}
	resp, err := http.Get(srv.URL + "/SOURCE_HASH")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /SOURCE_HASH: %d, want 404", resp.StatusCode)
	}
}
