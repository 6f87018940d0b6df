package materializer

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/strata-metrics/strata/compiler/audience"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// Tag builds. A tag version is a table of roaring bitmaps in the engine's
// _strata schema, one row per value (one row for a boolean or behaviour tag),
// each in the portable serialization; the state row in _strata.tags names the
// current version. A build:
//
//  1. selects the entity keys the tag holds (with their value, for a
//     categorical tag) through SQL written by compiler/sqlgen — for a
//     behaviour tag, the metric per entity over the window that ends at the
//     fact's latest time, which becomes the version's as_of;
//  2. sets each key's bit in its value's bitmap: an integer key is its own id,
//     a text key the id its dictionary gives it (sqlgen.KeyDictSync, run
//     before the entity's builds; the queries join the dictionary);
//  3. creates the version table, inserts the bitmaps and swaps the state row
//     in one transaction, dropping the previous version: readers see the old
//     version or the new one, never a part. A failure keeps the old version
//     and records the error.
//
// Every refresh also rebuilds each tag entity's population (all its keys), so
// NOT and profiles are taken within the entity table as it was when its tags
// were built.

// PopulationName is the state-row name of an entity's population.
func PopulationName(entity string) string { return "population:" + entity }

// TagResult reports one tag build.
type TagResult struct {
	Name    string `json:"name"`
	Members int64  `json:"members"`
	Values  int    `json:"values"`
	AsOf    string `json:"as_of"`
	// Duration is how long the tag took to build: for a tag computed in a
	// batch, the whole batch's engine time plus its own write.
	Duration time.Duration `json:"duration_ns"`
	// Batch is how many tag versions (populations included) the batch it
	// was computed in produced; 0 when it was built alone.
	Batch int    `json:"batch,omitempty"`
	Err   error  `json:"-"`
	Error string `json:"error,omitempty"`
}

// TagNames lists the project's tags in declaration order.
func (m *Materializer) TagNames() []string {
	out := make([]string, len(m.Project.Tags))
	for i, t := range m.Project.Tags {
		out[i] = t.Name
	}
	return out
}

// RefreshTags builds the named tags (all when names is empty) and the
// populations of their entities. progress, when set, is called after each.
func (m *Materializer) RefreshTags(ctx context.Context, names []string, progress func(TagResult)) ([]TagResult, error) {
	for _, q := range sqlgen.TagStateDDL(m.Dialect) {
		if err := m.Engine.Exec(ctx, q); err != nil {
			return nil, engine.Clean(err)
		}
	}
	defs, err := audience.Definitions(m.Catalog)
	if err != nil {
		return nil, err
	}
	todo := defs
	if len(names) > 0 {
		byName := map[string]*audience.TagDef{}
		for _, d := range defs {
			byName[d.Tag.Name] = d
		}
		todo = nil
		for _, n := range names {
			d, ok := byName[n]
			if !ok {
				known := m.TagNames()
				sort.Strings(known)
				return nil, fmt.Errorf("unknown tag %q (tags: %s)", n, strings.Join(known, ", "))
			}
			todo = append(todo, d)
		}
	}
	release, res := m.holdTagLeases(ctx, todo)
	if res != nil {
		return res, nil
	}
	defer release()
	return m.refreshBatched(ctx, todo, progress), nil
}

// holdTagLeases takes the build lease of every tag in todo — the row the
// scheduler takes for the tag's job (TagJobPrefix+name), so `strata refresh`,
// the DataAPI's refresh and the scheduler of another process never build
// one tag at once (buildlease.go, steps 1–4). The leases are taken in name
// order, so two refreshes of overlapping tags never wait for each other
// crosswise. A refresh that stops waiting gets, for each tag, a result
// saying which process was building; nothing is built or recorded, and the
// previous versions keep serving.
//
// The populations of their entities, which every refresh of a tag
// rebuilds, are leased too (TagJobPrefix+PopulationName), after all the
// tags: a process holding a population lease then holds every lease it
// will take, so it never waits, and no two processes wait for each other
// (a scheduler's job holds its one tag lease before this runs).
func (m *Materializer) holdTagLeases(ctx context.Context, todo []*audience.TagDef) (func(), []TagResult) {
	names := make([]string, 0, len(todo))
	var pops []string
	for _, d := range todo {
		names = append(names, TagJobPrefix+d.Tag.Name)
		pops = append(pops, TagJobPrefix+PopulationName(d.Tag.Entity.Value))
	}
	sort.Strings(names)
	names = slices.Compact(names)
	sort.Strings(pops)
	names = append(names, slices.Compact(pops)...)
	var releases []func()
	release := func() {
		for i := len(releases) - 1; i >= 0; i-- {
			releases[i]()
		}
	}
	for _, n := range names {
		rel, err := m.holdLease(ctx, n)
		if err != nil {
			release()
			out := make([]TagResult, 0, len(todo))
			for _, d := range todo {
				out = append(out, TagResult{Name: d.Tag.Name, Err: err, Error: err.Error()})
			}
			return nil, out
		}
		releases = append(releases, rel)
	}
	return release, nil
}

