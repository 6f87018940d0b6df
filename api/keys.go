package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/model"
)

// Key is one caller of the DataAPI: its name (logged and labelled in
// metrics; never its token) and its scope, nil for a key that reads all.
type Key struct {
	Name  string
	Token string
	Scope *plan.Scope
}

// KeysFrom reads the project's api.keys with their tokens from the
// environment. A key whose token variable is unset cannot authenticate; it
// is returned in unset so the server can say so at start.
func KeysFrom(p *model.Project) (keys []Key, unset []string) {
	for _, k := range p.API.Keys {
		token, missing := k.Secret()
		if len(missing) > 0 || token == "" {
			unset = append(unset, k.Name+" ("+strings.Join(missing, ", ")+")")
			continue
		}
		key := Key{Name: k.Name, Token: token}
		if k.Scoped() {
			key.Scope = &plan.Scope{Key: k.Name, Where: k.Where.Text}
			if len(k.Metrics) > 0 {
				key.Scope.Metrics = []string{}
				for _, m := range k.Metrics {
					key.Scope.Metrics = append(key.Scope.Metrics, m.Value)
				}
			}
		}
		keys = append(keys, key)
	}
	return keys, unset
}

const keyContext = "strata.key"

// keyring holds the tokens' digests: comparing digests of equal length in
// constant time, over every key without stopping at a match, tells an
// attacker nothing about how close a guess came or which key it was near.
type keyring struct {
	keys    []Key
	digests [][32]byte
	closed  bool // keys are configured, so requests must authenticate
}

// newKeyring holds the keys' digests. A token that several keys share (two
// variables set to one value, or STRATA_API_TOKEN equal to a key's token)
// authenticates none of them: which scope its requests got would otherwise
// depend on the keys' order, and an unscoped key could silently widen a
// scoped one. shared names those keys.
func newKeyring(keys []Key, configured bool) (kr *keyring, shared []string) {
	kr = &keyring{closed: configured || len(keys) > 0}
	digests := make([][32]byte, len(keys))
	count := map[[32]byte]int{}
	for i, k := range keys {
		digests[i] = sha256.Sum256([]byte(k.Token))
		count[digests[i]]++
	}
	for i, k := range keys {
		d := digests[i]
		if count[d] > 1 {
			shared = append(shared, k.Name)
			continue
		}
		kr.keys = append(kr.keys, k)
		kr.digests = append(kr.digests, d)
	}
	return kr, shared
}

func (kr *keyring) match(token string) *Key {
	got := sha256.Sum256([]byte(token))
	found := -1
	for i := range kr.digests {
		if subtle.ConstantTimeCompare(got[:], kr.digests[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil
	}
	return &kr.keys[found]
}

// auth identifies the caller by `Authorization: Bearer <token>`. Without
// configured keys the API is open (the server warns at start).
func (s *Server) auth(c *gin.Context) {
	if !s.keys.closed || isOwner(c) {
		return
	}
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="strata"`)
		render(c, nil, newError("unauthorized", "send Authorization: Bearer <token>"))
		c.Abort()
		return
	}
	k := s.keys.match(strings.TrimSpace(token))
	if k == nil {
		c.Header("WWW-Authenticate", `Bearer realm="strata", error="invalid_token"`)
		render(c, nil, newError("unauthorized", "the token is not a key of this project"))
		c.Abort()
		return
	}
	c.Set(keyContext, k)
}

// caller is the request's key, nil on an open API.
func caller(c *gin.Context) *Key {
	if v, ok := c.Get(keyContext); ok {
		return v.(*Key)
	}
	return nil
}

// keyName labels logs and metrics: the key's name, "open" without keys.
func keyName(c *gin.Context) string {
	if k := caller(c); k != nil {
		return k.Name
	}
	if isOwner(c) {
		return "owner"
	}
	return "open"
}

// logKey names the caller in the access log. Routes that need no key
// (/healthz, /readyz, /metrics) and requests refused with 401 have no
// authenticated caller: on an API with keys they log the name of the key
// the request bears when its token is valid, else "-", never "open".
func (s *Server) logKey(c *gin.Context) string {
	if k := caller(c); k != nil {
		return k.Name
	}
	if isOwner(c) {
		return "owner"
	}
	if !s.keys.closed {
		return "open"
	}
	scheme, token, ok := strings.Cut(c.GetHeader("Authorization"), " ")
	if ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != "" {
		if k := s.keys.match(strings.TrimSpace(token)); k != nil {
			return k.Name
		}
	}
	return "-"
}

// scoped applies the caller's scope to a query; every path that runs a
// query (JSON, SQL, explain) goes through it.
func scoped(c *gin.Context, q *plan.Query) *plan.Query {
	if sc := callerScope(c); sc != nil {
		q.Scope = sc
	}
	return q
}

// callerScope is the calling key's scope, nil for an unscoped caller.
func callerScope(c *gin.Context) *plan.Scope {
	if k := caller(c); k != nil {
		return k.Scope
	}
	return nil
}

// notModified answers a conditional request whose ETag still holds.
type notModified struct{}

// etagMatches reports whether an If-None-Match header names the ETag, by
// the weak comparison If-None-Match uses; star says whether a `*` in it
// counts, which it does only once the answer is known to exist: a query
// that would fail is answered with its error, never 304 (RFC 9110 13.2.1).
func etagMatches(header, key string, star bool) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == `"`+key+`"` || (star && t == "*") {
			return true
		}
	}
	return false
}

// ready answers 200 once the warehouse answers and the rollups' state is
// loaded, 503 before (and while the engine does not answer).
func (s *Server) ready(c *gin.Context) {
	c.Header("Cache-Control", "no-store") // the state of now, never of a cache
	if err := s.w.Ready(c.Request.Context()); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "not ready", "reason": err.Error()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
