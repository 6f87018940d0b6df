package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

// The audience endpoints: POST /v1/audiences answers size, population,
// overlaps, profile and tag saturation; POST /v1/audiences/export streams the
// members' keys as CSV (default) or Parquet (Accept or "format").

const mimeParquet = "application/vnd.apache.parquet"

type audienceAPI struct{ s *Server }

func (s *Server) audienceRoutes(g *gin.RouterGroup) {
	a := &audienceAPI{s: s}
	g.POST("/audiences", s.wrap(a.evaluate))
	g.POST("/audiences/export", a.export)
}

// keyScope is the calling key's row limit, or nil: a limited key's
// audiences are taken within the entities its where holds for.
func keyScope(c *gin.Context) *plan.Scope {
	if k := caller(c); k != nil && k.Scope != nil && k.Scope.Where != "" {
		return k.Scope
	}
	return nil
}

func (a *audienceAPI) service() (*service.Audiences, error) {
	return a.s.w.AudienceService()
}

func (a *audienceAPI) body(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, a.s.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError("too-large", "the request body is over %d bytes", a.s.opts.MaxBody)
		}
		return nil, newError("bad-request", "could not read the request body (sent too slowly, or cut short)")
	}
	return body, nil
}

// audienceError maps the service's errors: the caller's mistakes are 400s
// with their position, tags not built yet a 409.
func audienceError(err error) error {
	var ae *service.AudienceError
	if !errors.As(err, &ae) {
		return err
	}
	status := statusOf(ae.Code)
	pos := map[string]any{"field": ae.Field}
	if ae.Field == "expr" || strings.HasPrefix(ae.Field, "overlap.") {
		pos["offset"] = ae.Offset
	}
	return &Error{Status: status, Code: ae.Code, Message: ae.Msg, Position: pos}
}

func (a *audienceAPI) evaluate(c *gin.Context) (any, error) {
	body, err := a.body(c)
	if err != nil {
		return nil, err
	}
	req, err := service.DecodeAudienceRequest(body)
	if err != nil {
		return nil, audienceError(err)
	}
	req.Scope = keyScope(c)
	svc, err := a.service()
	if err != nil {
		return nil, err
	}
	release, err := a.s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Request.Context(), a.s.opts.Timeout)
	defer cancel()
	res, err := svc.Evaluate(ctx, req)
	if err != nil {
		return nil, audienceError(err)
	}
	c.Header("Strata-Took-Ms", strconv.FormatFloat(res.TookMS, 'f', 3, 64))
	return res, nil
}

// export streams the ids; errors before the first byte are JSON errors.
func (a *audienceAPI) export(c *gin.Context) {
	fail := func(err error) { render(c, nil, toError(audienceError(err))) }
	body, err := a.body(c)
	if err != nil {
		fail(err)
		return
	}
	req, err := service.DecodeAudienceExport(body)
	if err != nil {
		fail(err)
		return
	}
	format := req.Format
	if format == "" {
		format = service.ExportCSV
		if strings.Contains(c.GetHeader("Accept"), mimeParquet) {
			format = service.ExportParquet
		}
	}
	svc, err := a.service()
	if err != nil {
		fail(err)
		return
	}
	release, err := a.s.acquire()
	if err != nil {
		fail(err)
		return
	}
	defer release()
	ctx, cancel := a.s.queryContext(c) // the owner's, as long as on the warehouse itself
	defer cancel()
	members, aud, uses, err := svc.MembersIn(ctx, req.Expr, keyScope(c))
	if err != nil {
		fail(err)
		return
	}
	h := c.Writer.Header()
	h.Set("Strata-Audience-Size", strconv.FormatUint(members.GetCardinality(), 10))
	var asOf []string
	for _, u := range uses {
		s := u.Name + "=" + u.AsOf
		if u.Stale {
			s += ";stale"
		}
		asOf = append(asOf, s)
	}
	h.Set("Strata-Tags-As-Of", strings.Join(asOf, ", "))
	// Why each stale tag is stale, in the order read: name=reason pairs,
	// query-escaped and joined by &, for a client to warn as a local export does.
	var stale []string
	for _, u := range uses {
		if u.Stale {
			stale = append(stale, url.QueryEscape(u.Name)+"="+url.QueryEscape(u.Reason))
		}
	}
	if len(stale) > 0 {
		h.Set("Strata-Tags-Stale", strings.Join(stale, "&"))
	}
	if format == service.ExportParquet {
		h.Set("Content-Type", mimeParquet)
		// Table names are identifiers: nothing in them needs escaping.
		h.Set("Content-Disposition", `attachment; filename="`+aud.Scope.Entity.Name+`.parquet"`)
	} else {
		h.Set("Content-Type", service.MimeCSV+"; charset=utf-8")
	}
	c.Status(http.StatusOK)
	_ = svc.Export(ctx, c.Writer, format, aud, members)
}
