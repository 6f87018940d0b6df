package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
)

const (
	requestIDHeader = "Strata-Request-Id"
	requestIDCtx    = "strata.request_id"
	logCtx          = "strata.log"
)

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// traceparentRe is the W3C Trace Context header: version-traceid-parentid-flags.
var traceparentRe = regexp.MustCompile(`^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$`)

// requestID gives every request an id: the client's X-Request-Id when it is
// a sane token, else a new one. It is returned as Strata-Request-Id and
// logged with the request.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if !requestIDRe.MatchString(id) {
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
		attrs := []any{
			"request_id", requestIDOf(c), "key", keyName(c),
			"method", c.Request.Method, "path", c.Request.URL.Path, "status", status,
			"took_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if e.servedBy != "" {
			attrs = append(attrs, "served_by", e.servedBy, "rows", e.rows, "cached", e.cached)
		}
		if m := traceparentRe.FindStringSubmatch(c.GetHeader("traceparent")); m != nil {
			attrs = append(attrs, "trace_id", m[1], "parent_id", m[2])
		}
		switch {
		case status >= 500:
			if e.sql != "" {
				attrs = append(attrs, "sql", e.sql)
			}
			log.Error("request failed", attrs...)
		default:
			log.Info("request", attrs...)
		}
	}
}
