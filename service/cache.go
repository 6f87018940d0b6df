package service

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
)

// The result cache keeps recent answers by everything that decides them: the
// normalized query, the caller's scope, the model's version and the data's
// version (each rollup's built version and every source's fingerprint). The
// data version is read on every request, so an answer is never served after
// a refresh or a source change: the key simply moves on, and the old entry
// ages out of the LRU. Concurrent requests with one key run the query once.
type cache struct {
	mu      sync.Mutex
	max     int
	maxRows int
	entries map[string]*list.Element
	lru     *list.List
	flights map[string]*answerRun // runs under way, by key and row cap
	// runs counts queries the cache let through to the engine.
	runs atomic.Int64
}

type cacheEntry struct {
	key string
	res *Result
}

// EnableCache keeps up to entries answers of at most maxRows rows each;
// entries ≤ 0 turns the cache off. Call it before serving; a Project without
// it runs every query.
func (s *Project) EnableCache(entries, maxRows int) {
	if entries <= 0 {
		s.cache = nil
		return
	}
	s.cache = &cache{max: entries, maxRows: maxRows, entries: map[string]*list.Element{}, lru: list.New(), flights: map[string]*answerRun{}}
}

// CacheKey is the key the query's answer is cached under, also its ETag; ok
// is false when the answer cannot be cached (the cache is off, or an engine
// table's fingerprint cannot be read).
func (s *Project) CacheKey(q *plan.Query) (key string, ok bool) {
	if s.cache == nil {
		return "", false
	}
	data, ok := s.dataVersion()
	if !ok {
		return "", false
	}
	body, err := json.Marshal(q)
	if err != nil {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "query %s\n", body)
	if sc := q.Scope; sc != nil {
		metrics := append([]string{}, sc.Metrics...)
		sort.Strings(metrics)
		fmt.Fprintf(h, "scope %q %q %q %v\n", sc.Key, sc.Where, metrics, sc.Metrics == nil)
	}
	fmt.Fprintf(h, "model %s\ndata %s\n", s.modelVersion, data)
	if q.Audience != "" || len(q.Audiences) > 0 {
		// The members come from the tags' current versions, which a tag
		// build swaps without any source or rollup changing.
		tags, ok := s.tagVersion()
		if !ok {
			return "", false
		}
		fmt.Fprintf(h, "tags %s\n", tags)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], true
}

// Answer runs a metric query through the cache when it is on: a cached
// answer comes back with Meta.Cached set; identical concurrent queries share
// one run. The returned Result may be shared: callers must not change it.
func (s *Project) Answer(ctx context.Context, q *plan.Query) (*Result, error) {
	return s.AnswerCapped(ctx, q, 0)
}

// AnswerCapped is Answer reading at most maxRows+1 rows (QueryCapped). Only
// complete answers are cached, so an answer cut at one caller's cap is never
// served to another (the SQL and MySQL paths read uncapped); identical
// queries share a run only when they share the cap.
func (s *Project) AnswerCapped(ctx context.Context, q *plan.Query, maxRows int) (*Result, error) {
	key, ok := s.CacheKey(q)
	if !ok {
		return s.QueryCapped(ctx, q, maxRows)
	}
	c := s.cache
	if res := c.get(key); res != nil {
		return res, nil
	}
	return c.share(ctx, key+"/"+strconv.Itoa(maxRows), key, func(ctx context.Context) (*Result, error) {
		c.runs.Add(1)
		res, err := s.QueryCapped(ctx, q, maxRows)
		if err != nil {
			return nil, err
		}
		res.Meta.ETag = key
		c.put(key, res)
		return res, nil
	})
}

// answerRun is one run shared by the identical requests that arrived while it
// was under way. It runs on a context of its own, which ends only when every
// request waiting on it has gone (or at the first request's deadline): a
// client that disconnects takes only its own request with it.
type answerRun struct {
	done    chan struct{}
	res     *Result
	err     error
	waiters int
	cancel  context.CancelFunc
}

// share answers from the run under way for fk, or starts one. The request
// that starts it gets the answer as run; the others get it marked cached.
func (c *cache) share(ctx context.Context, fk, key string, run func(context.Context) (*Result, error)) (*Result, error) {
	c.mu.Lock()
	f, joined := c.flights[fk]
	if joined {
		f.waiters++
		c.mu.Unlock()
	} else {
		if res := c.getLocked(key); res != nil { // stored since the caller looked
			c.mu.Unlock()
			return res, nil
		}
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		if d, ok := ctx.Deadline(); ok {
			cancel()
			runCtx, cancel = context.WithDeadline(context.WithoutCancel(ctx), d)
		}
		f = &answerRun{done: make(chan struct{}), waiters: 1, cancel: cancel}
		c.flights[fk] = f
		c.mu.Unlock()
		go func() {
			defer func() {
				if r := recover(); r != nil {
					f.res, f.err = nil, fmt.Errorf("panic: %v", r)
				}
				cancel()
				c.mu.Lock()
				if c.flights[fk] == f {
					delete(c.flights, fk)
				}
				c.mu.Unlock()
				close(f.done)
			}()
			f.res, f.err = run(runCtx)
		}()
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 { // nobody waits any more: stop the run, and let
			f.cancel() // the next request start afresh
			if c.flights[fk] == f {
				delete(c.flights, fk)
			}
		}
		c.mu.Unlock()
		return nil, ErrCanceled
	}
	if f.err != nil {
		return nil, f.err
	}
	if joined {
		cp := *f.res
		cp.Meta.Cached = true
		return &cp, nil
	}
	return f.res, nil
}

// CachedMaxAge is how long a client may reuse the cached answer under key
// (its Meta.MaxAge); ok is false when no answer is cached under it.
func (s *Project) CachedMaxAge(key string) (maxAge time.Duration, ok bool) {
	if s.cache == nil {
		return 0, false
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	el, ok := s.cache.entries[key]
	if !ok {
		return 0, false
	}
	return el.Value.(*cacheEntry).res.Meta.MaxAge, true
}

// CacheRuns is how many queries the cache let through to the engine.
func (s *Project) CacheRuns() int64 {
	if s.cache == nil {
		return 0
	}
	return s.cache.runs.Load()
}

func (c *cache) get(key string) *Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.getLocked(key)
}

func (c *cache) getLocked(key string) *Result {
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	c.lru.MoveToFront(el)
	cp := *el.Value.(*cacheEntry).res
	cp.Meta.Cached = true
	return &cp
}

func (c *cache) put(key string, res *Result) {
	if res.Truncated || len(res.Rows) > c.maxRows {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, res: res})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.entries, old.Value.(*cacheEntry).key)
	}
}
