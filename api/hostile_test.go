package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/compiler/plan"
)

// abandoned sends the query as the admin in the background; its client
// goes away when cancel is called, and first gets the client's error.
func abandoned(url, q string) (cancel context.CancelFunc, first chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	first = make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", url+"/v1/query", strings.NewReader(q))
		req.Header.Set("Authorization", "Bearer admin-token")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		first <- err
	}()
	return cancel, first
}

// TestSingleFlightOutlivesItsFirstCaller: when the client whose request
// started a shared run disconnects, the identical requests waiting on that
// run still get their answer (from one engine query), not its cancellation.
func TestSingleFlightOutlivesItsFirstCaller(t *testing.T) {
	e := scopedServer(t)
	q := `{"metrics":["txn_amount"],"dimensions":["channels.name"],"where":"transactions.amount > 23"}`
	e.eng.delay.Store(int64(400 * time.Millisecond))
	defer e.eng.delay.Store(0)
	before := e.eng.queries.Load()

	cancel, first := abandoned(e.url, q)
	time.Sleep(100 * time.Millisecond) // the first request's run is under way
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	answers := make([]answer, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, b := e.call(t, "admin-token", "POST", "/v1/query", q)
			statuses[i] = resp.StatusCode
			_ = json.Unmarshal(b, &answers[i])
		}()
	}
	time.Sleep(100 * time.Millisecond) // the others wait on the same run
	cancel()                           // the first client goes away
	if err := <-first; err == nil {
		t.Fatal("the first request was not cancelled")
	}
	wg.Wait()
	for i, st := range statuses {
		if st != 200 || len(answers[i].Rows) == 0 {
			t.Errorf("waiter %d: %d %+v, want the answer", i, st, answers[i].Error)
		}
	}
	if n := e.eng.queries.Load() - before; n != 1 {
		t.Errorf("engine queries %d, want 1", n)
	}

	// A request left alone by its client stops its run; the next identical
	// request starts afresh instead of inheriting the cancellation.
	q = `{"metrics":["txn_amount"],"dimensions":["channels.name"],"where":"transactions.amount > 29"}`
	cancel, first = abandoned(e.url, q)
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-first
	time.Sleep(50 * time.Millisecond) // the server has seen the disconnect
	if st, a := e.query(t, "admin-token", q); st != 200 || len(a.Rows) == 0 || a.Meta.Cached {
		t.Errorf("after the lone client left: %d cached=%v %+v, want a fresh answer", st, a.Meta.Cached, a.Error)
	}
}

// TestIfNoneMatchNeverHidesAnError: a conditional request is answered 304
// only when the same request without the condition would be a 200 (RFC 9110
// 13.2.1). `If-None-Match: *` on a query outside the key's metrics, on an
// unknown metric or on a bad filter is the error itself; on a good query it
// is 304 once the answer is known, like the answer's own ETag.
func TestIfNoneMatchNeverHidesAnError(t *testing.T) {
	e := scopedServer(t)
	for _, c := range []struct {
		q      string
		status int
		code   string
	}{
		{`{"metrics":["active_customers"],"dimensions":["customers.segment"]}`, 403, "forbidden-metric"},
		{`{"metrics":["txn_amount"],"having":"active_customers > 0","dimensions":["customers.segment"]}`, 403, "forbidden-metric"},
		{`{"metrics":["txn_amout"]}`, 400, "unknown-metric"},
		{`{"metrics":["txn_amount"],"where":"nope = 1"}`, 400, "unknown-field"},
	} {
		for _, inm := range []string{"*", `"abc", *`, `W/"x", *`} {
			resp, b := e.call(t, "east-token", "POST", "/v1/query", c.q, "If-None-Match", inm)
			var a answer
			_ = json.Unmarshal(b, &a)
			if resp.StatusCode != c.status || a.Error == nil || a.Error.Code != c.code {
				t.Errorf("%s with If-None-Match %s: %d %s, want %d %s", c.q, inm, resp.StatusCode, b, c.status, c.code)
			}
		}
	}
	q := `{"metrics":["txn_count"],"dimensions":["channels.name"],"where":"transactions.amount > 31"}`
	resp, _ := e.call(t, "east-token", "POST", "/v1/query", q, "If-None-Match", "*")
	if resp.StatusCode != 304 || resp.Header.Get("ETag") == "" {
		t.Errorf("If-None-Match * on a good query: %d ETag %q, want 304 with the ETag", resp.StatusCode, resp.Header.Get("ETag"))
	}
	etag := resp.Header.Get("ETag")
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		if resp, _ := e.call(t, "east-token", "POST", "/v1/query", q, "If-None-Match", inm); resp.StatusCode != 304 || resp.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d ETag %q, want 304 %s", inm, resp.StatusCode, resp.Header.Get("ETag"), etag)
		}
	}
	if resp, _ := e.call(t, "east-token", "POST", "/v1/query", q, "If-None-Match", `"other"`); resp.StatusCode != 200 {
		t.Errorf("If-None-Match of another ETag: %d, want 200", resp.StatusCode)
	}
	// Another key's ETag, even with *, never answers for this key.
	if resp, _ := e.call(t, "west-token", "POST", "/v1/query", q, "If-None-Match", etag); resp.StatusCode != 200 {
		t.Errorf("the east ETag answered the west key with %d", resp.StatusCode)
	}
}

