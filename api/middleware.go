package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/service"
)

const (
	requestIDHeader = "Strata-Request-Id"
	requestIDCtx    = "strata.request_id"
	logCtx          = "strata.log"
)

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// traceparentRe is the W3C Trace Context header: version-traceid-parentid-flags,
// and after the flags, in versions after 00, fields this server does not know.
var traceparentRe = regexp.MustCompile(`^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$`)

// traceparent returns the trace and parent span ids of a valid W3C
// traceparent header. Invalid are version ff, an all-zero trace or parent
// id, and in version 00 anything after the flags; those headers are
// ignored, as the recommendation says.
func traceparent(h string) (trace, parent string, ok bool) {
	m := traceparentRe.FindStringSubmatch(h)
	if m == nil || m[1] == "ff" || (m[1] == "00" && m[4] != "") ||
		m[2] == strings.Repeat("0", 32) || m[3] == strings.Repeat("0", 16) {
		return "", "", false
	}
	return m[2], m[3], true
}

// requestID gives every request an id: the client's X-Request-Id when it is
// a sane token, else a new one. It is returned as Strata-Request-Id and
// logged with the request.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if requestIDRe.MatchString(id) {
		c.Header("X-Request-Id", id) // echoed, for clients that correlate by it
	} else {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDCtx, id)
	c.Header(requestIDHeader, id)
	c.Next()
}

func requestIDOf(c *gin.Context) string { return c.GetString(requestIDCtx) }

// logEntry collects what a handler learned (served_by, rows, cached) for
// the access log line.
type logEntry struct {
	servedBy string
	rows     int
	cached   bool
	sql      string
	cause    string // a 5xx's cause, for the log only
}

func entry(c *gin.Context) *logEntry {
	if v, ok := c.Get(logCtx); ok {
		return v.(*logEntry)
	}
	e := &logEntry{}
	c.Set(logCtx, e)
	return e
}

// accessLog writes one structured line per request: request id, key,
// method, path, status, served_by, rows, cached, took_ms and, when the
// client sent a traceparent, its trace and parent span ids. Server errors
// also carry the SQL, which the client never sees.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		e := entry(c)
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		if !log.Enabled(c.Request.Context(), level) {
			return // no line to write: build none
		}
		attrs := []any{
			"request_id", requestIDOf(c), "key", keyName(c),
			"method", c.Request.Method, "path", c.Request.URL.Path, "status", status,
			"took_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if e.servedBy != "" {
			attrs = append(attrs, "served_by", e.servedBy, "rows", e.rows, "cached", e.cached)
		}
		if trace, parent, ok := traceparent(c.GetHeader("traceparent")); ok {
			attrs = append(attrs, "trace_id", trace, "parent_id", parent)
		}
		switch {
		case status >= 500:
			if e.cause != "" {
				attrs = append(attrs, "error", e.cause)
			}
			if e.sql != "" {
				attrs = append(attrs, "sql", e.sql)
			}
			log.Error("request failed", attrs...)
		default:
			log.Info("request", attrs...)
		}
	}
}

// observe counts every response under its real status (429s, 413s and 401s
// too, which never reach a query) and route.
func (s *Server) observe(c *gin.Context) {
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.requests.WithLabelValues(route, strconv.Itoa(c.Writer.Status())).Inc()
}

// recovery turns a panic in a handler into a logged 500 with the request id,
// instead of a dropped connection.
func recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			e := newError("internal", "the server failed to answer; the server log has the details under this request id")
			e.cause = fmt.Errorf("panic: %v", r)
			render(c, nil, e)
			c.Abort()
		}
	}()
	c.Next()
}

// noteFailure hands a 5xx's cause and SQL to the access log, which records
// them under the request id; the client gets only the id.
func noteFailure(c *gin.Context, e *Error) {
	e.RequestID = requestIDOf(c)
	if e.cause == nil {
		return
	}
	le := entry(c)
	le.cause = e.cause.Error()
	if sql := sqlOf(e.cause); sql != "" {
		le.sql = sql
	}
}

// sqlOf is the SQL an engine failure carries, for the log.
func sqlOf(err error) string {
	var f *service.EngineError
	if errors.As(err, &f) {
		return f.SQL
	}
	return ""
}

// methodNotAllowed answers 405 with the methods the path has.
func (s *Server) methodNotAllowed(c *gin.Context) {
	allow := s.allowedFor(c.Request.URL.Path)
	c.Header("Allow", allow)
	render(c, nil, newError("method-not-allowed", "%s is not allowed on %s; use %s", c.Request.Method, c.Request.URL.Path, allow))
}

// allowedFor lists the methods registered for a path, matching :params.
func (s *Server) allowedFor(path string) string {
	for route, methods := range s.allowed {
		if matchRoute(route, path) {
			return strings.Join(methods, ", ")
		}
	}
	return ""
}

func matchRoute(route, path string) bool {
	rs, ps := strings.Split(route, "/"), strings.Split(path, "/")
	for i := range rs {
		switch {
		case strings.HasPrefix(rs[i], "*"): // a catch-all takes the rest
			return len(ps) >= i+1
		case i >= len(ps):
			return false
		case !strings.HasPrefix(rs[i], ":") && rs[i] != ps[i]:
			return false
		}
	}
	return len(rs) == len(ps)
}

// retryAfter is the Retry-After of a 429: query slots free up in about the
// time a query takes, so one second is honest for nearly all of them.
const retryAfter = "1"
