package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/strata-metrics/strata/internal/banktest"
)

const (
	byQuery    = `{"metrics":["txn_amount"],"dimensions":["customers.segment","transactions.txn_time.month"]}`
	massQuery  = `{"metrics":["txn_amount"],"dimensions":["customers.segment","transactions.txn_time.month"],"where":"customers.segment IN ('mass')"}`
	totalQuery = `{"metrics":["txn_amount"]}`
	massBox    = `#filter-editor input[data-value='"mass"']`
)

// perfEntry is one interaction as the page timed it: from the drop (or the
// key) to the rendered result, the query's round trip, and the difference.
type perfEntry struct {
	Total    float64 `json:"total"`
	Fetch    float64 `json:"fetch"`
	Overhead float64 `json:"overhead"`
}

// logPerf takes the interactions the page timed since the last call, logs
// them and adds their page share (drop to rendered, less the query's round
// trip) to all.
func logPerf(t *testing.T, b *browser, what string, all *[]float64) {
	t.Helper()
	for i, p := range eval[[]perfEntry](b, `strataPerf.interactions.splice(0)`) {
		t.Logf("perf %s #%d: drop to rendered %.1f ms = query round trip %.1f ms + page %.1f ms", what, i+1, p.Total, p.Fetch, p.Overhead)
		*all = append(*all, p.Overhead)
	}
}

func median(xs []float64) (med, lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2], s[0], s[len(s)-1]
}

