package service

import (
	"context"
	"sync"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/materializer"
)

// Refresh while serving. A reader must always see a complete version of a
// rollup, and a refresh replaces the version under it:
//
//  1. a query snapshots the rollups' state, compiles, and counts itself a
//     reader of every rollup table its SQL names, all under s.mu read-locked;
//  2. a refresh writes the new version and records it (the materializer keeps
//     the replaced table: KeepReplaced), then swaps the state in memory under
//     s.mu write-locked — so every query either counted itself a reader of the
//     old table before the swap or compiles against the new one after it;
//  3. the replaced table is dropped at once when it has no reader, else by the
//     last reader on its way out;
//  4. refreshes of one rollup are serialized: a refresh asked for while one
//     runs waits for it and reports its result (one build, not two);
//  5. a replaced table whose drop never ran (the process was killed) is
//     dropped by the next open (materializer.DropOrphans).

// readers counts the queries reading each rollup table.
type readers struct {
	p      *Project
	mu     sync.Mutex
	refs   map[string]int
	doomed map[string]bool
}

func (r *readers) init(p *Project) {
	r.p, r.refs, r.doomed = p, map[string]int{}, map[string]bool{}
}

func (r *readers) hold(tables []string) {
	r.mu.Lock()
	for _, t := range tables {
		r.refs[t]++
	}
	r.mu.Unlock()
}

func (r *readers) release(tables []string) {
	var drop []string
	r.mu.Lock()
	for _, t := range tables {
		if r.refs[t]--; r.refs[t] <= 0 {
			delete(r.refs, t)
			if r.doomed[t] {
				delete(r.doomed, t)
				drop = append(drop, t)
			}
		}
	}
	r.mu.Unlock()
	r.drop(drop)
}

// retire drops a replaced table now, or marks it for its last reader.
func (r *readers) retire(table string) {
	r.mu.Lock()
	busy := r.refs[table] > 0
	if busy {
		r.doomed[table] = true
	}
	r.mu.Unlock()
	if !busy {
		r.drop([]string{table})
	}
}

// drop removes replaced tables. A failure leaves an orphan, which the next
// open removes; it must not fail the query that happened to be last.
func (r *readers) drop(tables []string) {
	for _, t := range tables {
		_ = r.p.m.DropVersion(context.Background(), t)
	}
}

// compileAndHold compiles q against the current state, cut at maxRows rows
// (compiler.Cap: capped says the SQL reads maxRows+1), and holds the rollup
// tables it reads until release is called. The compile comes from the plan
// cache when the state allows it (plancache.go).
func (s *Project) compileAndHold(q *plan.Query, maxRows int) (c *compiler.Compiled, capped bool, release func(), err error) {
	key, cacheable := planKey(q, maxRows)
	s.mu.RLock()
	in := s.rollupsLocked() // stats the sources: a change is seen now
	cacheable = cacheable && unchanged(in)
	pq := (*plannedQuery)(nil)
	if cacheable {
		pq = s.plans.get(key)
	}
	if pq == nil {
		s.planStats.compiles.Add(1)
		c, err := compiler.Compile(s.Catalog, q, in, s.Dialect)
		if err == nil {
			capped, err = compiler.Cap(c, maxRows, s.Dialect)
		}
		if err != nil {
			s.mu.RUnlock()
			return nil, false, nil, err
		}
		pq = &plannedQuery{c: c, capped: capped}
		for _, pt := range c.Plan.Parts {
			if pt.Rollup != nil {
				pq.tables = append(pq.tables, pt.Rollup.Table)
			}
		}
		if cacheable {
			s.plans.put(key, pq)
		}
	}
	s.readers.hold(pq.tables)
	s.mu.RUnlock()
	return pq.c, pq.capped, func() { s.readers.release(pq.tables) }, nil
}

// flight is one running refresh of one rollup.
type flight struct {
	done chan struct{}
	res  materializer.RefreshResult
	err  error
}

// flights serializes refreshes per rollup.
type flights struct {
	mu      sync.Mutex
	running map[string]*flight
}

// do runs build for the rollup unless a refresh of it runs; then it waits for
// that one and returns its result.
func (f *flights) do(ctx context.Context, name string, build func() (materializer.RefreshResult, error)) (materializer.RefreshResult, error) {
	f.mu.Lock()
	if f.running == nil {
		f.running = map[string]*flight{}
	}
	if fl := f.running[name]; fl != nil {
		f.mu.Unlock()
		select {
		case <-fl.done:
			res := fl.res
			res.Shared = true
			return res, fl.err
		case <-ctx.Done():
			return materializer.RefreshResult{Name: name}, ctx.Err()
		}
	}
	fl := &flight{done: make(chan struct{})}
	f.running[name] = fl
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.running, name)
		f.mu.Unlock()
		close(fl.done)
	}()
	fl.res, fl.err = build()
	return fl.res, fl.err
}

// Refresh builds rollups (all when names is empty), one at a time, each
// serialized with other refreshes of it, swapping each new version in for
// the queries that follow while the queries running keep their version.
func (s *Project) Refresh(ctx context.Context, names []string, progress func(materializer.RefreshResult)) ([]materializer.RefreshResult, error) {
	if len(names) == 0 {
		if err := s.m.DropRemoved(ctx); err != nil {
			return nil, err
		}
		for _, r := range s.m.Rollups {
			names = append(names, r.Name)
		}
	}
	// Finer rollups first, so that coarser ones are built from them.
	names = s.m.BuildOrder(names)
	var out []materializer.RefreshResult
	for _, name := range names {
		res, err := s.flights.do(ctx, name, func() (materializer.RefreshResult, error) {
			rs, err := s.m.Refresh(ctx, []string{name}, nil)
			if err != nil {
				return materializer.RefreshResult{Name: name}, err
			}
			res := rs[0]
			if res.Err == nil {
				if err := s.Reload(context.WithoutCancel(ctx)); err != nil {
					return res, err
				}
				if res.Replaced != "" {
					s.readers.retire(res.Replaced)
				}
			}
			return res, nil
		})
		if err != nil {
			return out, err
		}
		out = append(out, res)
		if progress != nil {
			progress(res)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return out, nil
}
