package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"github.com/gin-gonic/gin"
)

// The owner's token. `strata serve` owns the warehouse file, so the CLI of
// the user who could open that file must get from the server what opening
// it would give: every row, no scope, no row cap, no time limit, no cache. serve makes
// a random token per process and writes it only to .strata/serve.json
// (readable by the owner alone); a request bearing it is the owner's. Keys
// still govern every other caller, and the token dies with the process.

const ownerContext = "strata.owner"

// ownerToken marks the request as the owner's when it bears the owner
// token; it runs before auth, which lets the owner through.
func (s *Server) ownerToken(c *gin.Context) {
	if s.opts.OwnerToken == "" {
		return
	}
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return
	}
	got, want := sha256.Sum256([]byte(strings.TrimSpace(token))), sha256.Sum256([]byte(s.opts.OwnerToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
		c.Set(ownerContext, true)
	}
}

// isOwner reports whether the request bears the owner token.
func isOwner(c *gin.Context) bool {
	v, _ := c.Get(ownerContext)
	b, _ := v.(bool)
	return b
}

// rowCap is the most rows one answer may hold for this caller: none for
// the owner, as from the warehouse itself.
func (s *Server) rowCap(c *gin.Context) int {
	if isOwner(c) {
		return 0
	}
	return s.opts.MaxRows
}

// queryContext bounds one query by the server's timeout; the owner's run as
// long as they would on the warehouse itself.
func (s *Server) queryContext(c *gin.Context) (context.Context, context.CancelFunc) {
	if isOwner(c) {
		return context.WithCancel(c.Request.Context())
	}
	return context.WithTimeout(c.Request.Context(), s.opts.Timeout)
}