// TestExplorer drives the page in headless Chromium against a real server on
// the example bank: "txn_amount by customers.segment by month" built by drag
// and drop and again by keyboard only, the numbers checked against
// /v1/query's, a chart, a filter from the values list, reload and
// back/forward, the SQL panel, a positioned error, axe-core on each view.
// Screenshots go to $STRATA_ARTIFACTS (or a temporary directory, logged);
// `go test ./web -run TestExplorer -update` rewrites docs/explorer.png.
func TestExplorer(t *testing.T) {
	chromium(t)
	base, tokenBase := serveBank(t)
	b := newBrowser(t, base)

	var overheads []float64
	b.open("/")
	first := eval[float64](b, `strataPerf.firstRender`)
	t.Logf("first render of the empty page: %.0f ms after navigation start (script running at %.0f ms, catalog fetched in %.0f ms)", first,
		eval[float64](b, `strataPerf.catalog.start`), eval[float64](b, `strataPerf.catalog.ms`))
	b.waitFor("the fields panel", `document.querySelectorAll('#catalog button.item').length > 40`)
	b.axe("empty")

	// Drag and drop.
	b.drag("txn_amount", "values")
	b.drag("customers.segment", "rows")
	b.drag("transactions.txn_time", "cols")
	want := apiCells(t, base, byQuery, 2)
	dragged := b.pageCells()
	sameCells(t, "drag and drop", dragged, want)
	checkTotal(t, b, base)
	_, _, servedBy := apiQuery(t, base, byQuery)
	if got := eval[string](b, `document.getElementById('badge')?.dataset.servedBy || ''`); got != servedBy {
		t.Errorf("badge says served by %q, /v1/query by %q", got, servedBy)
	}
	badge := eval[string](b, `document.getElementById('badge').textContent`)
	if !strings.Contains(badge, "ms") || !strings.Contains(badge, "data as of") {
		t.Errorf("badge lacks time or freshness: %q", badge)
	}
	why := eval[string](b, `(() => { const f = document.querySelector('#catalog button.item[data-name="app_events.device"]'); return f && f.getAttribute('aria-disabled') === 'true' ? f.querySelector('.why').textContent : ''; })()`)
	if !strings.Contains(why, "transactions") || !strings.Contains(why, "app_events") {
		t.Errorf("app_events.device should be unavailable beside txn_amount, with the reason; reads %q", why)
	}
	dragURL := eval[string](b, `location.search`)
	logPerf(t, b, "drag and drop", &overheads)
	b.axe("table")
	b.screenshot("explorer-table")

	// The same view by keyboard only, from an empty page.
	b.open("/")
	for _, k := range []struct{ search, menu string }{
		{"txn_amount", ""},                      // Add to values
		{"customers.segment", ""},               // Add to rows
		{"transactions.txn_time", kb.ArrowDown}, // Add to columns
	} {
		prev := b.ready()
		b.keys("/")
		b.keys(k.search)
		b.keys(kb.ArrowDown) // the first match
		b.keys(kb.Enter)     // its menu
		b.waitFor("the menu", `!document.getElementById('menu').hidden`)
		if k.menu != "" {
			b.keys(k.menu)
		}
		b.keys(kb.Enter)
		b.waitFor("the keyboard's query", fmt.Sprintf(`(document.body.dataset.ready || '') !== %q && !document.getElementById('status').textContent.startsWith('Running')`, prev))
	}
	sameCells(t, "keyboard", b.pageCells(), want)
	logPerf(t, b, "keyboard", &overheads)
	if got := eval[string](b, `location.search`); got != dragURL {
		t.Errorf("keyboard and drag and drop built different views:\n%s\n%s", got, dragURL)
	}

	// A chart.
	b.step("the chart", chromedp.Click(chromedp.CSS(`#view-chart`)))
	segments := distinct(t, base, byQuery, 0)
	months := distinct(t, base, byQuery, 1)
	chartIs(t, b, "line", segments, months)
	b.axe("chart")
	b.keys("/")
	b.keys(kb.Backspace) // clear the search: the whole panel in the picture
	b.waitFor("the whole panel", `document.querySelectorAll('#catalog button.item').length > 40`)
	if png := b.screenshot("explorer-chart"); *update {
		root, err := banktest.RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "docs", "explorer.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A filter from the values list, with counts: search (the focus is in
	// the search box), then drag.
	b.keys("customers.segment")
	b.drag("customers.segment", "filters")
	b.waitFor("the values list", fmt.Sprintf(`!!document.querySelector(%q)`, massBox))
	counts := apiCells(t, base, `{"metrics":["txn_count"],"dimensions":["customers.segment"]}`, 1)
	shown := eval[string](b, fmt.Sprintf(`document.querySelector(%q).parentElement.querySelector('.count').textContent`, massBox))
	if strings.ReplaceAll(shown, ",", "") != counts["mass|txn_count"] {
		t.Errorf("values list counts %q transactions for mass, /v1/query %q", shown, counts["mass|txn_count"])
	}
	b.axe("filter editor")
	b.do(chromedp.Click(chromedp.CSS(massBox)))
	b.step("the filtered chart", chromedp.Click(chromedp.CSS(`#filter-apply`)))
	chartIs(t, b, "line", 1, distinct(t, base, massQuery, 1))
	filtered := eval[string](b, `location.href`)
	logPerf(t, b, "chart and filter", &overheads)

	// Reload: the same view.
	b.open(strings.TrimPrefix(filtered, base))
	chartIs(t, b, "line", 1, distinct(t, base, massQuery, 1))
	if chip := eval[string](b, `document.querySelector('.drop[data-drop=filters] .chip')?.textContent || ''`); !strings.Contains(chip, "mass") {
		t.Errorf("after reload the filter chip reads %q", chip)
	}
	reloadFirst := eval[float64](b, `strataPerf.firstRender`)
	t.Logf("first render of the filtered chart from its URL: %.0f ms after navigation start", reloadFirst)

	// Back and forward through the history.
	b.step("back", chromedp.NavigateBack())
	chartIs(t, b, "line", segments, months)
	b.step("forward", chromedp.NavigateForward())
	chartIs(t, b, "line", 1, distinct(t, base, massQuery, 1))
	b.step("the filtered table", chromedp.Click(chromedp.CSS(`#view-table`)))
	sameCells(t, "filtered", b.pageCells(), apiCells(t, base, massQuery, 2))

	// The SQL and the rollups' verdicts.
	b.do(chromedp.Click(chromedp.CSS(`#show-sql`)))
	b.waitFor("the SQL panel", `(document.getElementById('sql-text')?.textContent || '').includes('SELECT')`)
	if n := eval[int](b, `document.querySelectorAll('#sql-panel .verdicts li').length`); n != 4 {
		t.Errorf("the SQL panel lists %d rollup verdicts, want the bank's 4", n)
	}
	b.axe("SQL panel")
	b.screenshot("explorer-sql")

	// An error from the API, shown with its position.
	bad := `{"values":["txn_amount"],"rows":[{"f":"customers.segment"}],"cols":[],"filters":[{"f":"customers.segmnt","kind":"in","values":["mass"]}],"view":"table"}`
	b.open("/?q=" + url.QueryEscape(bad))
	b.waitFor("the error", `!document.getElementById('error').hidden`)
	msg := eval[string](b, `document.getElementById('error').textContent`)
	caret := eval[string](b, `document.querySelector('#error pre.caret')?.textContent || ''`)
	if !strings.Contains(msg, "segmnt") || !strings.Contains(msg, "in where") || !strings.Contains(caret, "^") {
		t.Errorf("the error is not shown with its position: %q / %q", msg, caret)
	}
	b.axe("error")
	b.screenshot("explorer-error")

	sortLimitTimeCSV(t, b, base)
	relativePeriod(t, b, base)
	audienceBuilder(t, b, base)

	// A result too long for the page: the first rows, a note, totals over all.
	b.open("/?q=" + url.QueryEscape(`{"values":["txn_amount"],"rows":[{"f":"transactions.txn_id"}]}`))
	if n := eval[int](b, `document.querySelectorAll('table.pivot tbody tr').length`); n != 2000 {
		t.Errorf("a 4,000-row result shows %d rows, want the first 2,000", n)
	}
	if note := eval[string](b, `document.querySelector('#result [role=note]')?.textContent || ''`); !strings.Contains(note, "2,000 of 4,000") {
		t.Errorf("the long result's note reads %q", note)
	}
	got := eval[string](b, `document.querySelector('tfoot td[data-metric]')?.dataset.value || ''`)
	if _, rows, _ := apiQuery(t, base, totalQuery); !sameNumber(got, fmt.Sprint(rows[0][0])) {
		t.Errorf("the long result's total is %q, /v1/query's %v", got, rows[0][0])
	}

	// A server that wants a token: the page asks for it, then works.
	b.do(chromedp.Navigate(tokenBase + "/"))
	b.waitFor("the token prompt", `!!document.getElementById('token')`)
	b.do(chromedp.SendKeys(chromedp.CSS(`#token`), "s3cret"), chromedp.Click(chromedp.CSS(`#error button`)))
	b.waitFor("the catalog with the token", `document.querySelectorAll('#catalog button.item').length > 40`)

	// First render of the full view from its URL (catalog, query, table),
	// a few times; the page's clock starts at navigation.
	var firsts, own []float64
	for range 5 {
		b.open(dragURL)
		firsts = append(firsts, eval[float64](b, `strataPerf.firstRender`))
		own = append(own, eval[float64](b, `strataPerf.firstRender - strataPerf.start`))
	}
	m, lo, hi := median(firsts)
	t.Logf("perf: first render of txn_amount by segment by month from its URL: median %.0f ms (%.0f–%.0f) after navigation start over %d loads", m, lo, hi, len(firsts))
	m, lo, hi = median(own)
	t.Logf("perf: of which from the script's start (catalog, query, table): median %.0f ms (%.0f–%.0f)", m, lo, hi)
	m, lo, hi = median(overheads)
	t.Logf("perf: drop to rendered result less the query's round trip: median %.1f ms (%.1f–%.1f) over %d interactions", m, lo, hi, len(overheads))
}

// sortLimitTimeCSV sorts and limits by keyboard, filters on a time range in
// its editor, and downloads the CSV; each checked against /v1/query.
func sortLimitTimeCSV(t *testing.T, b *browser, base string) {
	t.Helper()
	b.open("/?q=" + url.QueryEscape(`{"values":["txn_amount"],"rows":[{"f":"customers.segment"}]}`))
	b.do(chromedp.Focus(chromedp.CSS(`#sort`)))
	b.step("sort by txn_amount, descending", chromedp.KeyEvent(kb.ArrowDown))
	b.do(chromedp.Focus(chromedp.CSS(`#limit`)))
	b.step("limit 3", chromedp.KeyEvent("3"+kb.Enter))
	sorted := `{"metrics":["txn_amount"],"dimensions":["customers.segment"],"order":["-txn_amount"],"limit":3}`
	_, rows, _ := apiQuery(t, base, sorted)
	var want []string
	for _, r := range rows {
		want = append(want, cellText(r[0]))
	}
	if got := eval[[]string](b, `[...document.querySelectorAll('table.pivot tbody th')].map(th => th.textContent)`); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sorted and limited rows are %v on the page, %v from /v1/query", got, want)
	}
	sameCells(t, "sorted", b.pageCells(), apiCells(t, base, sorted, 1))

	b.do(chromedp.Click(chromedp.CSS(`#search`))) // "/" would type into the limit box
	b.keys("txn_time")
	b.drag("transactions.txn_time", "filters")
	b.waitFor("the time editor", `!!document.getElementById('filter-from')`)
	b.do(chromedp.SetValue(chromedp.CSS(`#filter-from`), "2025-01-01"), chromedp.SetValue(chromedp.CSS(`#filter-to`), "2025-03-31"))
	b.step("the time range", chromedp.Click(chromedp.CSS(`#filter-apply`)))
	ranged := `{"metrics":["txn_amount"],"dimensions":["customers.segment"],"where":"transactions.txn_time >= '2025-01-01' AND transactions.txn_time < '2025-04-01'","order":["-txn_amount"],"limit":3}`
	sameCells(t, "time range", b.pageCells(), apiCells(t, base, ranged, 1))

	b.step("a bar chart", chromedp.Click(chromedp.CSS(`#view-chart`)))
	chartIs(t, b, "bar", 1, distinct(t, base, ranged, 0))
	b.step("back to the table", chromedp.Click(chromedp.CSS(`#view-table`)))

	// A comparison on the metric itself is a having.
	b.keys("/") // the focus is on the view button: "/" selects the search text
	b.keys("txn_amount")
	b.drag("txn_amount", "filters")
	b.waitFor("the comparison editor", `!!document.getElementById('filter-value')`)
	b.do(chromedp.SetValue(chromedp.CSS(`#filter-value`), "30000"))
	b.step("the having", chromedp.Click(chromedp.CSS(`#filter-apply`)))
	ranged = strings.Replace(ranged, `,"order"`, `,"having":"txn_amount > 30000","order"`, 1)
	sameCells(t, "having", b.pageCells(), apiCells(t, base, ranged, 1))

	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Click(chromedp.CSS(`#csv`)))
	path := filepath.Join(dir, "txn_amount.csv")
	var got []byte
	for i := 0; i < 100 && len(got) == 0; i++ {
		time.Sleep(100 * time.Millisecond)
		got, _ = os.ReadFile(path)
	}
	req, _ := http.NewRequest("POST", base+"/v1/query", strings.NewReader(ranged))
	req.Header.Set("Accept", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	wantCSV, _ := io.ReadAll(resp.Body)
	if len(got) == 0 || string(got) != string(wantCSV) {
		t.Errorf("the downloaded CSV:\n%s\n/v1/query's:\n%s", got, wantCSV)
	}
}

