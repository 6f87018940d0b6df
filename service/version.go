package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/model"
)

// ModelVersion fingerprints the model files as loaded: a changed model is a
// new version even where the catalog would come out the same. The result
// cache keys on it, and serve.json records it so a CLI can tell its model
// from the server's.
func ModelVersion(p *model.Project) string {
	paths := make([]string, 0, len(p.Sources))
	for path := range p.Sources {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, path := range paths {
		fmt.Fprintf(h, "%s %d\n", path, len(p.Sources[path]))
		h.Write(p.Sources[path])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// dataVersion fingerprints everything an answer reads besides the model: each
// rollup's built version, every source file's size and modification time and
// every engine table's fingerprint (materializer.EngineTableStat, reused for
// a second): a change to an engine table is a new version, so cached answers
// over it are not served. ok is false when an engine table's fingerprint
// cannot be read.
func (s *Project) dataVersion() (string, bool) {
	h := sha256.New()
	s.mu.RLock()
	names := make([]string, 0, len(s.states))
	for n := range s.states {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := s.states[n]
		fmt.Fprintf(h, "rollup %s %s %s %d\n", n, st.Table, st.Hash, st.BuiltAt.UnixNano())
	}
	s.mu.RUnlock()
	for _, t := range s.Project.Tables {
		st, err := s.m.SourceStatErr(context.Background(), t)
		if err != nil {
			return "", false
		}
		fmt.Fprintf(h, "source %s %s\n", t.Name, st)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], true
}

// tagVersion fingerprints the tag versions an audience reads: each tag's
// version table, definition and build time. ok is false when the tag state
// cannot be read (the answer is then not cached).
func (s *Project) tagVersion() (string, bool) {
	svc, err := s.AudienceService()
	if err != nil {
		return "", false
	}
	states, err := svc.states(context.Background())
	if err != nil {
		return "", false
	}
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	sla := map[string]time.Duration{}
	for _, t := range s.Project.Tags {
		sla[t.Name] = t.Freshness
	}
	now := time.Now()
	h := sha256.New()
	for _, n := range names {
		st := states[n]
		// An answer says whether each tag is beyond its SLA: crossing it
		// is a new version of the answer.
		beyond := sla[n] > 0 && now.Sub(st.BuiltAt) > sla[n]
		fmt.Fprintf(h, "tag %s %s %s %d %v\n", n, st.Table, st.Hash, st.BuiltAt.UnixNano(), beyond)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], true
}

// rawFreshness is the newest modification time among the files the plan's
// raw parts read: the answer reflects the sources as of then.
func (s *Project) rawFreshness(p *plan.Plan) time.Time {
	var newest time.Time
	for _, pt := range p.Parts {
		if pt.Rollup != nil {
			continue
		}
		for _, in := range pt.Fact.Instances {
			if t := s.m.SourceNewest(in.Table); t.After(newest) {
				newest = t
			}
		}
	}
	return newest
}

// maxAge is how long a client may reuse the answer: the shortest freshness
// target among the rollups serving it; 0 (revalidate) when a part is raw or
// a serving rollup has no target.
func (s *Project) maxAge(p *plan.Plan) time.Duration {
	var age time.Duration
	for _, pt := range p.Parts {
		if pt.Rollup == nil {
			return 0
		}
		var f time.Duration
		for _, r := range s.m.Rollups {
			if r.Name == pt.Rollup.Name {
				f = r.Def.Refresh.Freshness
			}
		}
		if f <= 0 {
			return 0
		}
		if age == 0 || f < age {
			age = f
		}
	}
	return age
}

// Ready reports whether the project can answer: the rollups' state is loaded
// and the engine answers a trivial query within a second.
func (s *Project) Ready(ctx context.Context) error {
	s.mu.RLock()
	loaded := s.states != nil
	s.mu.RUnlock()
	if !loaded {
		return errors.New("the rollups' state is not loaded yet")
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := s.Engine.Query(ctx, sqlgen.Ping()); err != nil {
		return errors.New("the engine does not answer")
	}
	return nil
}
