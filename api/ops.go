package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// The warehouse's operations, for the CLI talking to a running server (the
// process that owns the warehouse) and for deployment tooling: what a
// refresh would change, and a refresh of named rollups and tags with the
// report `strata refresh` prints.

// warehouseWide guards the operations on the whole warehouse — GET /v1/plan,
// POST /v1/refresh, POST /v1/rollups/{name}/refresh, GET /v1/rollups and
// POST /v1/ingest/{table} —
// which no key scope can narrow: a plan and a status report name every
// rollup and tag with its row and member counts over all rows (a count of
// high_value customers is one of every region), and a refresh rebuilds
// what every key reads. They need the owner token, an unscoped key, or an
// open API; a key with a where: or metrics: list gets 403 forbidden naming
// its scope. (/metrics, outside /v1, is the operator's scrape endpoint: it
// carries rollup row counts and ages, no key's data; keep it off public
// networks.)
func (s *Server) warehouseWide(c *gin.Context) {
	k := caller(c)
	if isOwner(c) || k == nil || k.Scope == nil {
		return
	}
	var why []string
	if k.Scope.Where != "" {
		why = append(why, "its rows to where: "+k.Scope.Where)
	}
	if k.Scope.Metrics != nil {
		why = append(why, "its metrics to ["+strings.Join(k.Scope.Metrics, ", ")+"]")
	}
	render(c, nil, newError("forbidden", "%s %s works on the whole warehouse, and key %s is scoped (it limits %s); use an unscoped key of api.keys (no where: or metrics:) or STRATA_API_TOKEN",
		c.Request.Method, c.Request.URL.Path, k.Name, strings.Join(why, " and ")))
	c.Abort()
}

// plan answers GET /v1/plan: the steps `strata plan` prints.
func (s *Server) plan(c *gin.Context) (any, error) {
	steps, err := s.w.Materializer().Plan(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return gin.H{"steps": steps}, nil
}

// refreshRequest is POST /v1/refresh's body: the rollups and tags to build,
// all of both when empty.
type refreshRequest struct {
	Names []string `json:"names"`
}

// MimeNDJSON is the progress stream of POST /v1/refresh: JSON lines.
const MimeNDJSON = "application/x-ndjson"

// RefreshEvent is one line of POST /v1/refresh's progress stream (Accept:
// application/x-ndjson), in order:
//  1. "start": Total is the count `strata refresh` draws its bar to;
//  2. "built": a rollup's build ended (Name), one per rollup;
//  3. "wait": another process holds Name's build lease (Holder, Until);
//     the refresh waits for that build to end;
//  4. last, "report": the refresh report, as the plain answer has it, or
//     "error": the error the plain answer would be, with its status.
//
// The stream is 200 from its first line; an error after it is its last line.
type RefreshEvent struct {
	Event  string                 `json:"event"`
	Total  int                    `json:"total,omitempty"`
	Name   string                 `json:"name,omitempty"`
	Holder string                 `json:"holder,omitempty"`
	Until  *time.Time             `json:"until,omitempty"`
	Report *service.RefreshReport `json:"report,omitempty"`
	Status int                    `json:"status,omitempty"`
	Error  *Error                 `json:"error,omitempty"`
}

// readRefresh decodes POST /v1/refresh's body.
func (s *Server) readRefresh(c *gin.Context) (*refreshRequest, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError("too-large", "the request body is over %d bytes", s.opts.MaxBody)
		}
		return nil, newError("bad-request", "could not read the request body (sent too slowly, or cut short)")
	}
	var req refreshRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, newError("bad-request", "the body must be {\"names\": [\"rollup or tag\", …]}: %v", err)
		}
	}
	return &req, nil
}

// refreshNamed answers POST /v1/refresh with the refresh report; a build
// that fails is a line of the report (200), the previous version serving.
// A client that accepts application/x-ndjson gets the progress as it
// happens (RefreshEvent), then the report.
func (s *Server) refreshNamed(c *gin.Context) {
	req, err := s.readRefresh(c)
	if err != nil {
		render(c, nil, toError(err))
		return
	}
	if !strings.Contains(c.GetHeader("Accept"), MimeNDJSON) {
		rep, err := s.w.RefreshNamed(c.Request.Context(), req.Names, s.builds.observeBuild)
		if err != nil {
			render(c, nil, toError(err))
			return
		}
		render(c, rep, nil)
		return
	}
	c.Header("Content-Type", MimeNDJSON+"; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	var mu sync.Mutex // lease waits are told from the builds' goroutines
	enc := json.NewEncoder(c.Writer)
	send := func(ev RefreshEvent) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(ev)
		c.Writer.Flush()
	}
	total := len(req.Names)
	if total == 0 {
		total = len(s.w.Project.Rollups)
	}
	send(RefreshEvent{Event: "start", Total: total})
	ctx := materializer.WithLeaseWait(c.Request.Context(), func(name, holder string, until time.Time) {
		send(RefreshEvent{Event: "wait", Name: name, Holder: holder, Until: &until})
	})
	rep, err := s.w.RefreshNamed(ctx, req.Names, func(r materializer.RefreshResult) {
		s.builds.observeBuild(r)
		send(RefreshEvent{Event: "built", Name: r.Name})
	})
	if err != nil {
		ae := toError(err)
		if ae.Status >= 500 {
			noteFailure(c, ae)
		}
		send(RefreshEvent{Event: "error", Status: ae.Status, Error: ae})
		return
	}
	send(RefreshEvent{Event: "report", Report: rep})
}

// explainSQL answers POST /v1/sql/explain: the metric query a statement
// becomes, its columns, and the explanation, as `strata sql --explain`.
func (s *Server) explainSQL(c *gin.Context) (any, error) {
	req, err := s.readSQL(c)
	if err != nil {
		return nil, err
	}
	st, err := s.w.Translate(req.SQL, nil, service.SQLOptions{NoRollup: req.NoRollup, Freshness: req.Freshness, Scope: callerScope(c)})
	if err != nil {
		return nil, sqlError(err)
	}
	x, err := s.w.Explain(c.Request.Context(), scoped(c, st.Query))
	if err != nil {
		return nil, sqlError(st.Locate(err))
	}
	return gin.H{"query": st.Query, "columns": st.Columns, "explain": x}, nil
}