// relativePeriod filters on "the last 2 years", the current one included,
// and checks the answer against the dates it means today.
func relativePeriod(t *testing.T, b *browser, base string) {
	t.Helper()
	b.open("/?q=" + url.QueryEscape(`{"values":["txn_amount"],"rows":[{"f":"customers.segment"}]}`))
	b.keys("/")
	b.keys("txn_time")
	b.drag("transactions.txn_time", "filters")
	b.waitFor("the time editor", `!!document.getElementById('tmode-rel')`)
	b.do(chromedp.Click(chromedp.CSS(`#tmode-rel`)), chromedp.SetValue(chromedp.CSS(`#filter-n`), "2"), chromedp.SetValue(chromedp.CSS(`#filter-unit`), "year"))
	b.step("the last 2 years", chromedp.Click(chromedp.CSS(`#filter-apply`)))
	y := time.Now().Year()
	q := fmt.Sprintf(`{"metrics":["txn_amount"],"dimensions":["customers.segment"],"where":"transactions.txn_time >= '%d-01-01' AND transactions.txn_time < '%d-01-01'"}`, y-1, y+1)
	want := apiCells(t, base, q, 1)
	if len(want) == 0 {
		t.Logf("no data in %d–%d: the relative period is checked for an empty answer", y-1, y)
		if n := eval[int](b, `document.querySelectorAll('table.pivot td[data-metric]').length`); n != 0 {
			t.Errorf("the page shows %d cells for a period without data", n)
		}
		return
	}
	sameCells(t, "relative period", b.pageCells(), want)
}