func (m *Materializer) buildPopulation(ctx context.Context, s *audience.Scope) TagResult {
	name := PopulationName(s.Entity.Name)
	return m.buildSets(ctx, name, "population", s, "", batch{}, func() (map[string]*roaring.Bitmap, string, error) {
		sets, err := m.selectSets(ctx, sqlgen.EntityKeys(m.Dialect, s, m.Project.Timezone), false)
		return sets, "", err
	})
}

func (m *Materializer) buildTag(ctx context.Context, d *audience.TagDef) TagResult {
	return m.buildSets(ctx, d.Tag.Name, d.Kind, d.Scope, d.Hash, batch{}, func() (map[string]*roaring.Bitmap, string, error) {
		switch d.Kind {
		case audience.KindBoolean:
			q, err := sqlgen.EntityKeysWhere(m.Dialect, d.Scope, d.Where, m.Project.Timezone)
			if err != nil {
				return nil, "", err
			}
			sets, err := m.selectSets(ctx, q, false)
			return sets, "", err
		case audience.KindCategorical:
			q, err := sqlgen.EntityValues(m.Dialect, d.Scope, d.Value, true, m.Project.Timezone)
			if err != nil {
				return nil, "", err
			}
			sets, err := m.selectSets(ctx, q, true)
			return sets, "", err
		default:
			var pop *roaring.Bitmap
			if audience.HoldsWithoutFacts(m.Catalog, d) {
				var err error
				if pop, err = m.readBitmap(ctx, PopulationName(d.Scope.Entity.Name)); err != nil {
					return nil, "", err
				}
			}
			bs, err := m.behaviourGroup(ctx, []*audience.TagDef{d}, pop)
			if err != nil {
				return nil, "", err
			}
			return bs[d.Tag.Name].sets, bs[d.Tag.Name].asOf, nil
		}
	})
}

// selectSets runs a query whose first column is the entity key and, when
// byValue, whose second is the value; NULL keys are skipped (facts whose
// entity is unknown).
func (m *Materializer) selectSets(ctx context.Context, q string, byValue bool) (map[string]*roaring.Bitmap, error) {
	if sc, ok := m.Engine.(rowScanner); ok {
		return scanSets(ctx, sc, q, byValue)
	}
	res, err := m.Engine.Query(ctx, q)
	if err != nil {
		return nil, engine.Clean(err)
	}
	sets := map[string]*roaring.Bitmap{}
	if !byValue {
		sets[""] = roaring.New()
	}
	buf := map[string][]uint32{}
	for _, row := range res.Rows {
		if row[0] == nil {
			continue
		}
		id, err := audience.KeyID(row[0])
		if err != nil {
			return nil, err
		}
		v := ""
		if byValue {
			v, _ = row[1].(string)
		}
		buf[v] = append(buf[v], id)
	}
	for v, ids := range buf {
		bm := roaring.BitmapOf(ids...)
		bm.RunOptimize()
		sets[v] = bm
	}
	return sets, nil
}

// rowScanner is an engine that streams rows into typed destinations.
type rowScanner interface {
	Each(ctx context.Context, q string, fn func(scan func(dest ...any) error) error) error
}

// scanSets is selectSets over a streaming engine: keys are scanned as
// integers and added to the bitmaps as they arrive.
func scanSets(ctx context.Context, sc rowScanner, q string, byValue bool) (map[string]*roaring.Bitmap, error) {
	sets := map[string]*roaring.Bitmap{}
	if !byValue {
		sets[""] = roaring.New()
	}
	var key sql.NullInt64
	var value sql.NullString
	dest := []any{&key}
	if byValue {
		dest = append(dest, &value)
	}
	bufs := map[string][]uint32{}
	flush := func(v string) {
		bm := sets[v]
		if bm == nil {
			bm = roaring.New()
			sets[v] = bm
		}
		bm.AddMany(bufs[v])
		bufs[v] = bufs[v][:0]
	}
	err := sc.Each(ctx, q, func(scan func(dest ...any) error) error {
		if err := scan(dest...); err != nil {
			return err
		}
		if !key.Valid {
			return nil
		}
		id, err := audience.KeyID(key.Int64)
		if err != nil {
			return err
		}
		v := ""
		if byValue {
			v = value.String
		}
		bufs[v] = append(bufs[v], id)
		if len(bufs[v]) >= 1<<16 {
			flush(v)
		}
		return nil
	})
	if err != nil {
		return nil, engine.Clean(err)
	}
	for v := range bufs {
		flush(v)
	}
	for _, bm := range sets {
		bm.RunOptimize()
	}
	return sets, nil
}

