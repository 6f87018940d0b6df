package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestScopedKeyAudiences checks, over a real listener, that a key limited to
// a region gets audiences within it: the population is the customers of
// its branches' region, and sizes, overlaps, profiles and exports equal
// hand-written SQL restricted the same way; an unlimited key sees everyone.
func TestScopedKeyAudiences(t *testing.T) {
	e := scopedServer(t)
	res, err := e.project.Materializer().RefreshTags(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("tag %s: %v", r.Name, r.Err)
		}
	}
	if svc, err := e.project.AudienceService(); err == nil {
		svc.Forget()
	}
	count := func(cond string) uint64 {
		rows := e.oracle(t, "SELECT COUNT(*) FROM '@customers.parquet' c LEFT JOIN '@branches.parquet' b ON b.branch_id = c.branch_id WHERE "+cond)
		return uint64(rows[0][0].(int64))
	}
	type response struct {
		Size, Population uint64
		Overlap          []struct {
			Name       string
			Size, Both uint64
		}
		Profile []struct {
			Field  string
			Values []struct {
				Value           *string
				Count           uint64
				PopulationCount uint64 `json:"population_count"`
			}
		}
		Saturation []struct {
			Tag   string
			Value *string
			Count uint64
		}
	}
	body := `{"expr": "high_value", "overlap": {"rest": "NOT high_value"}, "profile": ["branches.region", "customers.segment"], "tags": true}`
	for _, k := range []struct{ token, cond string }{
		{"east-token", "COALESCE(b.region = 'East', FALSE)"},
		{"west-token", "COALESCE(b.region = 'West', FALSE)"},
		{"admin-token", "TRUE"},
	} {
		resp, b := e.call(t, k.token, "POST", "/v1/audiences", body)
		var got response
		if resp.StatusCode != 200 || json.Unmarshal(b, &got) != nil {
			t.Fatalf("%s: %d %s", k.token, resp.StatusCode, b)
		}
		hv := "(" + k.cond + ") AND COALESCE(c.aum >= 1000000, FALSE)"
		pop, size := count(k.cond), count(hv)
		if pop == 0 || size == 0 {
			t.Fatalf("%s: the hand-written population (%d) or audience (%d) is empty; the data does not test the scope", k.token, pop, size)
		}
		if got.Population != pop || got.Size != size {
			t.Errorf("%s: size %d of %d; hand-written %d of %d", k.token, got.Size, got.Population, size, pop)
		}
		if len(got.Overlap) != 1 || got.Overlap[0].Size != pop-size || got.Overlap[0].Both != 0 {
			t.Errorf("%s: overlap with NOT high_value %+v; want size %d, both 0", k.token, got.Overlap, pop-size)
		}
		for _, d := range got.Profile {
			var total uint64
			for _, v := range d.Values {
				total += v.PopulationCount
				col := map[string]string{"branches.region": "b.region", "customers.segment": "c.segment"}[d.Field]
				in := col + " IS NULL"
				if v.Value != nil {
					in = fmt.Sprintf("%s = '%s'", col, *v.Value)
				}
				if wp, wc := count("("+k.cond+") AND "+in), count(hv+" AND "+in); v.PopulationCount != wp || v.Count != wc {
					t.Errorf("%s: profile %s %s: %d of %d; hand-written %d of %d", k.token, d.Field, in, v.Count, v.PopulationCount, wc, wp)
				}
			}
			if total != pop {
				t.Errorf("%s: profile %s covers %d of the population of %d", k.token, d.Field, total, pop)
			}
		}
		for _, s := range got.Saturation {
			if s.Tag == "segment" && s.Value != nil {
				if want := count(hv + " AND c.segment = '" + *s.Value + "'"); s.Count != want {
					t.Errorf("%s: saturation segment=%s %d; hand-written %d", k.token, *s.Value, s.Count, want)
				}
			}
		}
		resp, csv := e.call(t, k.token, "POST", "/v1/audiences/export", `{"expr": "NOT high_value"}`)
		rows := e.oracle(t, "SELECT c.customer_id FROM '@customers.parquet' c LEFT JOIN '@branches.parquet' b ON b.branch_id = c.branch_id WHERE ("+k.cond+") AND NOT COALESCE(c.aum >= 1000000, FALSE) ORDER BY 1")
		want := []string{"customer_id"}
		for _, r := range rows {
			want = append(want, fmt.Sprint(r[0]))
		}
		if resp.StatusCode != 200 || strings.TrimSpace(string(csv)) != strings.Join(want, "\n") {
			t.Errorf("%s: export %d: %d lines; hand-written %d", k.token, resp.StatusCode, strings.Count(string(csv), "\n"), len(want))
		}
	}
}
