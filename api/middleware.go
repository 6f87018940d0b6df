package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/service"
)

// RequestIDHeader carries every response's request id. A client's own
// X-Request-Id (printable, at most 128 bytes) is kept and echoed; otherwise
// the server makes one.
const RequestIDHeader = "Strata-Request-Id"

const ctxRequestID = "strata.request_id"

// requestID gives the request its id before anything else runs.
func requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id != "" && validID(id) {
		c.Header("X-Request-Id", id)
	} else {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequestID, id)
	c.Header(RequestIDHeader, id)
	c.Next()
}

func validID(s string) bool {
	if len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// observe counts every response under its real status (429s and 413s too,
// which never reach a query) and logs each 5xx with its request id and cause.
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
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			e := newError("internal", "the server failed to answer; the server log has the details under this request id")
			e.cause = fmt.Errorf("panic: %v", r)
			s.render(c, nil, e)
			c.Abort()
		}
	}()
	c.Next()
}

// auth requires `Authorization: Bearer <token>` (scheme case-insensitive, as
// RFC 9110 has it), compared in constant time.
func (s *Server) auth(c *gin.Context) {
	if s.opts.Token == "" {
		return
	}
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	good := ok && strings.EqualFold(scheme, "Bearer")
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.opts.Token)) != 1 || !good {
		c.Header("WWW-Authenticate", `Bearer realm="strata"`)
		s.render(c, nil, newError("unauthorized", "send Authorization: Bearer <token>"))
		c.Abort()
	}
}

// logFailure records a 5xx: the request id, the route, the cause and the SQL
// when the cause carries it. The client sees only the id.
func (s *Server) logFailure(c *gin.Context, e *Error) {
	attrs := []any{"request_id", e.RequestID, "method", c.Request.Method, "path", c.Request.URL.Path, "status", e.Status, "code", e.Code}
	if e.cause != nil {
		attrs = append(attrs, "error", e.cause.Error())
		if sql := sqlOf(e.cause); sql != "" {
			attrs = append(attrs, "sql", sql)
		}
	}
	s.log.Error("request failed", attrs...)
}

// methodNotAllowed answers 405 with the methods the path has.
func (s *Server) methodNotAllowed(c *gin.Context) {
	allow := s.allowed[c.FullPath()]
	if allow == "" {
		allow = s.allowedFor(c.Request.URL.Path)
	}
	c.Header("Allow", allow)
	s.render(c, nil, newError("method-not-allowed", "%s is not allowed on %s; use %s", c.Request.Method, c.Request.URL.Path, allow))
}

// allowedFor lists the methods registered for a path, matching :params.
func (s *Server) allowedFor(path string) string {
	for route, methods := range s.allowed {
		if matchRoute(route, path) {
			return methods
		}
	}
	return ""
}

func matchRoute(route, path string) bool {
	rs, ps := strings.Split(route, "/"), strings.Split(path, "/")
	if len(rs) != len(ps) {
		return false
	}
	for i := range rs {
		if !strings.HasPrefix(rs[i], ":") && rs[i] != ps[i] {
			return false
		}
	}
	return true
}

// retryAfter is the Retry-After of a 429: query slots free up in about the
// time a query takes, so one second is honest for nearly all of them.
const retryAfter = "1"

// sqlOf is the SQL an engine failure carries, for the log.
func sqlOf(err error) string {
	var f *service.EngineError
	if errors.As(err, &f) {
		return f.SQL
	}
	return ""
}