// TestErrorsAreNeverCacheable: every error answer says no-store and carries
// no ETag, so that no cache between the client and the server (404 and 405
// are cacheable by default) keeps one; readiness is never cached either.
func TestErrorsAreNeverCacheable(t *testing.T) {
	e := scopedServer(t)
	big := `{"metrics":["txn_amount"],"where":"` + strings.Repeat(" ", 1<<20) + `"}`
	for _, c := range []struct {
		token, method, path, body string
		status                    int
	}{
		{"east-token", "POST", "/v1/query", `{"metrics":["txn_amout"]}`, 400},
		{"east-token", "POST", "/v1/query", `{"metrics":["active_customers"]}`, 403},
		{"", "POST", "/v1/query", `{"metrics":["txn_amount"]}`, 401},
		{"nope", "GET", "/v1/catalog", ``, 401},
		{"east-token", "GET", "/v1/nowhere", ``, 404},
		{"east-token", "GET", "/v1/query", ``, 405},
		{"east-token", "GET", "/v1/rollups", ``, 403},
		{"east-token", "POST", "/v1/query", big, 413},
		{"east-token", "POST", "/v1/sql", `{"sql":"SELECT txn_amount FROM nowhere"}`, 400},
		{"east-token", "POST", "/v1/audiences/export", `{}`, 400},
	} {
		resp, b := e.call(t, c.token, c.method, c.path, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d %.200s, want %d", c.method, c.path, resp.StatusCode, b, c.status)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" || resp.Header.Get("ETag") != "" {
			t.Errorf("%s %s (%d): Cache-Control %q ETag %q, want no-store and no ETag", c.method, c.path, resp.StatusCode, cc, resp.Header.Get("ETag"))
		}
	}
	for _, path := range []string{"/readyz", "/healthz"} {
		if resp, _ := e.call(t, "", "GET", path, ""); resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, resp.Header.Get("Cache-Control"))
		}
	}
}

// TestSharedTokenAuthenticatesNoKey: when a scoped key and an unscoped one
// end up with one token (two variables set to one value, or
// STRATA_API_TOKEN equal to a key's token), that token opens neither: it
// never reads past the scoped key's region. The other keys still work.
func TestSharedTokenAuthenticatesNoKey(t *testing.T) {
	e := scopedServer(t)
	east := api.Key{Name: "east_dashboard", Token: "same-token", Scope: &plan.Scope{Key: "east_dashboard", Where: "branches.region = 'East'"}}
	west := api.Key{Name: "west_dashboard", Token: "west-only", Scope: &plan.Scope{Key: "west_dashboard", Where: "branches.region = 'West'"}}
	var logged strings.Builder
	srv := httptest.NewServer(api.New(e.project, api.Options{Keys: []api.Key{east, west}, Token: "same-token",
		Logger: slog.New(slog.NewTextHandler(&logged, nil))}))
	defer srv.Close()
	shared := &scopedEnv{url: srv.URL}
	if st, a := shared.query(t, "same-token", `{"metrics":["txn_count"],"dimensions":["branches.region"]}`); st != 401 {
		t.Errorf("the shared token: %d %v, want 401", st, a.Rows)
	}
	if st, a := shared.query(t, "west-only", `{"metrics":["txn_count"],"dimensions":["branches.region"]}`); st != 200 || len(a.Rows) != 1 || a.Rows[0][0] != "West" {
		t.Errorf("the west key: %d %v", st, a.Rows)
	}
	if !strings.Contains(logged.String(), "share one token") || !strings.Contains(logged.String(), "east_dashboard, token") {
		t.Errorf("no warning naming the keys that share a token:\n%s", logged.String())
	}
}

