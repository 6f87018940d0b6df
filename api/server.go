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
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
	"github.com/strata-metrics/strata/web"
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
	// Schedule, when set, exports the scheduler's build counts on /metrics.
	Schedule *ScheduleMetrics
	// Keys are the callers allowed in, each with its scope (see KeysFrom).
	// With no keys and no Token the API is open. Token, when set, is one
	// more key, named "token", that reads everything.
	Keys []Key
	// KeysConfigured closes the API even when no key could be read (their
	// token variables unset): configured keys never mean an open API.
	KeysConfigured bool
	// CacheEntries bounds the result cache (0: the default; -1: no cache).
	CacheEntries int
	// Logger receives the access log; nil logs nothing.
	Logger *slog.Logger
	// OwnerToken, when set, is the warehouse owner's token (owner.go):
	// its requests read as the warehouse itself does.
	OwnerToken string
}

// DefaultOptions are the limits `strata serve` starts with.
var DefaultOptions = Options{MaxBody: 1 << 20, MaxRows: 100_000, Timeout: 30 * time.Second, MaxConcurrent: 16}

// Server serves the DataAPI for one warehouse.
type Server struct {
	w        *service.Project
	opts     Options
	slots    chan struct{}
	keys     *keyring
	builds   *ScheduleMetrics // rollup builds by the scheduler and by refresh requests
	log      *slog.Logger
	reg      *prometheus.Registry
	queries  *prometheus.CounterVec
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	allowed  map[string][]string // route → its methods, for 405's Allow
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
	keys := append([]Key{}, opts.Keys...)
	if opts.Token != "" {
		keys = append(keys, Key{Name: "token", Token: opts.Token})
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CacheEntries == 0 {
		opts.CacheEntries = 1024
	}
	w.EnableCache(opts.CacheEntries, 10_000) // -1: off, even if an earlier server turned it on
	kr, shared := newKeyring(keys, opts.KeysConfigured)
	if len(shared) > 0 {
		opts.Logger.Warn("api keys share one token, so none of them can authenticate; give each key a token of its own", "keys", strings.Join(shared, ", "))
	}
	s := &Server{w: w, opts: opts, slots: make(chan struct{}, opts.MaxConcurrent), reg: prometheus.NewRegistry(),
		keys: kr, log: opts.Logger, allowed: map[string][]string{}}
	s.queries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_queries_total", Help: "Metric queries answered, by source, outcome and key."}, []string{"served_by", "code", "key"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "strata_query_seconds", Help: "Metric query latency, compile and run.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"served_by"})
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.reg.MustRegister(s.queries, s.requests, s.latency, newRollupCollector(w))
	if opts.Schedule != nil {
		s.builds = opts.Schedule
		s.reg.MustRegister(opts.Schedule.duration, opts.Schedule.failures, opts.Schedule.breaches)
	} else {
		// No scheduler: the refresh requests' builds are still counted.
		var jobs []string
		for _, j := range w.Materializer().Jobs() {
			jobs = append(jobs, j.Name)
		}
		s.builds = NewScheduleMetrics(jobs...)
		s.reg.MustRegister(s.builds.duration, s.builds.failures)
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(requestID, accessLog(s.log, s.logKey), s.observe, recovery)
	r.GET("/healthz", func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", s.ready)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))
	v1 := r.Group("/v1", s.ownerToken, s.auth)
	v1.POST("/query", s.wrap(s.query))
	v1.POST("/explain", s.wrap(s.explain))
	v1.POST("/sql", s.wrap(s.sql))
	v1.GET("/catalog", s.wrap(s.catalog))
	// Operations on the whole warehouse: an unscoped key or the owner (ops.go).
	v1.GET("/rollups", s.warehouseWide, s.wrap(s.rollups))
	v1.POST("/rollups/:name/refresh", s.warehouseWide, s.wrap(s.refresh))
	v1.POST("/refresh", s.warehouseWide, s.refreshNamed)
	v1.GET("/plan", s.warehouseWide, s.wrap(s.plan))
	v1.POST("/ingest/:table", s.warehouseWide, s.wrap(s.ingest))
	v1.POST("/sql/explain", s.wrap(s.explainSQL))
	s.audienceRoutes(v1)
	// The explorer page and its assets; the page calls /v1 like any client.
	page := gin.WrapH(web.Handler())
	r.GET("/", page)
	r.GET("/assets/*file", page)
	var paths []string
	for _, rt := range r.Routes() {
		if len(s.allowed[rt.Path]) == 0 {
			paths = append(paths, rt.Path)
		}
		s.allowed[rt.Path] = append(s.allowed[rt.Path], rt.Method)
		if rt.Method == http.MethodGet {
			s.allowed[rt.Path] = append(s.allowed[rt.Path], http.MethodHead)
		}
	}
	sort.Strings(paths)
	r.NoMethod(s.methodNotAllowed)
	r.NoRoute(func(c *gin.Context) {
		render(c, nil, newError("not-found", "no endpoint %s %s; the endpoints are %s", c.Request.Method, c.Request.URL.Path, strings.Join(paths, ", ")))
	})
	return headAsGet{r}
}

// headAsGet answers HEAD wherever GET is answered: the request is routed as
// a GET, and net/http sends the headers without the body for a HEAD.
type headAsGet struct{ h http.Handler }

func (h headAsGet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		r = r.Clone(r.Context())
		r.Method = http.MethodGet
	}
	h.h.ServeHTTP(w, r)
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
		render(c, v, ae)
	}
}

