package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/service"
)

// The warehouse's operations, for the CLI talking to a running server (the
// process that owns the warehouse) and for deployment tooling: what a
// refresh would change, and a refresh of named rollups and tags with the
// report `strata refresh` prints.

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

// refreshNamed answers POST /v1/refresh with the refresh report; a build
// that fails is a line of the report (200), the previous version serving.
func (s *Server) refreshNamed(c *gin.Context) (any, error) {
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
	return s.w.RefreshNamed(c.Request.Context(), req.Names, nil)
}

// explainSQL answers POST /v1/sql/explain: the metric query a statement
// becomes, its columns, and the explanation, as `strata sql --explain`.
func (s *Server) explainSQL(c *gin.Context) (any, error) {
	req, err := s.readSQL(c)
	if err != nil {
		return nil, err
	}
	st, err := s.w.Translate(req.SQL, nil, service.SQLOptions{NoRollup: req.NoRollup, Freshness: req.Freshness})
	if err != nil {
		return nil, sqlError(err)
	}
	x, err := s.w.Explain(c.Request.Context(), scoped(c, st.Query))
	if err != nil {
		return nil, sqlError(st.Locate(err))
	}
	return gin.H{"query": st.Query, "columns": st.Columns, "explain": x}, nil
}
