package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestAudienceUnknownValueWarning: over a real listener, an audience with a
// categorical value no customer holds (risk = 'hgh') answers 200 with its
// exact size — 0, and for risk IN ('high', 'hgh') the size of
// risk = 'high' — and a warning naming the tag's values with a suggestion:
// in /v1/audiences' warnings and tags, in the export's
// Strata-Tags-Warning header, and in a metric query's meta.tags.
func TestAudienceUnknownValueWarning(t *testing.T) {
	type warned struct {
		Size     uint64   `json:"size"`
		Warnings []string `json:"warnings"`
		Tags     []struct {
			Name    string `json:"name"`
			Warning string `json:"warning"`
		} `json:"tags"`
	}
	size := func(expr string) warned {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"expr": expr})
		resp, b := do(t, "POST", "/v1/audiences", string(body))
		var r warned
		if resp.StatusCode != 200 || json.Unmarshal(b, &r) != nil {
			t.Fatalf("%s: %d %s", expr, resp.StatusCode, b)
		}
		return r
	}
	const suggestion = `tag risk has no value "hgh", so it selects no one; did you mean "high"? (its values: high, low, medium)`
	typo, high, both := size("risk = 'hgh'"), size("risk = 'high'"), size("risk IN ('high', 'hgh')")
	if typo.Size != 0 || high.Size == 0 || both.Size != high.Size {
		t.Errorf("sizes: 'hgh' %d, 'high' %d, IN ('high', 'hgh') %d", typo.Size, high.Size, both.Size)
	}
	for _, r := range []warned{typo, both} {
		if len(r.Warnings) != 1 || r.Warnings[0] != suggestion || len(r.Tags) != 1 || r.Tags[0].Warning != suggestion {
			t.Errorf("warnings %q, tags %+v; want %q", r.Warnings, r.Tags, suggestion)
		}
	}
	if len(high.Warnings) != 0 || len(high.Tags) != 1 || high.Tags[0].Warning != "" {
		t.Errorf("a known value warns: %+v", high)
	}

	resp, csv := do(t, "POST", "/v1/audiences/export", `{"expr": "risk = 'hgh'"}`)
	if resp.StatusCode != 200 || strings.TrimSpace(string(csv)) != "customer_id" {
		t.Fatalf("export of an empty audience: %d %q", resp.StatusCode, csv)
	}
	name, warning, _ := strings.Cut(resp.Header.Get("Strata-Tags-Warning"), "=")
	warning, _ = url.QueryUnescape(warning)
	if name != "risk" || warning != suggestion {
		t.Errorf("export Strata-Tags-Warning %q", resp.Header.Get("Strata-Tags-Warning"))
	}
	if resp, _ := do(t, "POST", "/v1/audiences/export", `{"expr": "risk = 'high'"}`); resp.Header.Get("Strata-Tags-Warning") != "" {
		t.Errorf("a known value's export warns: %v", resp.Header)
	}

	resp, b := do(t, "POST", "/v1/query", `{"metrics":["txn_count"],"audience":"risk = 'hgh'"}`)
	var q struct {
		Meta struct {
			Tags []struct {
				Name    string `json:"name"`
				Warning string `json:"warning"`
			} `json:"tags"`
		} `json:"meta"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &q) != nil {
		t.Fatalf("query: %d %s", resp.StatusCode, b)
	}
	if len(q.Meta.Tags) != 1 || q.Meta.Tags[0].Warning != suggestion {
		t.Errorf("meta.tags of a query by a typo audience: %s", b)
	}
}
