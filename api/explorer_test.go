package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestExplorerRoutes: the page and its assets are served beside /v1, open
// like /healthz (the page asks for a token when /v1 wants one).
func TestExplorerRoutes(t *testing.T) {
	for path, want := range map[string]string{"/": "<title>Strata explorer</title>", "/assets/app.js": "", "/assets/app.css": ".pivot"} {
		resp, b := do(t, "GET", path, "", "Authorization", "")
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) || len(b) == 0 {
			t.Errorf("GET %s: %d, %d bytes", path, resp.StatusCode, len(b))
		}
	}
	resp, b := do(t, "GET", "/assets/missing.js", "")
	if resp.StatusCode != 404 {
		t.Errorf("GET a missing asset: %d %s", resp.StatusCode, b)
	}
}

// TestCatalogForTheExplorer: the fields carry their table instance, role,
// label and description; metrics their kind and additivity; the wide tables
// their join paths.
func TestCatalogForTheExplorer(t *testing.T) {
	resp, b := do(t, "GET", "/v1/catalog", "")
	if resp.StatusCode != 200 {
		t.Fatalf("catalog: %d %s", resp.StatusCode, b)
	}
	var cat struct {
		Fields []struct {
			Name, Table, Label, Description string
			SourceTable                     string `json:"source_table"`
			Role, Computed                  bool
			Facts                           []string
		}
		Metrics []struct {
			Name, Kind, Agg    string
			Filtered, Additive bool
		}
		Wide []struct {
			Fact   string
			Tables []struct {
				Alias, Table string
				Path         []string `json:"join_path"`
				Role         bool
			}
		} `json:"wide_tables"`
		Tags []struct{ Name, Entity, Value string }
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	fields := map[string]int{}
	for i, f := range cat.Fields {
		fields[f.Name] = i
	}
	age := cat.Fields[fields["customers.age_band"]]
	if age.Table != "customers" || age.SourceTable != "customers" || !age.Computed || age.Label != "Age band" {
		t.Errorf("customers.age_band: %+v", age)
	}
	if f := cat.Fields[fields["transactions.amount"]]; f.Computed || f.Table != "transactions" {
		t.Errorf("transactions.amount: %+v", f)
	}
	roles := 0
	for _, f := range cat.Fields {
		if f.Role {
			roles++
			if f.Table == f.SourceTable {
				t.Errorf("role field %s names its table %q as its source", f.Name, f.Table)
			}
		}
	}
	if roles == 0 {
		t.Error("no field is reached through a role, but the bank has value_day")
	}
	want := map[string][3]any{
		"txn_amount":       {"simple", "sum", true},
		"txn_count":        {"simple", "count", true},
		"active_customers": {"simple", "count_distinct", false},
		"total_balance":    {"simple", "sum", false}, // semi-additive
		"avg_ticket":       {"derived", "", false},
		"txn_amount_mom":   {"derived", "", false},
		"max_txn":          {"simple", "max", false},
	}
	for _, m := range cat.Metrics {
		if w, ok := want[m.Name]; ok && (m.Kind != w[0] || m.Agg != w[1] || m.Additive != w[2]) {
			t.Errorf("metric %s: kind %s agg %q additive %v, want %v", m.Name, m.Kind, m.Agg, m.Additive, w)
		}
		if m.Name == "posted_count" && !m.Filtered {
			t.Errorf("posted_count has a filter")
		}
	}
	if len(cat.Wide) != 3 || cat.Wide[0].Fact != "transactions" || len(cat.Wide[0].Tables[0].Path) != 0 {
		t.Fatalf("wide tables: %+v", cat.Wide)
	}
	tags := map[string]string{}
	for _, tg := range cat.Tags {
		if tg.Entity != "customers" {
			t.Errorf("tag %s: entity %q", tg.Name, tg.Entity)
		}
		tags[tg.Name] = tg.Value
	}
	if v, ok := tags["high_value"]; !ok || v != "" || tags["segment"] != "customers.segment" {
		t.Errorf("tags: %v", cat.Tags)
	}
	for _, in := range cat.Wide[0].Tables[1:] {
		if len(in.Path) == 0 || !strings.Contains(in.Path[0], "->") {
			t.Errorf("instance %s of transactions has no join path: %q", in.Alias, in.Path)
		}
	}
}
