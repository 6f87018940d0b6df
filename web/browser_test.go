package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

var update = flag.Bool("update", false, "rewrite docs/explorer.png from the end-to-end test")

// chromium finds the browser: $STRATA_CHROME, else chromium (Debian's
// package) or Chrome on PATH. Without one the test skips, except under CI
// where it fails: CI installs chromium (.ci/run).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("STRATA_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const how = "no Chromium: install it (apt-get install -y chromium) or set STRATA_CHROME to a Chrome binary"
	if os.Getenv("CI") == "true" {
		t.Fatal(how)
	}
	t.Skip(how)
	return ""
}

// artifacts is where screenshots go: $STRATA_ARTIFACTS, else a directory
// kept only for the test's run.
func artifacts(t *testing.T) string {
	dir := os.Getenv("STRATA_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serveBank serves the DataAPI and the page over the example bank with small
// generated data and its rollups built, on a real listener on 127.0.0.1; and
// again on a second listener that wants the bearer token "s3cret" on /v1.
func serveBank(t *testing.T) (base, tokenBase string) {
	t.Helper()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 4000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Materializer().RefreshTags(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(w, api.Options{}))
	t.Cleanup(srv.Close)
	tok := httptest.NewServer(api.New(w, api.Options{Token: "s3cret"}))
	t.Cleanup(tok.Close)
	return srv.URL, tok.URL
}

// browser is one headless Chromium tab on the page.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

func newBrowser(t *testing.T, base string) *browser {
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, base: base, dir: artifacts(t)}
	// The first actions on the tab's own context start the browser; later
	// batches run on contexts derived from it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000)); err != nil {
		t.Fatal(err)
	}
	return b
}

// do runs actions, each batch bounded so that a stuck step fails with its
// screenshot rather than at the test's deadline.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.screenshot("failed")
		b.t.Fatal(err)
	}
}

func eval[T any](b *browser, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition in the page.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		errText := eval[string](b, `document.getElementById('error')?.textContent || ''`)
		b.t.Fatalf("waiting for %s: %v (page error: %q)", what, err, errText)
	}
}

func (b *browser) ready() string { return eval[string](b, `document.body.dataset.ready || ''`) }

// step runs an action and waits until the page has run its query and
// rendered the answer.
func (b *browser) step(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	prev := b.ready()
	b.do(steps...)
	b.waitFor(what, fmt.Sprintf(`(document.body.dataset.ready || '') !== %q && !document.getElementById('status').textContent.startsWith('Running')`, prev))
}

// open loads a page and waits for its first render.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
	b.waitFor("the first render", `window.strataPerf && window.strataPerf.firstRender !== null && !!document.body.dataset.ready`)
}

func (b *browser) screenshot(name string) []byte {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
	return png
}

func (b *browser) drag(name, shelf string) {
	b.t.Helper()
	b.step("drop "+name+" on "+shelf, chromedp.DragAndDrop(
		chromedp.CSS(fmt.Sprintf(`#catalog button.item[data-name=%q]`, name)),
		chromedp.CSS(fmt.Sprintf(`.drop[data-drop=%q]`, shelf))))
}

// keys sends key presses to whatever has the focus, as a keyboard would.
func (b *browser) keys(k string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(k))
}

// axe runs axe-core (committed under testdata, so tests need no npm) on the
// page and fails on serious or critical violations.
func (b *browser) axe(view string) {
	b.t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "axe.min.js"))
	if err != nil {
		b.t.Fatal(err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](string(src)+";true")); err != nil {
		b.t.Fatal(err)
	}
	bad := eval[[]string](b, `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))`)
	for _, v := range bad {
		b.t.Errorf("axe, %s view: %s", view, v)
	}
}

// pageCells reads the pivot table's value cells (totals apart): row tuple,
// column tuple and metric to the value's exact text.
func (b *browser) pageCells() map[string]string {
	b.t.Helper()
	cells := eval[[][]string](b, `[...document.querySelectorAll('table.pivot td[data-row][data-metric]')]
		.filter(td => td.dataset.row !== 'total' && td.dataset.col !== 'total' && td.dataset.value !== '')
		.map(td => [JSON.parse(td.dataset.row).concat(JSON.parse(td.dataset.col)).join('|'), td.dataset.metric, td.dataset.value])`)
	out := map[string]string{}
	for _, c := range cells {
		out[c[0]+"|"+c[1]] = c[2]
	}
	return out
}

// apiQuery asks /v1/query directly, keeping numbers as their JSON text.
func apiQuery(t *testing.T, base, body string) (cols []string, rows [][]any, servedBy string) {
	t.Helper()
	resp, err := http.Post(base+"/v1/query", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/v1/query %s: %d %s", body, resp.StatusCode, b)
	}
	var r struct {
		Columns []struct{ Name string }
		Rows    [][]any
		Meta    struct {
			ServedBy string `json:"served_by"`
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Columns {
		cols = append(cols, c.Name)
	}
	return cols, r.Rows, r.Meta.ServedBy
}

// apiCells keys an API answer as pageCells does: dimension values (NULL as
// ∅) joined by |, then the metric.
func apiCells(t *testing.T, base, body string, dims int) map[string]string {
	t.Helper()
	cols, rows, _ := apiQuery(t, base, body)
	out := map[string]string{}
	for _, row := range rows {
		var key []string
		for _, v := range row[:dims] {
			if v == nil {
				key = append(key, "∅")
			} else {
				key = append(key, fmt.Sprint(v))
			}
		}
		for i := dims; i < len(row); i++ {
			if row[i] != nil {
				out[strings.Join(key, "|")+"|"+cols[i]] = fmt.Sprint(row[i])
			}
		}
	}
	return out
}

func sameCells(t *testing.T, what string, page, want map[string]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the API answered no cells", what)
	}
	for k, v := range want {
		if page[k] != v {
			t.Errorf("%s: cell %s is %q on the page, %q from /v1/query", what, k, page[k], v)
		}
	}
	for k := range page {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: the page shows cell %s that /v1/query does not answer", what, k)
		}
	}
}

// sameNumber compares decimal texts exactly, as rationals.
func sameNumber(a, b string) bool {
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}
