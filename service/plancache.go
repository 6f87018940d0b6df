package service

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/rewrite"
)

// The plan cache keeps compiled queries (the plan and its SQL, cut at the
// caller's row cap) by the normalized query, the caller's scope and the cap.
// A compile is a pure function of the query, the catalog (fixed for a
// Project), and the rollups' state: the state is swapped only by Reload,
// which starts an empty cache, so an entry is never read across a refresh.
// The sources are still checked on every query (rollupsLocked stats them):
// an entry is used, and made, only while no rollup's sources changed since
// its build — a changed source compiles afresh, as it always did, so the
// answer follows the change the moment it happens.
type planCache struct {
	mu      sync.Mutex
	entries map[string]*plannedQuery
}

// plannedQuery is one cached compile: shared, never changed once stored.
type plannedQuery struct {
	c      *compiler.Compiled
	capped bool
	tables []string // the rollup tables its SQL reads (held while it runs)
}

// planCacheMax bounds the entries; past it the cache starts over (a
// dashboard asks a few hundred distinct queries, not thousands).
const planCacheMax = 4096

func newPlanCache() *planCache { return &planCache{entries: map[string]*plannedQuery{}} }

func (p *planCache) get(key string) *plannedQuery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.entries[key]
}

func (p *planCache) put(key string, e *plannedQuery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.entries) >= planCacheMax {
		p.entries = map[string]*plannedQuery{}
	}
	p.entries[key] = e
}

// planKey is the cache key of q at the row cap; ok is false for a query
// that carries more than its JSON says (semi-joins of audiences are set by
// the server, not decoded) and is compiled each time.
func planKey(q *plan.Query, maxRows int) (string, bool) {
	if len(q.Semi) > 0 {
		return "", false
	}
	body, err := json.Marshal(q)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(body) + 64)
	b.WriteString(strconv.Itoa(maxRows))
	b.WriteByte(' ')
	b.Write(body)
	if sc := q.Scope; sc != nil {
		scope, err := json.Marshal(struct {
			Key, Where string
			Metrics    []string
			All        bool
		}{sc.Key, sc.Where, sc.Metrics, sc.Metrics == nil})
		if err != nil {
			return "", false
		}
		b.WriteString(" scope ")
		b.Write(scope)
	}
	return b.String(), true
}

// unchanged reports whether no rollup's sources changed since its build:
// the only state in which a compile does not depend on the time.
func unchanged(in *rewrite.Input) bool {
	for _, st := range in.States {
		if st.SourceChanged {
			return false
		}
	}
	return true
}

// planStats counts the compiles the plan cache did not spare.
type planStats struct{ compiles atomic.Int64 }

// Compiles is how many metric queries this project compiled rather than took
// from the plan cache.
func (s *Project) Compiles() int64 { return s.planStats.compiles.Load() }
