package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/api"
)

// GET /v1/plan and POST /v1/refresh answer what `strata plan` and `strata
// refresh` print: the steps, and a report with a line per rollup and tag.
// A body that is not {"names": […]} is a 400; an unknown name a 404.
func TestPlanAndRefreshEndpoints(t *testing.T) {
	resp, b := do(t, "GET", "/v1/plan", "")
	var plan struct {
		Steps []struct{ Action, Rollup string } `json:"steps"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &plan) != nil {
		t.Fatalf("plan: %d %s", resp.StatusCode, b)
	}
	resp, b = do(t, "POST", "/v1/refresh", `{"names":["txn_daily","high_value"]}`)
	var rep struct {
		Rollups []struct {
			Name  string
			Rows  int64
			Error string
		}
		Tags []struct {
			Name    string
			Members int64
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("refresh: %d %s", resp.StatusCode, b)
	}
	if len(rep.Rollups) != 1 || rep.Rollups[0].Name != "txn_daily" || rep.Rollups[0].Rows == 0 || rep.Rollups[0].Error != "" || len(rep.Tags) == 0 || rep.Tags[len(rep.Tags)-1].Name != "high_value" {
		t.Errorf("refresh report: %s", b)
	}
	if resp, b := do(t, "POST", "/v1/refresh", `{"rollups":["txn_daily"]}`); resp.StatusCode != 400 || !strings.Contains(string(b), `unknown field \"rollups\"`) {
		t.Errorf("a body with another key: %d %s", resp.StatusCode, b)
	}
	if resp, b := do(t, "POST", "/v1/refresh", `{"names":["nope"]}`); resp.StatusCode != 404 || !strings.Contains(string(b), "unknown-rollup") {
		t.Errorf("an unknown rollup: %d %s", resp.StatusCode, b)
	}
}

// The owner token reads as the warehouse does: past the row cap, with no
// key of the project; other callers keep the cap and need a key.
func TestOwnerTokenReadsAsTheWarehouse(t *testing.T) {
	srv := httptest.NewServer(api.New(bank, api.Options{Token: "s3cret", MaxRows: 3, OwnerToken: "owner-token"}))
	defer srv.Close()
	ask := func(token string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/query", strings.NewReader(`{"metrics":["txn_count"],"dimensions":["channels.name"]}`))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := ask("owner-token"); got != 200 {
		t.Errorf("the owner over the row cap: %d", got)
	}
	if got := ask("s3cret"); got != 413 {
		t.Errorf("a key over the row cap: %d", got)
	}
	if got := ask("owner-tokeN"); got != 401 {
		t.Errorf("a near miss of the owner token: %d", got)
	}
}
