package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/strata-metrics/strata/api"
)

// syncBuffer is a log sink written by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line not JSON: %s", l)
		}
		out = append(out, m)
	}
	return out
}

// TestAccessLog reads the structured access log of a server on a real
// listener: one line per request with the request id, the key's name (never
// its token), served_by, rows, took_ms and status, and the trace and parent
// ids of a valid W3C traceparent; an invalid traceparent (all-zero ids,
// version ff, upper case, extra fields in version 00) adds no trace id.
func TestAccessLog(t *testing.T) {
	e := scopedServer(t)
	var sink syncBuffer
	keys, _ := api.KeysFrom(e.project.Project)
	srv := httptest.NewServer(api.New(e.project, api.Options{Keys: keys, KeysConfigured: true,
		Logger: slog.New(slog.NewJSONHandler(&sink, nil))}))
	defer srv.Close()
	env := *e
	env.url = srv.URL

	const trace, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	// A query of its own: the result cache is the project's, shared with the
	// other tests' servers.
	resp, b := env.call(t, "east-token", "POST", "/v1/query", `{"metrics":["txn_count"],"dimensions":["channels.name"],"limit":7}`,
		"X-Request-Id", "log-req-1", "traceparent", "00-"+trace+"-"+parent+"-01")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var a answer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	invalid := []string{
		"00-00000000000000000000000000000000-" + parent + "-01",
		"00-" + trace + "-0000000000000000-01",
		"ff-" + trace + "-" + parent + "-01",
		"00-" + strings.ToUpper(trace) + "-" + parent + "-01",
		"00-" + trace + "-" + parent + "-01-extra",
		"garbage",
	}
	for i, tp := range invalid {
		resp, b := env.call(t, "admin-token", "GET", "/healthz", "", "X-Request-Id", "bad-trace-"+string(rune('a'+i)), "traceparent", tp)
		if resp.StatusCode != 200 {
			t.Fatalf("healthz: %d %s", resp.StatusCode, b)
		}
	}
	// A later version may carry more fields after the flags.
	env.call(t, "admin-token", "GET", "/healthz", "", "X-Request-Id", "future-version", "traceparent", "01-"+trace+"-"+parent+"-01-more")

	byID := map[string]map[string]any{}
	for _, l := range sink.lines(t) {
		if l["msg"] == "request" {
			byID[l["request_id"].(string)] = l
		}
	}
	q := byID["log-req-1"]
	if q == nil {
		t.Fatalf("no access log line for the query: %v", byID)
	}
	want := map[string]any{"key": "east_dashboard", "status": float64(200), "served_by": a.Meta.ServedBy,
		"rows": float64(len(a.Rows)), "trace_id": trace, "parent_id": parent, "path": "/v1/query"}
	for k, v := range want {
		if q[k] != v {
			t.Errorf("log %s = %v, want %v", k, q[k], v)
		}
	}
	if ms, ok := q["took_ms"].(float64); !ok || ms <= 0 {
		t.Errorf("log took_ms = %v", q["took_ms"])
	}
	if sink.b.Len() == 0 || strings.Contains(sink.b.String(), "east-token") || strings.Contains(sink.b.String(), "admin-token") {
		t.Errorf("the log holds a token")
	}
	for i := range invalid {
		l := byID["bad-trace-"+string(rune('a'+i))]
		if l == nil || l["trace_id"] != nil || l["parent_id"] != nil {
			t.Errorf("traceparent %q: logged %v", invalid[i], l)
		}
	}
	if l := byID["future-version"]; l == nil || l["trace_id"] != trace {
		t.Errorf("a version 01 traceparent: logged %v", l)
	}
}
