package duckdb

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// Prepared statements by their SQL text. Parsing, binding and planning a
// statement costs DuckDB about as much as running a small one (a dashboard
// query over a rollup of thousands of rows), and a server answers the same
// few statements over and over: Query prepares each statement once and runs
// the prepared one afterwards (database/sql prepares it again on each
// connection that runs it, once).
//
// A prepared statement gives the same answers as the text run afresh: DuckDB
// binds it again when the catalog changed since it was prepared (a table
// replaced, a view re-created) and reads files and tables as they are when
// it runs. The cache is still emptied by every Exec and ExecTx, the only
// ways the catalog changes through this package, so that a statement never
// keeps a dropped table's entry alive: a refresh costs the next queries one
// prepare each.
type stmtCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]*list.Element
	lru     *list.List
	// gen counts clears: a statement prepared across a clear is not kept.
	gen uint64
}

type stmtEntry struct {
	sql  string
	stmt *sql.Stmt
	// uses counts the callers running the statement; gone is set once it
	// left the cache, and the last user closes it.
	uses int
	gone bool
}

// stmtCacheSize bounds the statements kept; the least recently used goes.
// Each is prepared once per connection that ran it, so the plans held are
// up to this many times the pool's size: enough for a set of dashboards,
// small beside the data.
const stmtCacheSize = 64

func newStmtCache(max int) *stmtCache {
	return &stmtCache{max: max, entries: map[string]*list.Element{}, lru: list.New()}
}

// get returns the statement prepared for q, preparing it on db when it is
// not kept, for one use ended by release; nil when q cannot be prepared
// (more than one statement, or an error, which the caller then gets from
// running q as text).
func (c *stmtCache) get(ctx context.Context, db *sql.DB, q string) *stmtEntry {
	c.mu.Lock()
	if el, ok := c.entries[q]; ok {
		c.lru.MoveToFront(el)
		e := el.Value.(*stmtEntry)
		e.uses++
		c.mu.Unlock()
		return e
	}
	gen := c.gen
	c.mu.Unlock()
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[q]; ok {
		// Another caller prepared it meanwhile: keep one.
		_ = st.Close()
		c.lru.MoveToFront(el)
		e := el.Value.(*stmtEntry)
		e.uses++
		return e
	}
	e := &stmtEntry{sql: q, stmt: st, uses: 1}
	if gen != c.gen {
		// Prepared across a change to the catalog: use it once (it binds
		// again if it must), but do not keep it.
		e.gone = true
		return e
	}
	c.entries[q] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		c.dropLocked(c.lru.Back())
	}
	return e
}

// release ends one use of e.
func (c *stmtCache) release(e *stmtEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.uses--; e.uses == 0 && e.gone {
		_ = e.stmt.Close()
	}
}

func (c *stmtCache) dropLocked(el *list.Element) {
	e := el.Value.(*stmtEntry)
	c.lru.Remove(el)
	delete(c.entries, e.sql)
	e.gone = true
	if e.uses == 0 {
		_ = e.stmt.Close()
	}
}

// clear lets go of every kept statement.
func (c *stmtCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for c.lru.Len() > 0 {
		c.dropLocked(c.lru.Back())
	}
}

// len is how many statements are kept.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
