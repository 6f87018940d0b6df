package api_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

type audienceResp struct {
	Entity     string `json:"entity"`
	Size       uint64 `json:"size"`
	Population uint64 `json:"population"`
	Overlap    []struct {
		Name string `json:"name"`
		Size uint64 `json:"size"`
		Both uint64 `json:"both"`
	} `json:"overlap"`
	Profile []struct {
		Field  string `json:"field"`
		Values []struct {
			Value *string `json:"value"`
			Count uint64  `json:"count"`
			Index float64 `json:"index"`
		} `json:"values"`
	} `json:"profile"`
	Saturation []struct {
		Tag   string  `json:"tag"`
		Count uint64  `json:"count"`
		Share float64 `json:"share"`
	} `json:"saturation"`
	Tags []struct {
		Name string `json:"name"`
		AsOf string `json:"as_of"`
	} `json:"tags"`
}

// TestAudiences answers an audience over HTTP and checks that its parts
// agree with each other and with the export of the same audience.
func TestAudiences(t *testing.T) {
	body := `{"expr": "high_value OR NOT segment = 'mass'", "profile": ["customers.segment", "branches.region"], "tags": true,
		"overlap": {"hv": "high_value", "rest": "NOT (high_value OR NOT segment = 'mass')"}}`
	resp, b := do(t, "POST", "/v1/audiences", body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var r audienceResp
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Entity != "customers" || r.Size == 0 || r.Size >= r.Population || len(r.Profile) != 2 || len(r.Tags) != 4 || r.Tags[0].AsOf == "" {
		t.Fatalf("answer %s", b)
	}
	if r.Overlap[0].Name != "hv" || r.Overlap[0].Both != r.Overlap[0].Size || r.Overlap[1].Both != 0 || r.Overlap[1].Size != r.Population-r.Size {
		t.Errorf("overlaps %+v: hv lies inside the audience, rest outside it", r.Overlap)
	}
	for _, p := range r.Profile {
		var sum uint64
		for _, v := range p.Values {
			sum += v.Count
		}
		if sum != r.Size {
			t.Errorf("profile %s sums to %d; the audience has %d", p.Field, sum, r.Size)
		}
	}
	var hv uint64
	for _, s := range r.Saturation {
		if s.Tag == "high_value" {
			hv = s.Count
		}
	}
	if hv != r.Overlap[0].Size {
		t.Errorf("high_value saturation %d; overlap with high_value %d", hv, r.Overlap[0].Size)
	}

	resp, csv := do(t, "POST", "/v1/audiences/export", `{"expr": "high_value OR NOT segment = 'mass'"}`)
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if resp.StatusCode != 200 || lines[0] != "customer_id" || uint64(len(lines)-1) != r.Size || resp.Header.Get("Strata-Audience-Size") != strconv.FormatUint(r.Size, 10) {
		t.Fatalf("CSV export %d, %d lines, headers %v", resp.StatusCode, len(lines), resp.Header)
	}
	if !strings.Contains(resp.Header.Get("Strata-Tags-As-Of"), "high_value=") {
		t.Errorf("export headers name no tag versions: %v", resp.Header)
	}
	resp, pq := do(t, "POST", "/v1/audiences/export", `{"expr": "high_value"}`, "Accept", "application/vnd.apache.parquet")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apache.parquet" || len(pq) < 8 || string(pq[:4]) != "PAR1" || string(pq[len(pq)-4:]) != "PAR1" {
		t.Fatalf("Parquet export %d %v: %d bytes", resp.StatusCode, resp.Header, len(pq))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="customers.parquet"` {
		t.Errorf("Parquet export saved as %q, want the entity's name", cd)
	}
}

// TestAudienceErrors checks the 4xx answers: code, message and position.
func TestAudienceErrors(t *testing.T) {
	cases := []struct {
		path, body string
		status     int
		code, msg  string
		field      string
		offset     float64
	}{
		{"/v1/audiences", `{"expr": "high_value AND segmnt = 'mass'"}`, 400, "unknown-tag", `did you mean "segment"?`, "expr", 15},
		{"/v1/audiences", `{"expr": "branches.city = 'Beijing'"}`, 400, "audience-foreign-field", "belongs to branches", "expr", 0},
		{"/v1/audiences", `{"expr": "high_value", "overlap": {"x": "NOT"}}`, 400, "expr-syntax", "unexpected end", "overlap.x", 3},
		{"/v1/audiences", `{"expr": "high_value", "profile": ["customers.sgment"]}`, 400, "unknown-field", `did you mean "customers.segment"?`, "profile[0]", -1},
		{"/v1/audiences", `{"expr": "high_value", "tag": true}`, 400, "bad-json", `did you mean "tags"?`, "request", -1},
		{"/v1/audiences/export", `{"expr": "high_value", "format": "xlsx"}`, 400, "bad-format", "not csv or parquet", "format", -1},
		{"/v1/audiences", `{"expr": "` + strings.Repeat("high_value OR ", 400) + `high_value"}`, 413, "too-large", "over 4096 bytes", "", -1},
	}
	for _, c := range cases {
		resp, b := do(t, "POST", c.path, c.body)
		var e apiErr
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode != c.status || e.Error.Code != c.code || !strings.Contains(e.Error.Message, c.msg) {
			t.Errorf("%s %.60s: %d %s; want %d %s containing %q", c.path, c.body, resp.StatusCode, b, c.status, c.code, c.msg)
			continue
		}
		if c.field != "" && e.Error.Position["field"] != c.field {
			t.Errorf("%.60s: position %v; want field %s", c.body, e.Error.Position, c.field)
		}
		if c.offset >= 0 && e.Error.Position["offset"] != c.offset {
			t.Errorf("%.60s: position %v; want offset %v", c.body, e.Error.Position, c.offset)
		}
	}
}

// TestQueryByAudience restricts a metric query to an audience over HTTP.
func TestQueryByAudience(t *testing.T) {
	resp, b := do(t, "POST", "/v1/query", `{"metrics":["txn_count"],"audience":"high_value"}`)
	all, ab := do(t, "POST", "/v1/query", `{"metrics":["txn_count"]}`)
	var r, a struct{ Rows [][]float64 }
	if resp.StatusCode != 200 || all.StatusCode != 200 || json.Unmarshal(b, &r) != nil || json.Unmarshal(ab, &a) != nil {
		t.Fatalf("%d %s / %d %s", resp.StatusCode, b, all.StatusCode, ab)
	}
	if r.Rows[0][0] <= 0 || r.Rows[0][0] >= a.Rows[0][0] || resp.Header.Get("Strata-Served-By") != "raw" {
		t.Errorf("high_value's transactions %v of %v, served by %s", r.Rows, a.Rows, resp.Header.Get("Strata-Served-By"))
	}
	// The answer names the tag versions it read, as /v1/audiences does.
	var withTags struct {
		Meta struct {
			Tags []struct {
				Name  string `json:"name"`
				AsOf  string `json:"as_of"`
				Stale bool   `json:"stale"`
			} `json:"tags"`
		} `json:"meta"`
	}
	var sized audienceResp
	_, sb := do(t, "POST", "/v1/audiences", `{"expr":"high_value"}`)
	if err := json.Unmarshal(b, &withTags); err != nil || json.Unmarshal(sb, &sized) != nil || len(sized.Tags) != 1 {
		t.Fatalf("%v: %s / %s", err, b, sb)
	}
	if tg := withTags.Meta.Tags; len(tg) != 1 || tg[0].Name != "high_value" || tg[0].AsOf == "" || tg[0].AsOf != sized.Tags[0].AsOf || tg[0].Stale {
		t.Errorf("meta.tags of an audience query: %+v, /v1/audiences read %+v", tg, sized.Tags)
	}
	_, gb := do(t, "POST", "/v1/query", `{"metrics":["txn_count"],"audiences":{"hv":"high_value","r":"risk = 'high'"}}`)
	withTags.Meta.Tags = nil
	if err := json.Unmarshal(gb, &withTags); err != nil || len(withTags.Meta.Tags) != 2 || withTags.Meta.Tags[0].Name != "high_value" || withTags.Meta.Tags[1].Name != "risk" {
		t.Errorf("meta.tags of an audiences group-by: %s", gb)
	}
	if _, pb := do(t, "POST", "/v1/query", `{"metrics":["txn_count"]}`); strings.Contains(string(pb), `"tags"`) {
		t.Errorf("a query without audience names tags: %s", pb)
	}
	resp, b = do(t, "POST", "/v1/query", `{"metrics":["txn_count"],"audience":"high_value OR hgh"}`)
	var e apiErr
	_ = json.Unmarshal(b, &e)
	if resp.StatusCode != 400 || e.Error.Code != "unknown-tag" || e.Error.Position["field"] != "audience" {
		t.Errorf("bad audience: %d %s", resp.StatusCode, b)
	}
}