// audienceBuilder drags one tag into the audience and adds another by
// keyboard, negated, with a value; the live size must be the API's.
func audienceBuilder(t *testing.T, b *browser, base string) {
	t.Helper()
	b.open("/")
	b.keys("/")
	b.keys("high_value")
	b.step("drop high_value on the audience", chromedp.DragAndDrop(chromedp.CSS(`#catalog button.item[data-name="high_value"]`), chromedp.CSS(`.drop[data-drop="audience"]`)))
	b.waitFor("the audience's size", `!!document.getElementById('audience-size')?.dataset.size`)
	b.keys("/")
	b.keys("segment")
	b.keys(kb.ArrowDown)
	b.keys(kb.End) // the tag: tags come last
	b.keys(kb.Enter)
	b.waitFor("the tag's menu", `!document.getElementById('menu').hidden`)
	b.keys(kb.ArrowDown + kb.ArrowDown + kb.Enter) // with NOT
	b.waitFor("the value box", `document.activeElement?.id === 'term-value-1'`)
	b.keys("staff")
	b.keys("\t")
	const expr = "high_value AND NOT segment = 'staff'"
	b.waitFor("the audience expression", fmt.Sprintf(`document.getElementById('audience-expr')?.textContent === %q`, expr))
	resp, err := http.Post(base+"/v1/audiences", "application/json", strings.NewReader(fmt.Sprintf(`{"expr": %q}`, expr)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var want struct{ Size int }
	if err := json.NewDecoder(resp.Body).Decode(&want); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/v1/audiences: %d %v", resp.StatusCode, err)
	}
	b.waitFor("the live size", fmt.Sprintf(`document.getElementById('audience-size')?.dataset.size === '%d'`, want.Size))
	b.axe("audience")
	b.screenshot("explorer-audience")
	b.open(strings.TrimPrefix(eval[string](b, `location.href`), base))
	b.waitFor("the audience after reload", fmt.Sprintf(`document.getElementById('audience-expr')?.textContent === %q && document.getElementById('audience-size')?.dataset.size === '%d'`, expr, want.Size))
}

func cellText(v any) string {
	if v == nil {
		return "∅"
	}
	return fmt.Sprint(v)
}

// checkTotal compares the table's grand total with the API's answer without
// dimensions: txn_amount is additive, so the totals must be exact.
func checkTotal(t *testing.T, b *browser, base string) {
	t.Helper()
	got := eval[string](b, `document.querySelector('td[data-row=total][data-col=total]')?.dataset.value || ''`)
	_, rows, _ := apiQuery(t, base, totalQuery)
	if want := fmt.Sprint(rows[0][0]); !sameNumber(got, want) {
		t.Errorf("the table's grand total is %q, /v1/query's %q", got, want)
	}
}

func distinct(t *testing.T, base, body string, col int) int {
	t.Helper()
	_, rows, _ := apiQuery(t, base, body)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[fmt.Sprint(r[col])] = true
	}
	return len(seen)
}

func chartIs(t *testing.T, b *browser, kind string, series, points int) {
	t.Helper()
	got := eval[map[string]string](b, `(() => { const c = document.querySelector('#result .chart'); return c ? {kind: c.dataset.kind, series: c.dataset.series, points: c.dataset.points, svg: String(!!c.querySelector('svg path'))} : {}; })()`)
	if got["kind"] != kind || got["series"] != fmt.Sprint(series) || got["points"] != fmt.Sprint(points) || got["svg"] != "true" {
		t.Errorf("chart is %v, want a drawn %s chart of %d series over %d points", got, kind, series, points)
	}
}
