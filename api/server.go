package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/service"
)

// Options bound what one request may cost.
type Options struct {
	// Token, when set, is required as `Authorization: Bearer <token>`.
	Token string
	// MaxBody is the largest request body accepted (413 beyond).
	MaxBody int64
	// MaxRows is the largest result returned (413 beyond; page with limit/offset).
	// The engine is asked for at most MaxRows+1 rows, so a wide result costs
	// no more memory than an allowed one.
	MaxRows int
	// Timeout bounds one query (504 beyond).
	Timeout time.Duration
	// MaxConcurrent bounds queries running at once (429 beyond).
	MaxConcurrent int
	// Log receives one record per 5xx (request id, cause, SQL); nil: discarded.
	Log *slog.Logger
}

// DefaultOptions are the limits `strata serve` starts with.
var DefaultOptions = Options{MaxBody: 1 << 20, MaxRows: 100_000, Timeout: 30 * time.Second, MaxConcurrent: 16}

// Server serves the DataAPI for one warehouse.
type Server struct {
	w        *service.Project
	opts     Options
	log      *slog.Logger
	slots    chan struct{}
	reg      *prometheus.Registry
	queries  *prometheus.CounterVec
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	allowed  map[string]string // route → "GET, HEAD" …
}

// New builds the DataAPI's handler over an open project.
func New(w *service.Project, opts Options) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultOptions.MaxBody
	}
	if opts.MaxRows <= 0 {
		opts.MaxRows = DefaultOptions.MaxRows
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultOptions.Timeout
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = DefaultOptions.MaxConcurrent
	}
	s := &Server{w: w, opts: opts, log: opts.Log, slots: make(chan struct{}, opts.MaxConcurrent), reg: prometheus.NewRegistry(), allowed: map[string]string{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.queries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_queries_total", Help: "Metric queries answered, by source and status."}, []string{"served_by", "code"})
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "strata_query_seconds", Help: "Metric query latency, compile and run.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"served_by"})
	s.reg.MustRegister(s.queries, s.requests, s.latency, newRollupCollector(w))

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(requestID, s.observe, s.recovery)
	get := func(g gin.IRoutes, base, path string, h gin.HandlerFunc) {
		g.GET(path, h)
		g.HEAD(path, h)
		s.allowed[base+path] = "GET, HEAD"
	}
	post := func(g gin.IRoutes, base, path string, h gin.HandlerFunc) {
		g.POST(path, h)
		s.allowed[base+path] = "POST"
	}
	get(r, "", "/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	get(r, "", "/metrics", gin.WrapH(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))
	v1 := r.Group("/v1", s.auth)
	post(v1, "/v1", "/query", s.wrap(s.query))
	post(v1, "/v1", "/explain", s.wrap(s.explain))
	get(v1, "/v1", "/catalog", s.wrap(s.catalog))
	get(v1, "/v1", "/rollups", s.wrap(s.rollups))
	post(v1, "/v1", "/rollups/:name/refresh", s.wrap(s.refresh))
	r.NoMethod(s.methodNotAllowed)
	r.NoRoute(func(c *gin.Context) {
		paths := make([]string, 0, len(s.allowed))
		for p := range s.allowed {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		s.render(c, nil, newError("not-found", "no endpoint %s %s; the endpoints are %s", c.Request.Method, c.Request.URL.Path, strings.Join(paths, ", ")))
	})
	return r
}

// handler is what every endpoint is: a function from the request to a value
// or an error. wrap renders either.
type handler func(c *gin.Context) (any, error)

func (s *Server) wrap(h handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := h(c)
		var ae *Error
		if err != nil {
			ae = toError(err)
		}
		s.render(c, v, ae)
	}
}

// render writes a value or an error. Errors of 500 and above are logged with
// the request id, which is all the client gets of them.
func (s *Server) render(c *gin.Context, v any, err *Error) {
	if err != nil {
		if err.Status >= 500 {
			err.RequestID = c.GetString(ctxRequestID)
			s.logFailure(c, err)
		}
		if err.Status == http.StatusTooManyRequests {
			c.Header("Retry-After", retryAfter)
		}
		c.JSON(err.Status, gin.H{"error": err})
		return
	}
	if res, ok := v.(*service.Result); ok {
		s.renderResult(c, res)
		return
	}
	c.JSON(http.StatusOK, v)
}

// renderResult answers in the format the client accepts: JSON by default, CSV,
// or an Arrow IPC stream. Source, freshness and time travel in headers too.
func (s *Server) renderResult(c *gin.Context, res *service.Result) {
	h := c.Writer.Header()
	h.Set("Strata-Served-By", res.Meta.ServedBy)
	h.Set("Strata-Took-Ms", strconv.FormatFloat(res.Meta.TookMS, 'f', 3, 64))
	if res.Meta.Freshness != "" {
		h.Set("Strata-Freshness", res.Meta.Freshness)
	}
	switch accept := c.GetHeader("Accept"); {
	case strings.Contains(accept, service.MimeArrow):
		b, err := res.Arrow()
		if err != nil {
			s.render(c, nil, toError(err))
			return
		}
		c.Data(http.StatusOK, service.MimeArrow, b)
	case strings.Contains(accept, service.MimeCSV):
		c.Status(http.StatusOK)
		h.Set("Content-Type", service.MimeCSV+"; charset=utf-8")
		_ = res.WriteCSV(c.Writer)
	default:
		c.Status(http.StatusOK)
		h.Set("Content-Type", service.MimeJSON+"; charset=utf-8")
		_ = res.WriteJSON(c.Writer, false)
	}
}

// readQuery decodes the request body as a metric query, strictly.
func (s *Server) readQuery(c *gin.Context) (*plan.Query, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.opts.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newError("too-large", "the request body is over %d bytes", s.opts.MaxBody)
		}
		return nil, newError("bad-request", "could not read the request body (sent too slowly, or cut short)")
	}
	return plan.DecodeQuery(body)
}