// render writes a value or an error. A 5xx's cause goes to the log with the
// request id, which is all the client gets of it; a 429 says when to retry.
func render(c *gin.Context, v any, err *Error) {
	if err != nil {
		if err.Status >= 500 {
			noteFailure(c, err)
		}
		// No cache may keep an error (404 and 405 are cacheable by
		// default), nor a validator of an answer it replaces.
		c.Writer.Header().Del("ETag")
		c.Header("Cache-Control", "no-store")
		if err.Status == http.StatusTooManyRequests {
			c.Header("Retry-After", retryAfter)
		}
		c.JSON(err.Status, gin.H{"error": err})
		return
	}
	if _, ok := v.(notModified); ok {
		c.Status(http.StatusNotModified)
		return
	}
	if res, ok := v.(*service.Result); ok {
		renderResult(c, res)
		return
	}
	c.JSON(http.StatusOK, v)
}

// setCacheControl says how long a client may reuse an answer: the serving
// rollups' freshness target, or revalidation each time on the raw path.
func setCacheControl(h http.Header, maxAge time.Duration) {
	if age := int(maxAge.Seconds()); age > 0 {
		h.Set("Cache-Control", "private, max-age="+strconv.Itoa(age))
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
}

// renderResult answers in the format the client accepts: JSON by default, CSV,
// or an Arrow IPC stream. Source, freshness and time travel in headers too.
func renderResult(c *gin.Context, res *service.Result) {
	accept := c.GetHeader("Accept")
	var arrow []byte
	if strings.Contains(accept, service.MimeArrow) {
		b, err := res.Arrow() // before any header: a failure is a plain error
		if err != nil {
			render(c, nil, toError(err))
			return
		}
		arrow = b
	}
	h := c.Writer.Header()
	h.Set("Strata-Served-By", res.Meta.ServedBy)
	h.Set("Strata-Took-Ms", strconv.FormatFloat(res.Meta.TookMS, 'f', 3, 64))
	h.Set("Strata-Cached", strconv.FormatBool(res.Meta.Cached))
	if !res.Meta.Cached {
		h.Set("Strata-Queued-Ms", strconv.FormatFloat(res.Meta.QueuedMS, 'f', 3, 64))
	}
	if res.Meta.ETag != "" {
		h.Set("ETag", `"`+res.Meta.ETag+`"`)
	}
	setCacheControl(h, res.Meta.MaxAge)
	if res.Meta.Freshness != "" {
		h.Set("Strata-Freshness", res.Meta.Freshness)
	}
	switch {
	case arrow != nil:
		c.Data(http.StatusOK, service.MimeArrow, arrow)
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

func (s *Server) query(c *gin.Context) (any, error) {
	q, err := s.readQuery(c)
	if err != nil {
		s.queries.WithLabelValues("", strconv.Itoa(toError(err).Status), keyName(c)).Inc()
		return nil, err
	}
	release, err := s.acquire()
	if err != nil {
		s.queries.WithLabelValues("", strconv.Itoa(toError(err).Status), keyName(c)).Inc()
		return nil, err
	}
	defer release()
	ctx, cancel := s.queryContext(c)
	defer cancel()
	return s.answer(ctx, c, scoped(c, q))
}

// answer runs a scoped query through the cache and notes the outcome in the
// metrics and the access log. A client whose If-None-Match names the
// answer's current ETag gets 304 without the query running: the key covers
// the query, the scope, the model and the data, so an equal key is an
// equal answer.
func (s *Server) answer(ctx context.Context, c *gin.Context, q *plan.Query) (any, error) {
	inm := c.GetHeader("If-None-Match")
	if inm != "" {
		// The answer's own ETag was given out with a 200, so the query
		// answers; `*` names any answer, so only one held in the cache.
		if key, ok := s.w.CacheKey(q); ok {
			maxAge, held := s.w.CachedMaxAge(key)
			if etagMatches(inm, key, held) {
				return s.notModified(c, key, maxAge), nil
			}
		}
	}
	start := time.Now()
	answer := s.w.AnswerCapped
	if isOwner(c) {
		answer = s.w.QueryCapped // the warehouse itself: no result cache
	}
	res, err := answer(ctx, q, s.rowCap(c))
	if err != nil {
		ae := toError(err)
		s.queries.WithLabelValues("", strconv.Itoa(ae.Status), keyName(c)).Inc()
		return nil, ae
	}
	cp := *res
	cp.Meta.RequestID = requestIDOf(c)
	if cp.Meta.Cached {
		cp.Meta.TookMS = float64(time.Since(start).Microseconds()) / 1000
	}
	e := entry(c)
	e.servedBy, e.rows, e.cached = cp.Meta.ServedBy, len(cp.Rows), cp.Meta.Cached
	if limit := s.rowCap(c); cp.Truncated || (limit > 0 && len(cp.Rows) > limit) {
		s.queries.WithLabelValues(cp.Meta.ServedBy, "413", keyName(c)).Inc()
		return nil, newError("too-large", "the result has more than %d rows, the limit; add a limit and page with offset", s.opts.MaxRows)
	}
	s.latency.WithLabelValues(cp.Meta.ServedBy).Observe(time.Since(start).Seconds())
	if inm != "" && cp.Meta.ETag != "" && etagMatches(inm, cp.Meta.ETag, true) {
		return s.notModified(c, cp.Meta.ETag, cp.Meta.MaxAge), nil
	}
	s.queries.WithLabelValues(cp.Meta.ServedBy, "200", keyName(c)).Inc()
	return &cp, nil
}

// notModified answers 304 for the answer under key. A 304 carries the ETag
// and the Cache-Control the 200 would (RFC 9110 15.4.5); an answer no
// longer held is revalidated each time.
func (s *Server) notModified(c *gin.Context, key string, maxAge time.Duration) notModified {
	c.Header("ETag", `"`+key+`"`)
	setCacheControl(c.Writer.Header(), maxAge)
	s.queries.WithLabelValues("", "304", keyName(c)).Inc()
	return notModified{}
}

func (s *Server) explain(c *gin.Context) (any, error) {
	q, err := s.readQuery(c)
	if err != nil {
		return nil, err
	}
	return s.w.Explain(c.Request.Context(), scoped(c, q))
}

// catalog lists what the caller may read: a key limited to some metrics
// sees only those.
func (s *Server) catalog(c *gin.Context) (any, error) {
	cat := service.NewCatalog(s.w.Catalog)
	if k := caller(c); k != nil && k.Scope != nil {
		cat = cat.Allowed(k.Scope.Metrics)
	}
	return cat, nil
}

func (s *Server) rollups(c *gin.Context) (any, error) {
	st, err := s.w.Status(c.Request.Context())
	if err != nil {
		return nil, err
	}
	tags, err := s.w.TagStatus(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return gin.H{"rollups": st, "tags": tags, "sources": s.w.BrokenSources()}, nil
}

func (s *Server) refresh(c *gin.Context) (any, error) {
	name := c.Param("name")
	res, err := s.w.Refresh(c.Request.Context(), []string{name}, s.builds.observeBuild)
	if err != nil {
		return nil, err
	}
	var running *materializer.BuildRunningError
	if errors.As(res[0].Err, &running) {
		return nil, newError("build-running", "%s is being built by %s; this refresh stopped waiting for that build, the previous version keeps serving until it ends", name, running.Holder)
	}
	if res[0].Err != nil {
		e := newError("build-failed", "the build of %s failed; the previous version keeps serving", name)
		e.cause = res[0].Err
		return nil, e
	}
	return gin.H{"rollup": name, "rows": res[0].Rows, "took_ms": float64(res[0].Duration.Microseconds()) / 1000}, nil
}
