package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/service"
)

// Over the concurrency limit a query is refused at once with 429, not queued;
// a freed slot is usable again.
func TestAcquireRefusesBeyondLimit(t *testing.T) {
	s := &Server{opts: Options{MaxConcurrent: 1}, slots: make(chan struct{}, 1)}
	release, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.acquire()
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || ae.Code != "too-many-requests" {
		t.Fatalf("second acquire: %v", err)
	}
	release()
	if r, err := s.acquire(); err != nil {
		t.Fatalf("after release: %v", err)
	} else {
		r()
	}
}

// Canceled and timed-out queries map to 504; engine failures to 500 whose
// message holds neither the engine's text nor the SQL, which go to the log.
func TestErrorStatuses(t *testing.T) {
	if e := toError(fmt.Errorf("wrapped: %w", service.ErrCanceled)); e.Status != http.StatusGatewayTimeout || e.Code != "timeout" {
		t.Fatalf("canceled: %+v", e)
	}
	e := toError(&service.EngineError{Msg: "IO Error: no file /srv/data/x.parquet", SQL: "SELECT secret"})
	if e.Status != http.StatusInternalServerError || e.Code != "engine-error" || strings.Contains(e.Message, "IO Error") || strings.Contains(e.Message, "/srv") || strings.Contains(e.Message, "SELECT") {
		t.Fatalf("engine: %+v", e)
	}
	if sqlOf(e.cause) != "SELECT secret" {
		t.Fatalf("the log would not get the SQL: %+v", e)
	}
}

// A 429 says when to retry, and a 5xx gives the client its request id and
// nothing of its cause.
func TestRenderHeaders(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	rec := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(rec)
	render(c, nil, newError("too-many-requests", "busy"))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("429: %d %v", rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	c, _ = gin.CreateTestContext(rec)
	c.Set(requestIDCtx, "rid-1")
	e := newError("internal", "the server failed to answer")
	e.cause = fmt.Errorf("open /srv/secret/warehouse.duckdb: permission denied")
	render(c, nil, e)
	if body := rec.Body.String(); rec.Code != 500 || rec.Header().Get("Cache-Control") != "no-store" || !strings.Contains(body, `"request_id":"rid-1"`) || strings.Contains(body, "/srv") {
		t.Fatalf("500: %d %s", rec.Code, body)
	}
	if entry(c).cause == "" {
		t.Fatal("the cause did not reach the log entry")
	}
}

func TestMatchRoute(t *testing.T) {
	for _, c := range []struct {
		route, path string
		ok          bool
	}{
		{"/v1/rollups/:name/refresh", "/v1/rollups/txn_daily/refresh", true},
		{"/v1/rollups/:name/refresh", "/v1/rollups/refresh", false},
		{"/assets/*file", "/assets/app.js", true},
		{"/assets/*file", "/assets/a/b.css", true},
		{"/", "/", true},
		{"/v1/query", "/v1/query/x", false},
	} {
		if got := matchRoute(c.route, c.path); got != c.ok {
			t.Errorf("%s ~ %s: %v", c.route, c.path, got)
		}
	}
}