// acquire takes a query slot, or answers 429 at once when all are busy.
func (s *Server) acquire() (func(), error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	default:
		return nil, newError("too-many-requests", "%d queries are already running; retry shortly", s.opts.MaxConcurrent)
	}
}

// query answers a metric query. Every outcome is counted under its status.
func (s *Server) query(c *gin.Context) (v any, err error) {
	servedBy := ""
	defer func() {
		code := http.StatusOK
		if err != nil {
			code = toError(err).Status
		}
		s.queries.WithLabelValues(servedBy, strconv.Itoa(code)).Inc()
	}()
	q, err := s.readQuery(c)
	if err != nil {
		return nil, err
	}
	release, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.opts.Timeout)
	defer cancel()
	start := time.Now()
	res, err := s.w.QueryCapped(ctx, q, s.opts.MaxRows)
	if err != nil {
		return nil, err
	}
	servedBy = res.Meta.ServedBy
	s.latency.WithLabelValues(servedBy).Observe(time.Since(start).Seconds())
	if res.Truncated {
		return nil, newError("too-large", "the result has more than %d rows, the limit; add a limit and page with offset", s.opts.MaxRows)
	}
	return res, nil
}

func (s *Server) explain(c *gin.Context) (any, error) {
	q, err := s.readQuery(c)
	if err != nil {
		return nil, err
	}
	return s.w.Explain(c.Request.Context(), q)
}

func (s *Server) catalog(c *gin.Context) (any, error) { return service.NewCatalog(s.w.Catalog), nil }

func (s *Server) rollups(c *gin.Context) (any, error) {
	st, err := s.w.Status(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return gin.H{"rollups": st, "sources": s.w.BrokenSources()}, nil
}

func (s *Server) refresh(c *gin.Context) (any, error) {
	name := c.Param("name")
	res, err := s.w.Refresh(c.Request.Context(), []string{name}, nil)
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		e := newError("build-failed", "the build of %s failed; the previous version keeps serving", name)
		e.cause = res[0].Err
		return nil, e
	}
	return gin.H{"rollup": name, "rows": res[0].Rows, "took_ms": float64(res[0].Duration.Microseconds()) / 1000}, nil
}