// TestScopeOnAGrain: a key's scope may read a time field at a grain, as a
// query's where and strata validate do; its answers equal the unscoped
// key's with that filter, from the rollup as from the raw tables, and no
// filter of the caller widens it.
func TestScopeOnAGrain(t *testing.T) {
	e := scopedServer(t)
	const scope = "transactions.txn_time.month >= '2024-06-01' AND branches.region = 'East'"
	key := api.Key{Name: "east_since_june", Token: "june-token", Scope: &plan.Scope{Key: "east_since_june", Where: scope}}
	admin := api.Key{Name: "admin", Token: "admin-token"}
	srv := httptest.NewServer(api.New(e.project, api.Options{Keys: []api.Key{key, admin}}))
	defer srv.Close()
	g := &scopedEnv{url: srv.URL}
	for _, q := range []string{
		`{"metrics":["txn_amount","txn_count"],"dimensions":["transactions.txn_time.month"]}`,
		`{"metrics":["txn_amount","txn_count"],"dimensions":["transactions.txn_time.month"],"no_rollup":true}`,
		`{"metrics":["txn_amount"],"dimensions":["customers.segment"]}`,
	} {
		st, got := g.query(t, "june-token", q)
		withWhere := strings.TrimSuffix(q, "}") + `,"where":` + jsonString(scope) + `}`
		st2, want := g.query(t, "admin-token", withWhere)
		if st != 200 || st2 != 200 || len(got.Rows) == 0 || strings.Join(cells(got.Rows), "|") != strings.Join(cells(want.Rows), "|") {
			t.Errorf("%s: %d %+v %v\nthe filtered unscoped query: %d %v", q, st, got.Error, got.Rows, st2, want.Rows)
		}
	}
	st, a := g.query(t, "june-token", `{"metrics":["txn_count"],"dimensions":["transactions.txn_time.month"],"where":"transactions.txn_time.month < '2024-06-01' OR TRUE"}`)
	if st != 200 {
		t.Fatalf("a widening where: %d %+v", st, a.Error)
	}
	for _, r := range a.Rows {
		if m, _ := r[0].(string); m < "2024-06-01" {
			t.Errorf("the key read month %v, before its scope", r[0])
		}
	}
}

// TestExplainHidesRollupSizesFromScopedKeys: a rollup's row count is over
// every region, which a scoped key may not learn (it is refused
// /v1/rollups for that reason): its explanations, JSON and SQL, name the
// rollups and verdicts without their sizes, which an unscoped key sees.
func TestExplainHidesRollupSizesFromScopedKeys(t *testing.T) {
	e := scopedServer(t)
	type cand struct {
		Rollup, Code, Reason string
		Used                 bool
		Rows                 int64
	}
	rollups := func(token, path, body string) []cand {
		t.Helper()
		resp, b := e.call(t, token, "POST", path, body)
		var x struct {
			Rollups []cand
			Explain struct{ Rollups []cand }
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &x) != nil {
			t.Fatalf("%s %s: %d %s", token, path, resp.StatusCode, b)
		}
		if path == "/v1/sql/explain" {
			return x.Explain.Rollups
		}
		return x.Rollups
	}
	const q = `{"metrics":["txn_amount"],"dimensions":["customers.segment"]}`
	const sql = `{"sql":"SELECT customers.segment, txn_amount FROM transactions GROUP BY customers.segment"}`
	for _, c := range []struct{ path, body string }{{"/v1/explain", q}, {"/v1/sql/explain", sql}} {
		adminUsed := false
		for _, r := range rollups("admin-token", c.path, c.body) {
			adminUsed = adminUsed || (r.Used && r.Rows > 0)
		}
		if !adminUsed {
			t.Errorf("%s: the unscoped key sees no rollup's size", c.path)
		}
		used := false
		for _, r := range rollups("east-token", c.path, c.body) {
			used = used || r.Used
			if r.Rows != 0 || strings.Contains(r.Reason, "rows") {
				t.Errorf("%s: the east key learns %s's size: %+v", c.path, r.Rollup, r)
			}
		}
		if !used {
			t.Errorf("%s: no rollup serves the east key", c.path)
		}
	}
}