// buildSets computes and stores one tag version. b, for a tag computed in
// a batch, is that batch: its engine time counts in the tag's duration (the
// time the tag took to appear), and its size is reported.
func (m *Materializer) buildSets(ctx context.Context, name, kind string, s *audience.Scope, hash string, b batch, compute func() (map[string]*roaring.Bitmap, string, error)) TagResult {
	start := time.Now()
	res := TagResult{Name: name, Batch: b.size}
	fail := func(err error) TagResult {
		res.Err, res.Error, res.Duration = err, err.Error(), time.Since(start)+b.took
		m.recordTagFailure(context.WithoutCancel(ctx), name, kind, s.Entity.Name, err)
		return res
	}
	if err := s.CheckKeyType(); err != nil {
		return fail(err)
	}
	sets, asOf, err := compute()
	if err != nil {
		return fail(err)
	}
	now := time.Now().UTC()
	if asOf == "" {
		asOf = now.Format(time.RFC3339)
	}
	suffix := hash
	if len(suffix) > 8 {
		suffix = suffix[:8]
	}
	table := fmt.Sprintf("%s.t_%s_%s_%d", sqlgen.StateSchema, sanitize(name), suffix, now.UnixNano())
	stmts := []engine.Statement{{SQL: sqlgen.TagTableCreate(m.Dialect, table)}}
	values := make([]string, 0, len(sets))
	for v := range sets {
		values = append(values, v)
	}
	sort.Strings(values)
	union := roaring.New()
	var bytes int64
	for _, v := range values {
		bm := sets[v]
		blob, err := bm.ToBytes()
		if err != nil {
			return fail(err)
		}
		bytes += int64(len(blob))
		union.Or(bm)
		var value any = v
		if kind != audience.KindCategorical {
			value = nil
		}
		stmts = append(stmts, engine.Statement{SQL: sqlgen.TagTableInsert(m.Dialect, table), Args: []any{value, int64(bm.GetCardinality()), blob}})
	}
	old := ""
	if st, err := m.tagStates(ctx); err == nil {
		old = st[name].Table
	}
	res.Members, res.Values, res.AsOf = int64(union.GetCardinality()), len(values), asOf
	res.Duration = time.Since(start) + b.took
	nvalues := int64(len(values))
	if kind != audience.KindCategorical {
		nvalues = 0
	}
	swapArgs := []any{name, kind, s.Entity.Name, table, hash, asOf, now, float64(res.Duration.Microseconds()) / 1000, res.Members, nvalues, bytes, nil, now}
	if m.Dialect.OLAP() != nil {
		if err := m.writeOLAPSets(ctx, table, values, sets, swapArgs, old); err != nil {
			return fail(err)
		}
		return res
	}
	stmts = append(stmts, engine.Statement{SQL: sqlgen.TagSwap(m.Dialect), Args: swapArgs})
	if old != "" && old != table {
		stmts = append(stmts, engine.Statement{SQL: sqlgen.DropTable(m.Dialect, old)})
	}
	if err := m.Engine.ExecTx(ctx, stmts...); err != nil {
		return fail(engine.Clean(err))
	}
	return res
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// TagState is a tag's (or population's) recorded state.
type TagState struct {
	Name       string    `json:"name"`
	Table      string    `json:"table,omitempty"`
	Hash       string    `json:"definition_hash"`
	AsOf       string    `json:"as_of,omitempty"`
	BuiltAt    time.Time `json:"built_at,omitzero"`
	DurationMS float64   `json:"duration_ms"`
	Members    int64     `json:"members"`
	Values     int64     `json:"values"`
	Bytes      int64     `json:"bytes"`
	LastError  string    `json:"last_error,omitempty"`
}

func (m *Materializer) tagStates(ctx context.Context) (map[string]TagState, error) {
	return ReadTagStates(ctx, m.Engine, m.Dialect)
}

// ReadTagStates reads every tag's state row; no state table means no tags built.
func ReadTagStates(ctx context.Context, e engine.Engine, d sqlgen.Dialect) (map[string]TagState, error) {
	res, err := e.Query(ctx, sqlgen.TagStateSelect(d))
	if err != nil {
		if msg := err.Error(); strings.Contains(msg, "does not exist") || strings.Contains(msg, "doesn't exist") {
			return map[string]TagState{}, nil
		}
		return nil, engine.Clean(err)
	}
	out := make(map[string]TagState, len(res.Rows))
	for _, r := range res.Rows {
		s := TagState{Name: r[0].(string), Table: r[1].(string), Hash: r[2].(string), AsOf: r[3].(string),
			DurationMS: r[5].(float64), Members: r[6].(int64), Values: r[7].(int64), Bytes: r[8].(int64), LastError: r[9].(string)}
		if t, ok := r[4].(time.Time); ok {
			s.BuiltAt = t
		}
		out[s.Name] = s
	}
	return out, nil
}
