package api_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/materializer"
)

// The operations on the whole warehouse — GET /v1/plan, POST /v1/refresh,
// POST /v1/rollups/{name}/refresh and GET /v1/rollups (row and member counts
// over every region) — answer a scoped key 403 forbidden, saying which
// scope keeps it out; an unscoped key passes (here to a 404 for an unknown
// name, or the answer), and a request without a key is still a 401.
func TestWarehouseOperationsNeedAnUnscopedKey(t *testing.T) {
	e := scopedServer(t)
	routes := []struct{ method, path, body string }{
		{"GET", "/v1/plan", ""},
		{"GET", "/v1/rollups", ""},
		{"POST", "/v1/refresh", `{"names":["nope"]}`},
		{"POST", "/v1/rollups/nope/refresh", ""},
	}
	scopedKeys := []struct {
		token, name string
		why         []string
	}{
		{"east-token", "east_dashboard", []string{"where: branches.region = 'East'", "metrics to [txn_amount, txn_count]"}},
		{"west-token", "west_dashboard", []string{"where: branches.region = 'West'"}},
	}
	for _, r := range routes {
		for _, k := range scopedKeys {
			resp, b := e.call(t, k.token, r.method, r.path, r.body)
			var ae apiErr
			if resp.StatusCode != http.StatusForbidden || json.Unmarshal(b, &ae) != nil || ae.Error.Code != "forbidden" {
				t.Errorf("%s %s with %s: %d %s", r.method, r.path, k.name, resp.StatusCode, b)
				continue
			}
			for _, w := range append(k.why, k.name, r.path, "unscoped key") {
				if !strings.Contains(ae.Error.Message, w) {
					t.Errorf("%s %s with %s: the message does not say %q: %s", r.method, r.path, k.name, w, ae.Error.Message)
				}
			}
			if k.name == "west_dashboard" && strings.Contains(ae.Error.Message, "metrics to") {
				t.Errorf("west_dashboard limits no metrics: %s", ae.Error.Message)
			}
		}
		resp, b := e.call(t, "admin-token", r.method, r.path, r.body)
		want := http.StatusOK
		if strings.Contains(r.path, "refresh") {
			want = http.StatusNotFound // past the guard: the name is unknown
		}
		if resp.StatusCode != want {
			t.Errorf("%s %s with the unscoped admin key: %d %s", r.method, r.path, resp.StatusCode, b)
		}
		if resp, b := e.call(t, "", r.method, r.path, r.body); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s without a key: %d %s", r.method, r.path, resp.StatusCode, b)
		}
	}
	// The routes that read through the scope still answer the scoped key.
	if resp, b := e.call(t, "east-token", "POST", "/v1/query", `{"metrics":["txn_count"]}`); resp.StatusCode != 200 {
		t.Errorf("a scoped query: %d %s", resp.StatusCode, b)
	}
}

// readEvents reads a refresh's progress stream line by line as it comes.
func readEvents(t *testing.T, body string, header ...string) (<-chan api.RefreshEvent, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("POST", srvURL+"/v1/refresh", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Accept", api.MimeNDJSON)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out := make(chan api.RefreshEvent, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var ev api.RefreshEvent
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Errorf("a line of the stream is no event: %q: %v", sc.Text(), err)
				return
			}
			out <- ev
		}
	}()
	return out, resp
}

func next(t *testing.T, events <-chan api.RefreshEvent, within time.Duration) api.RefreshEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the stream ended early")
		}
		return ev
	case <-time.After(within):
		t.Fatal("no event in time")
	}
	return api.RefreshEvent{}
}

// POST /v1/refresh with Accept: application/x-ndjson streams the refresh
// as it happens: a start line with the bar's total, a line per rollup built
// in the order the report lists them, a line when another process holds a
// rollup's lease (sent while the refresh waits for it), and last the report
// the plain answer holds — or the error, with its status.
func TestRefreshStreamsItsProgress(t *testing.T) {
	lease := &materializer.EngineLease{Engine: bank.Engine, Dialect: sqlgen.DuckDB{}}
	if ok, _, _, err := lease.Acquire(t.Context(), "txn_daily", "worker:42", time.Minute); err != nil || !ok {
		t.Fatalf("taking the lease as another process: %v %v", ok, err)
	}
	events, resp := readEvents(t, `{"names":["txn_monthly_segment","txn_daily"]}`)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, api.MimeNDJSON) {
		t.Fatalf("stream answer: %d %s", resp.StatusCode, ct)
	}
	if ev := next(t, events, 30*time.Second); ev.Event != "start" || ev.Total != 2 {
		t.Fatalf("first event: %+v", ev)
	}
	// txn_daily is finer and built first; it waits for worker:42.
	ev := next(t, events, 30*time.Second)
	if ev.Event != "wait" || ev.Name != "txn_daily" || ev.Holder != "worker:42" || ev.Until == nil {
		t.Fatalf("while another process holds the lease: %+v", ev)
	}
	select {
	case ev := <-events:
		t.Fatalf("the refresh went on while the lease was held: %+v", ev)
	case <-time.After(500 * time.Millisecond):
	}
	if err := lease.Release(t.Context(), "txn_daily", "worker:42"); err != nil {
		t.Fatal(err)
	}
	var built []string
	var last api.RefreshEvent
	for {
		ev := next(t, events, 60*time.Second)
		if ev.Event != "built" {
			last = ev
			break
		}
		built = append(built, ev.Name)
	}
	if last.Event != "report" || last.Report == nil || len(last.Report.Rollups) != 2 {
		t.Fatalf("last event: %+v", last)
	}
	for i, r := range last.Report.Rollups {
		if r.Error != "" || r.Rows == 0 || i >= len(built) || built[i] != r.Name {
			t.Errorf("report line %d %+v; built events %v", i, r, built)
		}
	}
	if len(built) != 2 {
		t.Errorf("built events %v", built)
	}
	if _, ok := <-events; ok {
		t.Error("an event after the report")
	}

	// An unknown name: the stream's last line is the error the plain
	// answer is (404 unknown-rollup).
	events, _ = readEvents(t, `{"names":["nope"]}`)
	if ev := next(t, events, 30*time.Second); ev.Event != "start" {
		t.Fatalf("first event: %+v", ev)
	}
	ev = next(t, events, 30*time.Second)
	if ev.Event != "error" || ev.Status != 404 || ev.Error == nil || ev.Error.Code != "unknown-rollup" || !strings.Contains(ev.Error.Message, "nope") {
		t.Fatalf("an unknown name: %+v", ev)
	}
	// A client that does not ask for the stream gets the report alone.
	resp2, b := do(t, "POST", "/v1/refresh", `{"names":["txn_daily"]}`)
	if resp2.StatusCode != 200 || strings.Contains(string(b), `"event"`) || !strings.Contains(string(b), `"rollups"`) {
		t.Errorf("plain refresh: %d %s", resp2.StatusCode, b)
	}
}
