package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// TestAudienceExportTextKeys serves the bank with a text customer key and
// checks that /v1/audiences/export streams the original keys, in CSV and
// in Parquet, equal to hand-written SQL, and that a query restricted to the
// audience counts the same customers.
func TestAudienceExportTextKeys(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := banktest.CopyModel(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 4000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	if err := banktest.TextKeys(ctx, dir); err != nil {
		t.Fatal(err)
	}
	w, err := banktest.Open(ctx, dir, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	res, err := w.Materializer().RefreshTags(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("tag %s: %v", r.Name, r.Err)
		}
	}
	srv := httptest.NewServer(api.New(w, api.Options{Token: "s3cret", MaxRows: 50, MaxBody: 4096}))
	defer srv.Close()
	post := func(path, body string, header ...string) (*http.Response, []byte) {
		req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer s3cret")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	hand, err := w.Engine.Query(ctx, "SELECT customer_id FROM customers WHERE COALESCE(aum >= 1000000, FALSE) OR NOT COALESCE(segment = 'mass', FALSE) ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range hand.Rows {
		want = append(want, r[0].(string))
	}
	if len(want) == 0 || !strings.HasPrefix(want[0], "C") {
		t.Fatalf("hand-written keys %v", want)
	}
	expr := `{"expr": "high_value OR NOT segment = 'mass'"}`
	resp, csv := post("/v1/audiences/export", expr)
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if resp.StatusCode != 200 || lines[0] != "customer_id" || resp.Header.Get("Strata-Audience-Size") != strconv.Itoa(len(want)) {
		t.Fatalf("CSV export %d, headers %v: %.200s", resp.StatusCode, resp.Header, csv)
	}
	got := lines[1:]
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("CSV export: %d keys, hand-written %d; first %v", len(got), len(want), got[:min(3, len(got))])
	}
	resp, pq := post("/v1/audiences/export", expr, "Accept", "application/vnd.apache.parquet")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apache.parquet" {
		t.Fatalf("Parquet export %d %v", resp.StatusCode, resp.Header)
	}
	path := filepath.Join(t.TempDir(), "keys.parquet")
	if err := os.WriteFile(path, pq, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := w.Engine.Query(ctx, "SELECT customer_id FROM read_parquet('"+path+"') ORDER BY 1")
	if err != nil {
		t.Fatalf("reading the Parquet export: %v", err)
	}
	got = got[:0]
	for _, r := range back.Rows {
		got = append(got, r[0].(string))
	}
	if !slices.Equal(got, want) {
		t.Errorf("Parquet export: %d keys, hand-written %d", len(got), len(want))
	}
	resp, body := post("/v1/query", `{"metrics": ["active_customers"], "audience": "high_value OR NOT segment = 'mass'"}`, "Accept", "text/csv")
	if resp.StatusCode != 200 {
		t.Fatalf("query by audience %d: %s", resp.StatusCode, body)
	}
	active, err := w.Engine.Query(ctx, "SELECT COUNT(DISTINCT t.customer_id) FROM transactions t WHERE t.customer_id IN (SELECT customer_id FROM customers WHERE COALESCE(aum >= 1000000, FALSE) OR NOT COALESCE(segment = 'mass', FALSE))")
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Split(strings.TrimSpace(string(body)), "\n"); len(rows) != 2 || strings.TrimSpace(rows[1]) != strconv.FormatInt(active.Rows[0][0].(int64), 10) {
		t.Errorf("active_customers of the audience: %q; hand-written %v", body, active.Rows[0][0])
	}
}
